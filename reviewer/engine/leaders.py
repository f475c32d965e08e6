"""Leaders' names beside a wrong title: 副县长张三 when 张三 is 县长 (a political-gate finding).

A unit lists its leaders and their correct titles in ``leaders.tsv`` inside its own lexicon folder
(``name  titles  note``; several titles separated by 、). Wherever a listed name stands right after
or right before a title from the title list (``lexicons/titles.toml``, longest first, so 副县长 is
read as 副县长 and not as 县长), and that title is not one of the person's, the engine reports
``leader_title`` with the correct titles as the suggestion. Titles match exactly: 县长 is wrong for
a 副县长 as much as 副县长 for a 县长.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from reviewer.engine.findings import Finding
from reviewer.engine.lexicon import Category, LexiconError
from reviewer.engine.normalize import View

FILE = "leaders.tsv"
COLUMNS = ("name", "titles", "note")


@dataclass(frozen=True)
class Leader:
    name: str
    titles: frozenset[str]
    origin: str


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    """Official titles, longest first (so the longest title at a name wins)."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("titles.toml").read_text("utf-8"))
    return tuple(sorted(set(data["titles"]), key=len, reverse=True))


def load(dirs: Iterable[os.PathLike | str]) -> tuple[Leader, ...]:
    """The leaders of every ``leaders.tsv`` in the lexicon folders; a bad line raises LexiconError (file:line)."""
    found: dict[str, Leader] = {}
    known = set(titles())
    for folder in dirs:
        path = Path(folder) / FILE
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        rows = [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.lstrip().startswith("#")]
        if not rows:
            continue
        header = [c.strip() for c in rows[0][1].split("\t")]
        if tuple(header[:2]) != COLUMNS[:2]:
            raise LexiconError(f"{path}:{rows[0][0]}: 表头应为 {' '.join(COLUMNS)}，实际为 {' '.join(header)}")
        for number, line in rows[1:]:
            cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
            name = cells[0].strip() if cells else ""
            given = {t.strip() for t in (cells[1] if len(cells) > 1 else "").split("、") if t.strip()}
            if len(name) < 2 or not given:
                raise LexiconError(f"{path}:{number}: 须写明姓名（至少两个字）和职务")
            unknown = sorted(given - known)
            if unknown:
                raise LexiconError(f"{path}:{number}: 职务“{'、'.join(unknown)}”不在职务表中（lexicons/titles.toml）")
            found[name] = Leader(name, frozenset(given), f"{path.name}:{number}")
    return tuple(found.values())


@lru_cache(maxsize=16)
def _pattern(names: tuple[str, ...]) -> re.Pattern:
    listed = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    title = "|".join(map(re.escape, titles()))
    return re.compile(rf"(?P<before>{title})?(?P<name>{listed})(?P<after>{title})?")


def find(original: str, plain: View, leaders: tuple[Leader, ...], category: Category | None) -> list[Finding]:
    """Findings for listed names that stand beside a title not theirs."""
    if not leaders or category is None or not any(leader.name in plain.text for leader in leaders):
        return []
    by_name = {leader.name: leader for leader in leaders}
    found = []
    for m in _pattern(tuple(by_name)).finditer(plain.text):
        leader = by_name[m.group("name")]
        for side in ("before", "after"):
            title = m.group(side)
            if title and title not in leader.titles:
                start, end = plain.span(*(m.span("before") if side == "before" else m.span("after")))
                name_start, name_end = plain.span(*m.span("name"))
                start, end = min(start, name_start), max(end, name_end)
                right = "、".join(sorted(leader.titles))
                found.append(Finding(start, end, original[start:end], category.name, category.gate, category.severity,
                                     "leader_title.wrong_title", f"{leader.name}的职务应为“{right}”",
                                     "pattern", f"职务与本单位领导名单（{leader.origin}）不符：“{title}”"))
    return found
