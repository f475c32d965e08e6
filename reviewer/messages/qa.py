"""The Q&A library (咨询问答库): answered questions a unit reuses when it replies to a citizen.

``Library.suggest`` offers the entries closest to a new message, best first, each with the words it
shares with the message so the person replying sees why it was offered. An entry is offered even
when its answer has gone stale, but flagged: ``expired`` past its ``valid_until`` date, and
``outdated_name`` when the answer names an agency renamed in the 2018 reform or later (the engine's
``outdated_name`` lexicon family, with the engine's context rules, so 原国土资源局 is not flagged).
A stale answer copied into a reply is exactly what the review of that reply would stop.

An entry's vector is its question's plus ``answer_weight`` times its answer's, per feature family
(``features.Space``), renormalised. Citizens rarely reuse the wording of the curated question; the
answer holds more of the words they do use (扫码 for 医保电子凭证, 补卡 for 补办): on the labelled set
in ``tests/data/qa``, weighing the answer twice the question raised top-1 accuracy from 0.52 (the
question alone) to 0.68 (``bench/bench_qa.py`` prints the comparison). A score at or below
``MIN_SCORE`` is mostly one shared bigram; such entries are not offered.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import scipy.sparse as sp

from reviewer.engine import context
from reviewer.engine.lexicon import Lexicon
from reviewer.engine.normalize import views
from reviewer.errors import InputError
from reviewer.messages.features import WORD_WEIGHT, Space
from reviewer.messages.topics import Cluster, cluster

__all__ = ["ANSWER_WEIGHT", "MIN_SCORE", "Cluster", "Entry", "Library", "Suggestion", "cluster", "renamed_agencies"]

#: Weight of the answer beside the question in an entry's vector (measured: bench/bench_qa.py).
ANSWER_WEIGHT = 2.0
#: Entries scoring at or below this are not offered: on the labelled set it hides most suggestions
#: for questions no entry answers while keeping most right ones (bench/bench_qa.py prints both).
MIN_SCORE = 0.1
KEYWORDS = 5


@dataclass(frozen=True, slots=True)
class Entry:
    """One curated question and its answer; ``id`` is the database key or a label in test data."""

    id: int | str
    question: str
    answer: str
    department: str = ""
    unit: str = ""
    valid_until: date | None = None

    def __post_init__(self) -> None:
        for field, label in (("question", "问题"), ("answer", "答复")):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"问答条目 {self.id} 的{label}不能为空", "qa_entry_invalid")
        if self.valid_until is not None and not isinstance(self.valid_until, date):
            raise InputError(f"问答条目 {self.id} 的有效期必须是日期", "qa_entry_invalid")

    def expired_on(self, today: date) -> bool:
        """Past its last valid day (the day itself is still valid)."""
        return self.valid_until is not None and today > self.valid_until

    @classmethod
    def from_dict(cls, row: Mapping[str, object]) -> Entry:
        """An entry from JSON-like data, ``valid_until`` written as YYYY-MM-DD or null."""
        missing = [key for key in ("id", "question", "answer") if key not in row]
        if missing:
            raise InputError(f"问答条目缺少字段：{'、'.join(missing)}", "qa_entry_invalid")
        until = row.get("valid_until")
        if isinstance(until, str):
            try:
                until = date.fromisoformat(until)
            except ValueError:
                raise InputError(f"问答条目 {row.get('id')} 的有效期“{until}”不是日期（应为 YYYY-MM-DD）", "qa_entry_invalid") from None
        return cls(id=row["id"], question=row["question"], answer=row["answer"], department=str(row.get("department") or ""),
                   unit=str(row.get("unit") or ""), valid_until=until)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An entry offered for a message: cosine ``score`` in 0..1, the shared ``keywords`` strongest
    first, and why its answer may need editing before it is reused."""

    entry: Entry
    score: float
    keywords: tuple[str, ...]
    expired: bool
    outdated_name: bool
    renamed: tuple[str, ...] = ()  # "国土资源局→自然资源局" for every outdated name in the answer

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(name for name in ("expired", "outdated_name") if getattr(self, name))


@functools.cache
def _shipped_lexicon() -> Lexicon:
    return Lexicon.load()


def renamed_agencies(text: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """Each outdated agency name the text uses as current, as "old→new" (or "old" without a new name)."""
    lexicon = lexicon if lexicon is not None else _shipped_lexicon()
    seen = views(text, ("plain", "compact"))
    findings = context.relax(lexicon.match(text, seen["compact"], seen["plain"]), seen["plain"])
    return tuple(dict.fromkeys(f"{f.text}→{f.suggestion}" if f.suggestion else f.text
                               for f in findings if f.category == "outdated_name" and f.severity != "info"))


class Library:
    """Entries and their vectors, fixed once built; one library serves many threads (the outdated-name
    check of each entry is remembered, under a lock, the first time the entry is offered)."""

    def __init__(self, entries: Iterable[Entry], *, lexicon: Lexicon | None = None, word_weight: float = WORD_WEIGHT,
                 answer_weight: float = ANSWER_WEIGHT, min_score: float = MIN_SCORE) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        seen: set[int | str] = set()
        for entry in self.entries:
            if entry.id in seen:
                raise InputError(f"问答条目编号重复：{entry.id}", "qa_duplicate_id")
            seen.add(entry.id)
        if answer_weight < 0:
            raise InputError(f"答复权重不能为负数，收到 {answer_weight}", "invalid_weight")
        self.min_score = min_score
        self._lexicon = lexicon
        self._space = space = Space(word_weight)
        n = len(self.entries)
        tfidf = space.fit([e.question for e in self.entries] + [e.answer for e in self.entries])
        mixed = space.unit(space.unit(tfidf[:n]) + np.float32(answer_weight) * space.unit(tfidf[n:]))
        self._rows = space.weigh(mixed)
        self._columns = self._rows.T.tocsr()  # feature -> entries: a message's few features pick the candidates
        self._shown = space.keyword_columns()
        self._renamed: dict[int, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def suggest(self, text: str, k: int = 3, today: date | None = None) -> list[Suggestion]:
        """Up to ``k`` entries closest to ``text``, best first; nothing for a blank text or an empty library."""
        if not isinstance(text, str):
            raise InputError("咨询内容必须是文本", "invalid_text")
        if not isinstance(k, int) or k < 1:
            raise InputError(f"建议条数必须是正整数，收到 {k!r}", "invalid_count")
        if not self.entries or not text.strip():
            return []
        query = self._space.vectors([text])
        if not query.nnz:
            return []
        scores = (query @ self._columns).tocsr()
        rows, values = scores.indices, scores.data
        keep = values > self.min_score
        rows, values = rows[keep], values[keep]
        if len(rows) > k:
            top = np.argpartition(-values, k - 1)[:k]
            rows, values = rows[top], values[top]
        order = np.lexsort((rows, -values))  # ties go to the earlier entry
        today = today or date.today()
        return [self._suggestion(int(rows[i]), float(values[i]), query, today) for i in order]

    def _suggestion(self, row: int, score: float, query: sp.csr_matrix, today: date) -> Suggestion:
        entry = self.entries[row]
        renamed = self._renamed_in(row)
        return Suggestion(entry, min(1.0, score), self._keywords(row, query), entry.expired_on(today), bool(renamed), renamed)

    def _keywords(self, row: int, query: sp.csr_matrix) -> tuple[str, ...]:
        """The shown features the message and the entry share, by their part of the score."""
        start, end = self._rows.indptr[row], self._rows.indptr[row + 1]
        cols, weights = self._rows.indices[start:end], self._rows.data[start:end]
        shared, at_entry, at_query = np.intersect1d(cols, query.indices, assume_unique=True, return_indices=True)
        push = weights[at_entry] * query.data[at_query]
        shown = self._shown[shared]
        ranked = shared[shown][np.argsort(-push[shown], kind="stable")]
        return tuple(str(self._space.names[c]) for c in ranked[:KEYWORDS])

    def _renamed_in(self, row: int) -> tuple[str, ...]:
        """Outdated names in an entry's answer, found the first time the entry is offered."""
        found = self._renamed.get(row)
        if found is None:
            with self._lock:  # the shipped lexicon loads once, not once per thread
                found = renamed_agencies(self.entries[row].answer, self._lexicon)
            self._renamed[row] = found
        return found
