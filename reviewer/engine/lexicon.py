"""Term lists on one Aho-Corasick automaton (or a few, for a lexicon built while the service runs).

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

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np

from reviewer.engine import aside, words
from reviewer.engine.findings import Finding
from reviewer.engine.lexicon_files import (  # noqa: F401 - re-exported: the names callers import from here
    ALLOW_COLUMNS,
    NOT_LEXICONS,
    TSV_COLUMNS,
    Category,
    Entry,
    LexiconError,
    builtin_dir,
    lexicon_files,
    load_categories,
    read_file,
)
from reviewer.engine.normalize import View


class Lexicon:
    """All entries and allow phrases on one automaton (or several, ``shard_chars``); ``match`` turns a
    compact view into findings.

    The automaton stores an integer per term; what a hit means (its length, its entries, whether
    they need the word-boundary check) sits in numpy tables indexed by that integer, so a text's
    hits are settled as arrays, whatever their number: the work per hit done in Python is making
    the finding itself.
    """

    def __init__(self, entries: list[Entry], allow: list[str], scoped_allow: dict[str, list[str]] | None = None, *,
                 words_of: Lexicon | None = None, shard_chars: int | None = None,
                 build: Callable[[list[list[tuple[str, int]]]], list[Any]] = aside.build_here,
                 features: Sequence[str] = ()) -> None:
        """``words_of``: a lexicon whose jieba segmenter (with its user words, maybe loaded already)
        the word-boundary check uses, rather than one with this lexicon's own terms.

        ``shard_chars``: the terms go on several automata of about that many characters each (every
        one with all the allow phrases), whose hits are settled together as one automaton's. Building
        an automaton is one call that holds the interpreter lock, 150 ms for 100,000 terms, which a
        lexicon built while the service runs (the database's, ``overlay``) must not do; each more
        automaton costs a request one more reading of the text.

        ``build``: makes one automaton per list of (term, id): here (``aside.build_here``), or in a
        child process (``aside.build_aside``), so that a lexicon built while the service runs holds
        the interpreter only to unpickle each automaton.

        ``features``: the classifier's keys (``features.Vocabulary.walk_keys``, compact strings; a
        blank one only holds its place, so key k keeps its number) ride on
        the same automaton, so one walk over a text finds the terms and the classifier's grams and
        words (``scan``, ``features_found``). They never become findings. One automaton only: the
        allow phrases repeat on every shard, and a key on each would be counted more than once.
        """
        if features and shard_chars is not None:
            raise ValueError("classifier features ride on a single automaton (no shard_chars)")
        self.features = features
        self.entries = entries
        self.allow = allow
        self.scoped_allow = scoped_allow or {}  # unit -> allow phrases that apply to its accounts only
        shard: list[tuple[str, int]] = []
        shards = [shard]  # (term, id) per automaton
        size = 0  # characters of the terms on the last automaton
        grouped: dict[str, list[Entry]] = {}
        for entry in entries:
            grouped.setdefault(entry.term, []).append(entry)
        lengths: list[int] = []
        first_row: list[int] = []
        row_count: list[int] = []
        rows: list[Entry] = []  # one row per (term, category): what a hit of the term reports
        checked: list[bool] = []  # does the row's entry need the word-boundary check?
        for term, group in grouped.items():
            if shard_chars is not None and size >= shard_chars:
                shard = []
                shards.append(shard)
                size = 0
            size += len(term)
            shard.append((term, len(lengths)))
            lengths.append(len(term))
            first_row.append(len(rows))
            if len(group) == 1:  # most terms: no dictionary of one entry to build
                row_count.append(1)
                rows.append(group[0])
                checked.append(words.needs_check(group[0].category, term))
                continue
            seen: dict[tuple[str, str], Entry] = {}
            for entry in group:  # a later file (a deployment's folder) overrides an earlier entry of its scope
                seen[(entry.category, entry.scope)] = entry
            row_count.append(len(seen))
            rows.extend(seen.values())
            checked.extend(words.needs_check(e.category, term) for e in seen.values())
        self._allow_from = len(lengths)  # ids from here on are allow phrases
        scopes = sorted({e.scope for e in entries if e.scope} | set(self.scoped_allow))
        self._scope_code = {scope: code for code, scope in enumerate(scopes)}
        allow_scope: list[int] = []
        added: set[str] = set()
        for scope, phrases in (("", allow), *sorted(self.scoped_allow.items())):
            for phrase in phrases:
                if phrase in added or (scope and phrase in grouped):
                    continue  # already an allow phrase; a unit's phrase equal to a term cannot silence it for that unit alone
                added.add(phrase)
                for each in shards:  # replaces a term's id: that term never fires
                    each.append((phrase, len(lengths)))
                lengths.append(len(phrase))
                first_row.append(0)
                row_count.append(0)
                allow_scope.append(self._scope_code[scope] if scope else -1)
        # the classifier's key k, when it is no term or allow phrase, gets the id _feature_from + k
        # (ids of the others stay unused): a hit's key is then its id minus _feature_from
        self._feature_from = len(lengths)
        term_key = [-1] * len(lengths)
        id_of = dict(shards[0]) if features else {}  # one shard then: every term and allow phrase, by its id
        for k, key in enumerate(features):  # a blank key holds its place and is matched nowhere
            at = id_of.get(key) if key else None
            if at is not None:
                term_key[at] = k
            elif key:
                shards[0].append((key, len(lengths)))
            lengths.append(len(key))
            first_row.append(0)
            row_count.append(0)
        self._term_key = np.array(term_key, dtype=np.int64)  # the key of a term or allow phrase (-1: none)
        self._allow_scope = np.array(allow_scope, dtype=np.int64)
        self._scoped = bool(scopes)
        self._length = np.array(lengths, dtype=np.int64)
        self._first_row = np.array(first_row, dtype=np.int64)
        self._row_count = np.array(row_count, dtype=np.int64)
        self._single = bool((self._row_count[: self._allow_from] == 1).all())
        categories = {name: code for code, name in enumerate(sorted({e.category for e in rows}))}
        self._row_category = np.array([categories[e.category] for e in rows], dtype=np.int64)
        self._row_checked = np.array(checked, dtype=bool)
        self._row_scope = np.array([self._scope_code[e.scope] if e.scope else -1 for e in rows], dtype=np.int64)
        self._rows = rows
        self._row_fields = [(e.category, e.gate, e.severity, e.rule, e.suggestion, "lexicon", e.note) for e in rows]
        self.allow_origins: dict[str, str] = {}  # allow phrase -> the file it came from (set by ``load``)
        self._empty = not entries and len(lengths) == 0  # allow phrases or features alone still match
        any_checked = any(checked)
        if any_checked and words_of is not None and words_of._segmenter is not None:
            self._segmenter, self._boundaries = words_of._segmenter, words_of._boundaries
        else:
            every_allow = [*allow, *(p for phrases in self.scoped_allow.values() for p in phrases)]
            self._segmenter = words.segmenter(words.user_words([*grouped, *every_allow])) if any_checked else None
            self._boundaries = words.describe() if any_checked else ""  # what the check was built with
        self._automata = build(shards) if not self._empty else [ahocorasick.Automaton(ahocorasick.STORE_INTS)]

    @classmethod
    def load(cls, dirs: Iterable[os.PathLike | str] = (), *, builtin: bool = True,
             units: os.PathLike | str | None = None,
             build: Callable[[list[list[tuple[str, int]]]], list[Any]] = aside.build_here,
             features: Sequence[str] = ()) -> Lexicon:
        """Load the shipped lexicons, then each extra folder, then the units' own folders
        (``units/<unit id>/``: entries and allow phrases that apply to that unit's accounts and
        those below it); all or nothing. ``features``: the classifier's keys (see ``__init__``)."""
        categories = load_categories(dirs)
        folders = [("", builtin_dir())] if builtin else []
        folders += [("", Path(d)) for d in dirs]
        if units is not None and Path(units).is_dir():
            folders += [(unit.name, unit) for unit in sorted(Path(units).iterdir()) if unit.is_dir()]
        entries: list[Entry] = []
        allow: list[str] = []
        scoped_allow: dict[str, list[str]] = {}
        origins: dict[str, str] = {}
        for scope, folder in folders:
            for path in lexicon_files(folder):
                more, more_allow = read_file(path, categories)
                entries.extend(replace(e, scope=scope, origin=f"{scope}/{e.origin}") if scope else e for e in more)
                (scoped_allow.setdefault(scope, []) if scope else allow).extend(more_allow)
                where = f"{scope}/{path.name}" if scope else path.name
                origins.update((phrase, where) for phrase in more_allow if phrase not in origins)
        lexicon = cls(entries, allow, scoped_allow, build=build, features=features)
        lexicon.allow_origins = origins
        return lexicon

    def __len__(self) -> int:
        return len(self.entries)

    def parts(self) -> list[object]:
        """The lists and automata the lexicon is made of, for an owner that frees a large one a part
        at a time once nothing uses it (``bootstrap``): 100,000 entries freed at once hold the
        interpreter for tens of ms."""
        return [self.entries, self._rows, self._row_fields, *self._automata]

    def fingerprint(self) -> str:
        """sha256 over every entry and allow phrase, and the word-boundary table and jieba version
        when some term is checked: changes exactly when what is matched changes."""
        digest = hashlib.sha256()
        for e in sorted(self.entries, key=lambda e: (e.term, e.category, e.scope)):
            scope = (e.scope,) if e.scope else ()
            digest.update("\t".join((e.term, e.category, e.gate, e.severity, e.suggestion or "", e.note or "", *scope)).encode())
            digest.update(b"\n")
        for phrase in sorted([*self.allow, *(f"{u}/{p}" for u, ps in self.scoped_allow.items() for p in ps)]):
            digest.update(b"allow\t" + phrase.encode() + b"\n")
        digest.update(self._boundaries.encode())
        return digest.hexdigest()

    def hits(self, compact: str) -> list[tuple[int, int, str, tuple[Entry, ...]]]:
        """Every hit of the automaton in a compact text, before anything is dropped: (start, end,
        the matched text, its entries; none for an allow phrase). What ``explain`` reports on."""
        found = []
        for k, automaton in enumerate(self._automata if not self._empty else ()):
            for end, i in automaton.iter(compact):
                if i >= self._feature_from or (k and i >= self._allow_from):
                    continue  # a classifier key; every automaton holds the allow phrases: the first one reports them
                start = end + 1 - int(self._length[i])
                rows = () if i >= self._allow_from else tuple(self._rows[self._first_row[i]:self._first_row[i] + self._row_count[i]])
                found.append((start, end + 1, compact[start:end + 1], rows))
        if len(self._automata) > 1:
            found.sort(key=lambda hit: (hit[1], hit[0]))  # as one automaton reports them
        return found

    @property
    def segmenter(self) -> words.Segmenter | None:
        """The jieba segmenter of the word-boundary check (None when no term needs the check)."""
        return self._segmenter

    def warm_up(self) -> None:
        """Load jieba and this lexicon's user words now rather than on the first hit that needs them."""
        if self._segmenter is not None:
            self._segmenter.ready()

    def scan(self, compact: str) -> np.ndarray:
        """One walk of the automaton (or each, in turn) over a compact text: (end, id) of every hit,
        flattened, for ``match`` and ``features_found`` to share."""
        if self._empty or not compact:
            return np.zeros(0, dtype=np.int64)
        if len(self._automata) == 1:
            return np.fromiter(chain.from_iterable(self._automata[0].iter(compact)), dtype=np.int64)
        # all automata's hits at once (an allow phrase's as often as there are automata: harmless)
        hits = chain.from_iterable(automaton.iter(compact) for automaton in self._automata)
        return np.fromiter(chain.from_iterable(hits), dtype=np.int64)

    def features_found(self, flat: np.ndarray) -> np.ndarray:
        """The classifier keys (indices into ``features``) among a scan's hits, one per occurrence."""
        if not self.features or not flat.size:
            return np.zeros(0, dtype=np.int64)
        ids = flat[1::2]
        extra = ids >= self._feature_from
        terms = self._term_key[ids[~extra]]
        return np.concatenate((ids[extra] - self._feature_from, terms[terms >= 0]))

    def match(self, original: str, compact: View, plain: View | None = None, scopes: Iterable[str] = (),
              flat: np.ndarray | None = None) -> list[Finding]:
        """Findings for every term in the compact view that no allow phrase covers and, for the
        families that need it, that stands on word boundaries. ``plain`` (the plain view of
        ``original``) is built here when not given and some hit needs the check. ``scopes``: the
        units whose own entries apply (the account's unit and those above it); others' do not.
        ``flat``: this text's ``scan``, when the caller walked it already."""
        if self._empty or not compact.text:
            return []
        if flat is None:
            flat = self.scan(compact.text)
        if self.features and flat.size:
            flat = flat.reshape(-1, 2)
            flat = flat[flat[:, 1] < self._feature_from].ravel()  # the classifier's keys alone are no term
        if not flat.size:
            return []
        ids = flat[1::2]
        ends = flat[0::2] + 1
        starts = ends - self._length[ids]
        is_allow = ids >= self._allow_from
        if self._scoped:
            codes = np.array([self._scope_code[s] for s in scopes if s in self._scope_code], dtype=np.int64)
            out = is_allow.copy()
            out[is_allow] = ~_in_scope(self._allow_scope[ids[is_allow] - self._allow_from], codes)
            ids, starts, ends, is_allow = ids[~out], starts[~out], ends[~out], is_allow[~out]
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
        if self._scoped:
            keep = _in_scope(self._row_scope[rows], codes)
            rows, starts, ends = rows[keep], starts[keep], ends[keep]
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


def drop_nested(findings: list[Finding]) -> list[Finding]:
    """The findings of several automata (the files' lexicon, the database's) as one automaton would
    report them (``_drop_nested``, the rule within one): where one lies inside a longer one of the
    same family, only the longer is kept; of two with the same span and family, the first. The
    rest keep their order."""
    if len(findings) < 2:
        return findings
    _, families = np.unique([f.category for f in findings], return_inverse=True)
    starts = np.array([f.start for f in findings], dtype=np.int64)
    ends = np.array([f.end for f in findings], dtype=np.int64)
    kept, _, _ = _drop_nested(families.astype(np.int64), np.arange(len(findings)), starts, ends, int(ends.max()))
    return findings if len(kept) == len(findings) else [findings[i] for i in sorted(kept.tolist())]


def _in_scope(scope: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Entries everywhere (-1) and those of the units in ``codes``."""
    return (scope < 0) | np.isin(scope, codes)


def _uncovered(ids: np.ndarray, starts: np.ndarray, ends: np.ndarray, is_allow: np.ndarray) -> tuple:
    """The term hits that lie inside no allow phrase occurrence: an allow span begins at or before
    the hit and ends at or after it. Allow spans sorted by start, with the running furthest end."""
    order = np.argsort(starts[is_allow], kind="stable")
    allow_starts = starts[is_allow][order]
    reach = np.maximum.accumulate(ends[is_allow][order])
    terms = ~is_allow
    ids, starts, ends = ids[terms], starts[terms], ends[terms]
    before = allow_starts.searchsorted(starts, side="right") - 1
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
