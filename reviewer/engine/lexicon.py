"""Term lists on one Aho-Corasick automaton.

Lexicon files are data we author (``lexicons/*.tsv``) plus any folder a unit adds. A TSV file has
comment lines (``#``), a header ``term category gate severity suggestion note`` and one entry per
line; empty gate or severity take the category default from ``categories.tsv``. A TXT file holds
one term per line; its category is named by a ``# category: NAME`` line or by the file name.
Files named ``allow*`` hold the allow list: innocent longer words (文化和旅游局) inside which a
flagged term (旅游局) must not fire.

Every term is stored in the ``compact`` view of normalize.py, the view it is matched against, so a
lexicon author writes 加微信 and the engine also finds 加 * 微 * 信 and 加薇信's spacing variants.
Short Chinese terms of the families in ``words.BOUNDARY_CHECK`` must also stand on jieba word
boundaries (words.py): 加微信 fires in 请加微信 but not in 增加微信推送 (增加/微/信/推送).
Loading is all or nothing: the first bad line raises ``LexiconError`` naming ``file:line``.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from pathlib import Path

import ahocorasick
import numpy as np

from reviewer.engine import words
from reviewer.engine.findings import Finding
from reviewer.engine.normalize import View, view
from reviewer.vocabulary import GATES, SEVERITIES

TSV_COLUMNS = ("term", "category", "gate", "severity", "suggestion", "note")
#: Files of a lexicon folder that hold something else: family defaults, a unit's leaders (leaders.py).
NOT_LEXICONS = frozenset({"categories.tsv", "leaders.tsv"})
ALLOW_COLUMNS = ("term", "note")


class LexiconError(ValueError):
    """A lexicon file cannot be used; the message starts with ``file:line``."""

    code = "lexicon_invalid"


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    gate: str
    severity: str
    title: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One term of a lexicon, with where it came from so errors and findings can cite it."""

    term: str
    category: str
    gate: str
    severity: str
    suggestion: str | None
    note: str | None
    origin: str  # "file:line"

    @property
    def rule(self) -> str:
        return f"lexicon.{self.category}"


def builtin_dir() -> Path:
    """The lexicons shipped with the package, wherever it is installed."""
    return Path(str(resources.files("reviewer.lexicons")))


def load_categories(dirs: Iterable[os.PathLike | str] = ()) -> dict[str, Category]:
    """Rule families and their default gate and severity: the shipped ``categories.tsv``, then the
    ``categories.tsv`` of each extra lexicon folder, whose rows replace or add families.

    So a deployment moves, say, ``rude`` to another gate by editing its own file, for the lexicon,
    the patterns and the classifier alike.
    """
    categories = _read_categories(builtin_dir() / "categories.tsv", {})
    for folder in dirs:
        path = Path(folder) / "categories.tsv"
        if path.is_file():
            categories = _read_categories(path, categories)
    return categories


def _read_categories(path: Path, base: dict[str, Category]) -> dict[str, Category]:
    categories = dict(base)
    for lineno, row in _rows(path, ("category", "gate", "severity", "name", "covers")):
        _check_choice(path, lineno, "gate", row["gate"], GATES)
        _check_choice(path, lineno, "severity", row["severity"], SEVERITIES)
        categories[row["category"]] = Category(row["category"], row["gate"], row["severity"], row["name"])
    return categories


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a TSV file whose first non-comment line is the header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}:1: 文件不是 UTF-8 编码（{exc.reason}）") from exc
    except OSError as exc:
        raise LexiconError(f"{path}:1: 无法读取文件（{exc.strerror}）") from exc
    header: list[str] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if header is None:
            header = [c.strip() for c in cells]
            if tuple(header[: len(columns)]) != columns[: len(header)] or len(header) < 2:
                raise LexiconError(f"{path}:{lineno}: 表头应为 {' '.join(columns)}，实际为 {' '.join(header)}")
            continue
        if len(cells) > len(header):
            raise LexiconError(f"{path}:{lineno}: 列数过多（{len(cells)} 列，表头只有 {len(header)} 列）")
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        yield lineno, row


def _check_choice(path: Path, lineno: int, column: str, value: str, allowed: Iterable[str]) -> None:
    if value not in allowed:
        raise LexiconError(f"{path}:{lineno}: {column} 取值“{value}”无效，应为 {'/'.join(allowed)} 之一")


def _compact(term: str, path: Path, lineno: int) -> str:
    key = view(term, "compact").text
    if len(key) < 2:
        raise LexiconError(f"{path}:{lineno}: 词条“{term}”归一化后少于两个字符，会造成大量误报")
    return key


def read_file(path: Path, categories: dict[str, Category]) -> tuple[list[Entry], list[str]]:
    """Parse one lexicon file into (entries, allow phrases); raise LexiconError on the first bad line."""
    is_allow = path.stem.lower().startswith("allow")
    if path.suffix.lower() == ".txt":
        return _read_txt(path, categories, is_allow)
    if path.suffix.lower() != ".tsv":
        raise LexiconError(f"{path}:1: 只支持 .tsv 与 .txt 词库文件")
    if is_allow:
        return [], [_compact(row["term"], path, n) for n, row in _rows(path, ALLOW_COLUMNS) if row["term"]]
    entries = []
    for lineno, row in _rows(path, TSV_COLUMNS):
        if not row.get("term"):
            raise LexiconError(f"{path}:{lineno}: 词条为空")
        category = categories.get(row.get("category", ""))
        if category is None:
            raise LexiconError(
                f"{path}:{lineno}: 未知类别“{row.get('category', '')}”，应为 {'/'.join(categories)} 之一"
            )
        gate = row.get("gate") or category.gate
        severity = row.get("severity") or category.severity
        _check_choice(path, lineno, "gate", gate, GATES)
        _check_choice(path, lineno, "severity", severity, SEVERITIES)
        entries.append(
            Entry(
                term=_compact(row["term"], path, lineno),
                category=category.name,
                gate=gate,
                severity=severity,
                suggestion=row.get("suggestion") or None,
                note=row.get("note") or None,
                origin=f"{path.name}:{lineno}",
            )
        )
    return entries, []


def _read_txt(path: Path, categories: dict[str, Category], is_allow: bool) -> tuple[list[Entry], list[str]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}:1: 文件不是 UTF-8 编码（{exc.reason}）") from exc
    except OSError as exc:
        raise LexiconError(f"{path}:1: 无法读取文件（{exc.strerror}）") from exc
    name = path.stem
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#") and stripped[1:].strip().lower().startswith("category:"):
            name = stripped.split(":", 1)[1].strip()
            break
    if not is_allow and name not in categories:
        raise LexiconError(
            f"{path}:1: 无法确定类别：请用 “# category: 类别” 注明，或以类别命名文件（{'/'.join(categories)}）"
        )
    entries: list[Entry] = []
    allow: list[str] = []
    for lineno, line in enumerate(lines, start=1):
        term = line.strip()
        if not term or term.startswith("#"):
            continue
        if "\t" in term:
            raise LexiconError(f"{path}:{lineno}: TXT 词库每行只能有一个词条（发现制表符）")
        key = _compact(term, path, lineno)
        if is_allow:
            allow.append(key)
            continue
        category = categories[name]
        entries.append(
            Entry(key, category.name, category.gate, category.severity, None, None, f"{path.name}:{lineno}")
        )
    return entries, allow


def lexicon_files(directory: Path) -> list[Path]:
    """The lexicon files of a folder, in a stable order (categories.tsv is not a lexicon)."""
    if not directory.is_dir():
        raise LexiconError(f"{directory}:0: 词库目录不存在")
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix.lower() in (".tsv", ".txt") and p.name not in NOT_LEXICONS and p.is_file()
    )


class Lexicon:
    """All entries and allow phrases on one automaton; ``match`` turns a compact view into findings.

    The automaton stores an integer per term; what a hit means (its length, its entries, whether
    they need the word-boundary check) sits in numpy tables indexed by that integer, so a text's
    hits are settled as arrays, whatever their number: the work per hit done in Python is making
    the finding itself.
    """

    def __init__(self, entries: list[Entry], allow: list[str]) -> None:
        self.entries = entries
        self.allow = allow
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        grouped: dict[str, list[Entry]] = {}
        for entry in entries:
            grouped.setdefault(entry.term, []).append(entry)
        lengths: list[int] = []
        first_row: list[int] = []
        row_count: list[int] = []
        rows: list[Entry] = []  # one row per (term, category): what a hit of the term reports
        checked: list[bool] = []  # does the row's entry need the word-boundary check?
        for term, group in grouped.items():
            seen: dict[str, Entry] = {}
            for entry in group:  # a later file (a unit's own folder) overrides an earlier entry
                seen[entry.category] = entry
            automaton.add_word(term, len(lengths))
            lengths.append(len(term))
            first_row.append(len(rows))
            row_count.append(len(seen))
            rows.extend(seen.values())
            checked.extend(words.needs_check(e.category, term) for e in seen.values())
        self._allow_from = len(lengths)  # ids from here on are allow phrases
        for phrase in allow:  # an allow phrase equal to a term silences that term
            if automaton.exists(phrase) and automaton.get(phrase) >= self._allow_from:
                continue
            automaton.add_word(phrase, len(lengths))  # replaces a term's id: that term never fires
            lengths.append(len(phrase))
            first_row.append(0)
            row_count.append(0)
        self._length = np.array(lengths, dtype=np.int64)
        self._first_row = np.array(first_row, dtype=np.int64)
        self._row_count = np.array(row_count, dtype=np.int64)
        self._single = bool((self._row_count[: self._allow_from] == 1).all())
        categories = {name: code for code, name in enumerate(sorted({e.category for e in rows}))}
        self._row_category = np.array([categories[e.category] for e in rows], dtype=np.int64)
        self._row_checked = np.array(checked, dtype=bool)
        self._rows = rows
        self._row_fields = [(e.category, e.gate, e.severity, e.rule, e.suggestion, "lexicon", e.note) for e in rows]
        self.allow_origins: dict[str, str] = {}  # allow phrase -> the file it came from (set by ``load``)
        self._automaton = automaton
        self._empty = not entries
        any_checked = any(checked)
        self._segmenter = words.segmenter(words.user_words([*grouped, *allow])) if any_checked else None
        self._boundaries = words.describe() if any_checked else ""  # what the check was built with
        if not self._empty:
            automaton.make_automaton()

    @classmethod
    def load(cls, dirs: Iterable[os.PathLike | str] = (), *, builtin: bool = True) -> Lexicon:
        """Load the shipped lexicons and then each extra folder; all or nothing."""
        categories = load_categories(dirs)
        folders = ([builtin_dir()] if builtin else []) + [Path(d) for d in dirs]
        entries: list[Entry] = []
        allow: list[str] = []
        origins: dict[str, str] = {}
        for folder in folders:
            for path in lexicon_files(folder):
                more, more_allow = read_file(path, categories)
                entries.extend(more)
                allow.extend(more_allow)
                origins.update((phrase, path.name) for phrase in more_allow if phrase not in origins)
        lexicon = cls(entries, allow)
        lexicon.allow_origins = origins
        return lexicon

    def __len__(self) -> int:
        return len(self.entries)

    def fingerprint(self) -> str:
        """sha256 over every entry and allow phrase, and the word-boundary table and jieba version
        when some term is checked: changes exactly when what is matched changes."""
        digest = hashlib.sha256()
        for e in sorted(self.entries, key=lambda e: (e.term, e.category)):
            digest.update("\t".join((e.term, e.category, e.gate, e.severity, e.suggestion or "", e.note or "")).encode())
            digest.update(b"\n")
        for phrase in sorted(self.allow):
            digest.update(b"allow\t" + phrase.encode() + b"\n")
        digest.update(self._boundaries.encode())
        return digest.hexdigest()

    def hits(self, compact: str) -> list[tuple[int, int, str, tuple[Entry, ...]]]:
        """Every hit of the automaton in a compact text, before anything is dropped: (start, end,
        the matched text, its entries; none for an allow phrase). What ``explain`` reports on."""
        found = []
        for end, i in self._automaton.iter(compact) if not self._empty else ():
            start = end + 1 - int(self._length[i])
            rows = () if i >= self._allow_from else tuple(self._rows[self._first_row[i]:self._first_row[i] + self._row_count[i]])
            found.append((start, end + 1, compact[start:end + 1], rows))
        return found

    def warm_up(self) -> None:
        """Load jieba and this lexicon's user words now rather than on the first hit that needs them."""
        if self._segmenter is not None:
            self._segmenter.ready()

    def match(self, original: str, compact: View, plain: View | None = None) -> list[Finding]:
        """Findings for every term in the compact view that no allow phrase covers and, for the
        families that need it, that stands on word boundaries. ``plain`` (the plain view of
        ``original``) is built here when not given and some hit needs the check."""
        if self._empty or not compact.text:
            return []
        flat = np.fromiter(chain.from_iterable(self._automaton.iter(compact.text)), dtype=np.int64)
        if not flat.size:
            return []
        ids = flat[1::2]
        ends = flat[0::2] + 1
        starts = ends - self._length[ids]
        is_allow = ids >= self._allow_from
        if is_allow.any():
            ids, starts, ends = _uncovered(ids, starts, ends, is_allow)
            if not ids.size:
                return []
        # one row per hit and entry (a term in two families gives two rows)
        if self._single:
            rows, hit = self._first_row[ids], None
        else:
            counts = self._row_count[ids]
            hit = np.repeat(np.arange(ids.size), counts)
            rows = self._first_row[ids][hit] + np.arange(hit.size) - np.repeat(np.cumsum(counts) - counts, counts)
            starts, ends = starts[hit], ends[hit]
        if self._segmenter is not None:
            checked = self._row_checked[rows]
            if checked.any():
                text_words = words.TextWords(self._segmenter, original, compact, plain)
                keep = ~checked
                keep[checked] = text_words.stand(starts[checked], ends[checked])
                rows, starts, ends = rows[keep], starts[keep], ends[keep]
        rows, starts, ends = _drop_nested(self._row_category[rows], rows, starts, ends, len(compact.text))
        positions = compact.positions
        o_starts = positions[starts].tolist()
        o_ends = (positions[ends - 1] + 1).tolist()
        fields = self._row_fields
        return [Finding(a, b, original[a:b], *fields[k]) for a, b, k in zip(o_starts, o_ends, rows.tolist(), strict=True)]


def _uncovered(ids: np.ndarray, starts: np.ndarray, ends: np.ndarray, is_allow: np.ndarray) -> tuple:
    """The term hits that lie inside no allow phrase occurrence: an allow span begins at or before
    the hit and ends at or after it. Allow spans sorted by start, with the running furthest end."""
    order = np.argsort(starts[is_allow], kind="stable")
    allow_starts = starts[is_allow][order]
    reach = np.maximum.accumulate(ends[is_allow][order])
    terms = ~is_allow
    ids, starts, ends = ids[terms], starts[terms], ends[terms]
    before = np.searchsorted(allow_starts, starts, side="right") - 1
    covered = (before >= 0) & (reach[np.maximum(before, 0)] >= ends)
    return ids[~covered], starts[~covered], ends[~covered]


def _drop_nested(categories: np.ndarray, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, size: int) -> tuple:
    """Where a term lies inside a longer term of the same family, keep only the longer one.

    Rows sorted by family, start and longest first: a row is inside an earlier one exactly when
    its end does not pass the furthest end reached so far in its family. Families are kept apart
    by adding ``family × (size + 1)`` to every end. The survivors come back in text order.
    """
    if rows.size > 1:
        order = np.lexsort((rows, -ends, starts, categories))
        keyed = categories[order] * (size + 1) + ends[order]
        reached = np.empty_like(keyed)
        reached[0] = -1
        np.maximum.accumulate(keyed[:-1], out=reached[1:])
        kept = order[keyed > reached]
        kept = kept[np.lexsort((rows[kept], -ends[kept], starts[kept]))]
        rows, starts, ends = rows[kept], starts[kept], ends[kept]
    return rows, starts, ends
