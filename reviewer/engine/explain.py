"""Why a text gets the findings it gets, for an admin testing a term (“测试词条”).

For every hit of the lexicon automaton in the text, before anything is dropped: the entry it
matched (family, file:line), the normalization steps that made the original characters match
the term (traditional → simplified, full-width → half-width, case, separators removed), and what
became of it: reported, silenced by an allow phrase (which one, from which file), dropped because
a jieba word straddles it (which word), or inside a longer term of the same family. Pattern
findings are listed with the rule and the view they matched in. Built on the same engine the
service uses, so what this says is what a check does.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from reviewer.engine import patterns
from reviewer.engine.core import Engine
from reviewer.engine.findings import Report
from reviewer.engine.lexicon import Entry
from reviewer.engine.normalize import view, views
from reviewer.engine.words import TextWords, block_at

OUTCOMES = {"reported": "报出", "allowed": "被允许词消除", "straddles": "跨越分词边界，不报", "nested": "包含在更长的词条中",
            "disabled": "已被本部署停用或覆盖"}


@dataclass(frozen=True)
class Trace:
    """One automaton hit and what became of it."""

    start: int
    end: int
    evidence: str
    term: str
    entries: tuple[Entry, ...]
    steps: tuple[str, ...]
    outcome: str
    why: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "evidence": self.evidence, "term": self.term,
                "entries": [{"category": e.category, "severity": e.severity, "gate": e.gate, "origin": e.origin}
                            for e in self.entries],
                "steps": list(self.steps), "outcome": self.outcome, "outcome_name": OUTCOMES[self.outcome], "why": self.why}


@dataclass(frozen=True)
class Explanation:
    report: Report
    traces: tuple[Trace, ...]
    pattern_views: dict[str, str]  # pattern rule -> the view it matched in


def steps(original: str) -> tuple[str, ...]:
    """What the compact view did to each character of ``original`` (nothing for characters kept as they are)."""
    done = []
    for ch in original:
        kept = view(ch, "compact").text
        if kept == ch:
            continue
        if not kept:
            done.append(f"去掉“{ch}”（空格、标点或符号）" if ch.strip() else "去掉空白")
        elif unicodedata.normalize("NFKC", ch) == kept:
            done.append(f"全角或兼容字符“{ch}”按“{kept}”匹配")
        elif ch.lower() == kept or ch.casefold() == kept:
            done.append(f"大写“{ch}”按小写“{kept}”匹配")
        else:
            done.append(f"繁体或异体“{ch}”按“{kept}”匹配")
    return tuple(dict.fromkeys(done))


def explain(engine: Engine, text: str, kind: str = "post", units: tuple[str, ...] = ()) -> Explanation:
    """The review of ``text`` and, for every lexicon hit (the files' and the database's), what became of it and why."""
    report = engine.review(text, kind=kind, units=units)
    all_views = views(text)
    compact, plain = all_views["compact"], all_views["plain"]
    overlay = engine.overlay
    hits = engine.lexicon.hits(compact.text)
    if overlay is not None:
        scopes = {"", *units}
        hits += [(s, e, t, tuple(x for x in en if x.scope in scopes)) if en else (s, e, t, en)
                 for s, e, t, en in overlay.lexicon.hits(compact.text)
                 if any(x.scope in scopes for x in en) or (not en and overlay.allow_scopes.get(t, frozenset()) & scopes)]
    allows = [(s, e, phrase) for s, e, phrase, entries in hits if not entries]
    reported = {(f.start, f.end, f.category) for f in report.findings}
    terms = [(s, e, phrase, entries) for s, e, phrase, entries in hits if entries]
    segmenter = engine.lexicon.segmenter
    text_words = TextWords(segmenter, text, compact, plain) if segmenter is not None and terms else None
    traces = []
    for s, e, term, entries in terms:
        o_start, o_end = compact.span(s, e)
        outcome, why = "reported", ""
        cover = next((phrase for a, b, phrase in allows if a <= s and b >= e), None)
        if overlay is not None and not entries[0].origin.startswith("词库管理") and (entries[0].category, term) in overlay.dropped:
            outcome, why = "disabled", "本部署在词库管理中停用了这个随包词条，或以自己的同名词条代替"
        elif cover is not None:
            outcome = "allowed"
            origins = {**engine.lexicon.allow_origins, **(overlay.lexicon.allow_origins if overlay is not None else {})}
            why = f"允许词“{cover}”（{origins.get(cover, '允许名单')}）覆盖了这处命中"
        elif not any((o_start, o_end, entry.category) in reported for entry in entries):
            if text_words is not None and not bool(text_words.stand(np.array([s]), np.array([e]))[0]):
                outcome = "straddles"
                block = block_at(plain.text, plain_index(plain, o_start))
                why = f"jieba 分词为“{'/'.join(segmenter.words_of(block))}”，有词跨过命中的开头或结尾"
            else:
                longer = next((t for a, b, t, en in terms if a <= s and b >= e and (a, b) != (s, e)
                               and {x.category for x in en} & {x.category for x in entries}), None)
                outcome = "nested" if longer else "reported"
                why = f"更长的词条“{longer}”已报出" if longer else "经语境规则降为提示"
        traces.append(Trace(o_start, o_end, text[o_start:o_end], term, entries, steps(text[o_start:o_end]), outcome, why))
    views_of = {rule.name: rule.view for rule in patterns.rules()}
    return Explanation(report, tuple(traces), {f.rule: views_of.get(f.rule, "plain") for f in report.findings
                                               if f.source == "pattern"})


def plain_index(plain, original_position: int) -> int:
    """The plain view's index of an original position (the first plain character at or after it)."""
    return int(np.searchsorted(plain.positions, original_position))
