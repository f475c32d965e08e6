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

A database term inside a longer term of the same family, the files' or its own, is reported once,
as the longer term, exactly as within one automaton. An import of many thousand terms is spread
over a few automata built in a child process (``engine.aside``): pyahocorasick builds an automaton
in one call that holds the interpreter lock (150 ms for 100,000 terms), and while a large overlay
is built aside no request may wait that long. Unpickling an automaton holds the lock too, about
0.1 ms per 1,000 characters of terms, so each holds ``SHARD_CHARS`` at most. The price: each
automaton reads the text once more (about 0.7 ms per 2,000 characters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reviewer.engine import aside
from reviewer.engine import leaders as leader_rules
from reviewer.engine.findings import Finding
from reviewer.engine.lexicon import Category, Entry, Lexicon, drop_nested
from reviewer.engine.normalize import View, view

#: The family whose database rows are leaders (name, titles) rather than terms.
LEADER_FAMILY = "leader_title"
#: Characters of database terms above which the overlay's automata are built in a child process:
#: fewer are built on the request that notices the change in a few ms, where starting a child
#: would cost more than it saves.
ASIDE_CHARS = 40_000
#: Characters of distinct database terms per automaton (some 40,000 terms of three or four):
#: unpickling one holds the interpreter about 15 ms (bench_db_lexicon_swap).
SHARD_CHARS = 150_000


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

    def parts(self) -> list[object]:
        """What a large overlay is made of, so its owner can free it a part at a time (lists a slice
        at a time) once nothing else uses it: freeing 100,000 entries at once holds the interpreter
        for some 75 ms."""
        return [*self.lexicon.parts(), self.dropped, self.disabled, self.allow_scopes, self.leaders]

    def apply(self, findings: list[Finding], original: str, views: dict[str, View], units: Iterable[str],
              categories: dict[str, Category]) -> list[Finding]:
        """The files' lexicon findings less what the database takes away, plus the database's own."""
        scopes = ("", *units)
        compact = views["compact"]
        if self.dropped:
            findings = [f for f in findings if f.source != "lexicon"
                        or (f.category, view(f.text, "compact").text) not in self.dropped]
        if self.allow_scopes:  # the database's allow phrases; the files' ones silenced the files' terms already
            covers = [compact.span(s, e) for s, e, phrase, entries in self.lexicon.hits(compact.text)
                      if not entries and self.allow_scopes.get(phrase, frozenset()) & set(scopes)]
            if covers:
                findings = [f for f in findings if f.source != "lexicon"
                            or not any(a <= f.start and f.end <= b for a, b in covers)]
        found = self.lexicon.match(original, compact, views["plain"], scopes[1:])
        if found:  # nested in a longer term of the same family, the files' or the database's: reported once
            others = [f for f in findings if f.source != "lexicon"]
            findings = drop_nested([*(f for f in findings if f.source == "lexicon"), *found]) + others
        category = categories.get(LEADER_FAMILY)
        for scope in scopes:
            if self.leaders.get(scope):
                findings.extend(leader_rules.find(original, views["plain"], self.leaders[scope], category))
        return findings


def build(version: int, rows: Iterable[dict[str, Any]], categories: dict[str, Category],
          files: Lexicon | None = None) -> Overlay:
    """An overlay from the database's enabled rows (mappings with every column of
    ``storage.lexicon_tables.entry_rows``).

    Rows of unknown families (a family removed from ``categories.tsv`` since) are skipped rather
    than failing the service. ``files``: the files' lexicon, whose allow phrases also apply here.
    """
    entries: list[Entry] = []
    allow: dict[str, set[str]] = {}
    disabled: set[tuple[str, str]] = set()
    replaced: set[tuple[str, str]] = set()
    leaders: dict[str, list[leader_rules.Leader]] = {}
    for row in rows:
        kind, key, unit_id = row["kind"], row["key"], row["unit_id"]
        scope = str(unit_id) if unit_id else ""
        family = row["family"] or ""
        if kind == "allow":
            allow.setdefault(key, set()).add(scope)
        elif kind == "disable":
            disabled.add((family, key))
        elif family == LEADER_FAMILY:
            titles = frozenset(t.strip() for t in (row["suggestion"] or "").split("、") if t.strip())
            leaders.setdefault(scope, []).append(leader_rules.Leader(row["term"] or key, titles, origin_of(row["id"])))
        elif family in categories:
            category = categories[family]
            entries.append(Entry(key, family, row["gate"] or category.gate, row["severity"] or category.severity,
                                 row["suggestion"], row["note"], origin_of(row["id"]), scope))
            if not scope:
                replaced.add((family, key))
    everywhere = [p for p, s in allow.items() if "" in s]
    scoped: dict[str, list[str]] = {}
    for phrase, scopes in allow.items():
        for scope in scopes - {""}:
            scoped.setdefault(scope, []).append(phrase)
    if files is not None:
        everywhere += [p for p in files.allow if p not in allow]
        for scope, phrases in files.scoped_allow.items():
            scoped.setdefault(scope, []).extend(phrases)
    large = sum(len(e.term) for e in entries) > ASIDE_CHARS
    lexicon = Lexicon(entries, everywhere, scoped, words_of=files, shard_chars=SHARD_CHARS,
                      build=aside.build_aside if large else aside.build_here)
    lexicon.allow_origins = {p: "词库管理" for p in allow}
    if files is not None:
        lexicon.allow_origins = {**files.allow_origins, **lexicon.allow_origins}
    return Overlay(version, lexicon, frozenset(disabled | replaced), {p: frozenset(s) for p, s in allow.items()},
                   {scope: tuple(found) for scope, found in leaders.items()}, frozenset(disabled))
