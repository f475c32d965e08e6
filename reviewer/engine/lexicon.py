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
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import ahocorasick

from reviewer.engine import words
from reviewer.engine.findings import Finding
from reviewer.engine.normalize import View, view
from reviewer.vocabulary import GATES, SEVERITIES

TSV_COLUMNS = ("term", "category", "gate", "severity", "suggestion", "note")
ALLOW_COLUMNS = ("term", "note")
_ALLOW = object()


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
        if p.suffix.lower() in (".tsv", ".txt") and p.name != "categories.tsv" and p.is_file()
    )


class Lexicon:
    """All entries and allow phrases on one automaton; ``match`` turns a compact view into findings."""

    def __init__(self, entries: list[Entry], allow: list[str]) -> None:
        self.entries = entries
        self.allow = allow
        automaton = ahocorasick.Automaton()
        grouped: dict[str, list[Entry]] = {}
        for entry in entries:
            grouped.setdefault(entry.term, []).append(entry)
        checked = False
        for term, group in grouped.items():
            seen: dict[str, Entry] = {}
            for entry in group:  # a later file (a unit's own folder) overrides an earlier entry
                seen[entry.category] = entry
            kept = tuple(seen.values())
            # what is left of the hit when it straddles a word boundary; None: no check needed
            crossed = tuple(e for e in kept if not words.needs_check(e.category, term))
            checked |= len(crossed) < len(kept)
            automaton.add_word(term, (len(term), kept, crossed if len(crossed) < len(kept) else None))
        for phrase in allow:  # an allow phrase equal to a term silences that term
            automaton.add_word(phrase, (len(phrase), _ALLOW, None))
        self._longest_allow = max(map(len, allow), default=0)
        self._automaton = automaton
        self._empty = not entries
        self._segmenter = words.segmenter(words.user_words([*grouped, *allow])) if checked else None
        self._boundaries = words.describe() if checked else ""  # what the check was built with
        if not self._empty:
            automaton.make_automaton()

    @classmethod
    def load(cls, dirs: Iterable[os.PathLike | str] = (), *, builtin: bool = True) -> Lexicon:
        """Load the shipped lexicons and then each extra folder; all or nothing."""
        categories = load_categories(dirs)
        folders = ([builtin_dir()] if builtin else []) + [Path(d) for d in dirs]
        entries: list[Entry] = []
        allow: list[str] = []
        for folder in folders:
            for path in lexicon_files(folder):
                more, more_allow = read_file(path, categories)
                entries.extend(more)
                allow.extend(more_allow)
        return cls(entries, allow)

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
        hits: list[_Hit] = []
        allow_starts: list[int] = []
        allow_ends: list[int] = []
        for end, (length, payload, crossed) in self._automaton.iter(compact.text):
            if payload is _ALLOW:
                allow_starts.append(end + 1 - length)
                allow_ends.append(end + 1)
            else:
                hits.append((end + 1 - length, end + 1, payload, crossed))
        if allow_starts:
            reach = self._longest_allow
            hits = [h for h in hits if not _covered(h[0], h[1], allow_starts, allow_ends, reach)]
        if self._segmenter is not None:
            hits = self._on_word_boundaries(original, compact, plain, hits)
        findings: list[Finding] = []
        if not hits:
            return findings
        # many hits: one list of positions beats a numpy scalar look-up per hit
        positions = compact.positions.tolist() if len(hits) > 16 else compact.positions
        for start, end, group, _ in _drop_nested(hits):
            o_start, o_end = int(positions[start]), int(positions[end - 1]) + 1
            evidence = original[o_start:o_end]
            for entry in group:
                findings.append(
                    Finding(
                        o_start, o_end, evidence, entry.category, entry.gate, entry.severity,
                        entry.rule, entry.suggestion, "lexicon", entry.note,
                    )
                )
        return findings

    def _on_word_boundaries(self, original: str, compact: View, plain: View | None, hits: list[_Hit]) -> list[_Hit]:
        """Drop the checked entries of hits that start or end inside a jieba word."""
        text_words: words.TextWords | None = None
        kept: list[_Hit] = []
        for hit in hits:
            start, end, group, crossed = hit
            if crossed is not None:
                if text_words is None:
                    text_words = words.TextWords(self._segmenter, original, compact, plain)
                if not text_words.stands(start, end):
                    if not crossed:
                        continue
                    hit = (start, end, crossed, None)
            kept.append(hit)
        return kept


_Hit = tuple[int, int, tuple[Entry, ...], "tuple[Entry, ...] | None"]


def _covered(start: int, end: int, allow_starts: list[int], allow_ends: list[int], longest: int) -> bool:
    """Is [start, end) inside one allow phrase occurrence? Allow spans come sorted by end."""
    for j in range(bisect_right(allow_ends, end - 1), len(allow_ends)):
        if allow_ends[j] > start + longest:
            return False
        if allow_starts[j] <= start:
            return True
    return False


def _drop_nested(hits: list[_Hit]) -> list[_Hit]:
    """Where a term lies inside a longer term of the same category, keep only the longer one."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (h[0], -h[1]))
    kept: list[_Hit] = []
    reach: dict[str, int] = {}  # per category, the furthest end of a kept hit
    for hit in hits:
        end, group = hit[1], hit[2]
        if len(group) == 1:  # the common case, without building a tuple
            category = group[0].category
            if reach.get(category, -1) < end:
                reach[category] = end
                kept.append(hit)
            continue
        fresh = tuple(e for e in group if reach.get(e.category, -1) < end)
        for e in fresh:
            reach[e.category] = end
        if fresh:
            kept.append((hit[0], end, fresh, None))
    return kept
