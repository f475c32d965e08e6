"""The lexicon kept in the database, laid over the files' lexicon without rebuilding it.

The shipped and folder lexicon can hold 100,000 entries and takes seconds to build; the entries an
admin adds in the browser are few and must fire on the next request. So they get a small automaton
of their own (``Overlay``), built in milliseconds from plain rows (the storage layer reads them;
the engine never touches a database) and applied after the files' lexicon has matched:

- file findings of a (family, term) that the database switches off, or replaces with a deployment
  entry of its own, are dropped, so a disable or an override survives an upgrade of the shipped files;
- file findings inside an allow phrase of the database (of the deployment, or of one of the
  account's units) are dropped; the files' allow phrases also silence the database's terms;
- the database's own terms fire, each for the units it is scoped to and those below;
- a unit's leaders (family ``leader_title``: the term is the name, the suggestion the titles, 、
  between several) give a political-gate finding where a wrong title stands next to the name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reviewer.engine import leaders as leader_rules
from reviewer.engine.findings import Finding
from reviewer.engine.lexicon import Category, Entry, Lexicon
from reviewer.engine.normalize import View, view

#: The family whose database rows are leaders (name, titles) rather than terms.
LEADER_FAMILY = "leader_title"


def origin_of(entry_id: int) -> str:
    """How a database entry is cited in findings and explanations."""
    return f"词库管理#{entry_id}"


@dataclass
class Overlay:
    """The database's lexicon at ``version``: its own automaton and what it takes away from the files'."""

    version: int
    lexicon: Lexicon
    dropped: frozenset[tuple[str, str]]  # (family, compact term) of file entries switched off or replaced
    allow_scopes: dict[str, frozenset[str]]  # allow phrase -> the scopes it applies in ("" everywhere)
    leaders: dict[str, tuple[leader_rules.Leader, ...]] = field(default_factory=dict)  # scope -> its leaders
    disabled: frozenset[tuple[str, str]] = frozenset()  # only the switch-offs, for explanations

    def __len__(self) -> int:
        return len(self.lexicon) + len(self.allow_scopes) + sum(map(len, self.leaders.values()))

    def apply(self, findings: list[Finding], original: str, views: dict[str, View], units: Iterable[str],
              categories: dict[str, Category]) -> list[Finding]:
        """The files' lexicon findings less what the database takes away, plus the database's own."""
        scopes = ("", *units)
        compact = views["compact"]
        if self.dropped:
            findings = [f for f in findings if f.source != "lexicon"
                        or (f.category, view(f.text, "compact").text) not in self.dropped]
        covers = [compact.span(s, e) for s, e, phrase, entries in self.lexicon.hits(compact.text)
                  if not entries and self.allow_scopes.get(phrase, frozenset()) & set(scopes)]
        if covers:
            findings = [f for f in findings if f.source != "lexicon"
                        or not any(a <= f.start and f.end <= b for a, b in covers)]
        findings.extend(self.lexicon.match(original, compact, views["plain"], scopes[1:]))
        category = categories.get(LEADER_FAMILY)
        for scope in scopes:
            if self.leaders.get(scope):
                findings.extend(leader_rules.find(original, views["plain"], self.leaders[scope], category))
        return findings


def build(version: int, rows: Iterable[dict[str, Any]], categories: dict[str, Category],
          files: Lexicon | None = None) -> Overlay:
    """An overlay from the database's enabled rows (``storage.lexicon_tables.entry_rows``).

    Rows of unknown families (a family removed from ``categories.tsv`` since) are skipped rather
    than failing the service. ``files``: the files' lexicon, whose allow phrases also apply here.
    """
    entries: list[Entry] = []
    allow: dict[str, set[str]] = {}
    disabled: set[tuple[str, str]] = set()
    replaced: set[tuple[str, str]] = set()
    leaders: dict[str, list[leader_rules.Leader]] = {}
    for row in rows:
        scope = str(row["unit_id"]) if row.get("unit_id") else ""
        family = row.get("family") or ""
        if row["kind"] == "allow":
            allow.setdefault(row["key"], set()).add(scope)
        elif row["kind"] == "disable":
            disabled.add((family, row["key"]))
        elif family == LEADER_FAMILY:
            titles = frozenset(t.strip() for t in (row.get("suggestion") or "").split("、") if t.strip())
            leaders.setdefault(scope, []).append(leader_rules.Leader(row.get("term") or row["key"], titles,
                                                                     origin_of(row["id"])))
        elif family in categories:
            category = categories[family]
            entries.append(Entry(row["key"], family, row.get("gate") or category.gate,
                                 row.get("severity") or category.severity, row.get("suggestion"), row.get("note"),
                                 origin_of(row["id"]), scope))
            if not scope:
                replaced.add((family, row["key"]))
    everywhere = [p for p, s in allow.items() if "" in s]
    scoped: dict[str, list[str]] = {}
    for phrase, scopes in allow.items():
        for scope in scopes - {""}:
            scoped.setdefault(scope, []).append(phrase)
    if files is not None:
        everywhere += [p for p in files.allow if p not in allow]
        for scope, phrases in files.scoped_allow.items():
            scoped.setdefault(scope, []).extend(phrases)
    lexicon = Lexicon(entries, everywhere, scoped)
    if files is not None and files._segmenter is not None and lexicon._segmenter is not None:
        # jieba with the files' user words, already loaded: a new copy of its tables for the database's
        # few words would stall the first check after every change by a few hundred milliseconds
        lexicon._segmenter, lexicon._boundaries = files._segmenter, files._boundaries
    lexicon.allow_origins = {p: "词库管理" for p in allow}
    if files is not None:
        lexicon.allow_origins = {**files.allow_origins, **lexicon.allow_origins}
    return Overlay(version, lexicon, frozenset(disabled | replaced), {p: frozenset(s) for p, s in allow.items()},
                   {scope: tuple(found) for scope, found in leaders.items()}, frozenset(disabled))
