"""Lexicon files: reading term lists and family defaults, all or nothing, with file:line errors.

A TSV file has comment lines (``#``), a header ``term category gate severity suggestion note`` and
one entry per line; empty gate or severity take the category default from ``categories.tsv``. A
TXT file holds one term per line; its category is named by a ``# category: NAME`` line or by the
file name. Files named ``allow*`` hold the allow list. Every term is stored in the ``compact``
view of normalize.py, the view it is matched against. The first bad line raises ``LexiconError``
naming ``file:line``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reviewer.engine.normalize import view
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
    scope: str = ""  # the unit whose accounts the entry applies to (and those below it); "" everywhere

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
