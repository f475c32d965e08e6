"""Offer sentences: a commercial finding where one sentence combines cues of several offer families.

One cue alone is no ad (景区门票五折, 限时免费开放, 到店办理); 全场五折 with 到店有礼, or 满200减50
with 包邮, is. The cue families, how many must meet and the words of public programmes that
exempt a sentence (消费券, 补贴 …) are data in ``lexicons/offers.toml``. The evidence is the
sentence, so the reviewer sees the offer whole.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

import ahocorasick

from reviewer.engine.context import sentence_bounds
from reviewer.engine.normalize import View


class OfferDataError(ValueError):
    """``lexicons/offers.toml`` contradicts itself."""


#: the pattern rule these offers are reported under (``patterns.rules``)
RULE = "commercial.offer"


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(resources.files("reviewer.lexicons").joinpath("offers.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def anchors() -> dict[str, int]:
    """Each anchor and the families it anchors, one bit per family (in the order of ``families``)."""
    data = _data()
    families = data["families"]
    bits: dict[str, int] = {}
    for n, name in enumerate(families):
        found = data["anchors"][name]
        for cue in families[name]:
            if not any(anchor in cue for anchor in found):
                raise OfferDataError(f"offers.toml: “{cue}”不含 {name} 类的任何一个锚词（{'、'.join(found)}）")
        for anchor in found:
            bits[anchor] = bits.get(anchor, 0) | 1 << n
    return bits


@lru_cache(maxsize=1)
def _cues() -> tuple[re.Pattern, ahocorasick.Automaton, re.Pattern | None]:
    """One alternation with a named group per family, the anchors' automaton (value: family bits)
    and the exemptions."""
    data = _data()
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for anchor, value in anchors().items():
        automaton.add_word(anchor, value)
    automaton.make_automaton()
    pattern = re.compile("|".join(f"(?P<{name}>{'|'.join(cues)})" for name, cues in data["families"].items()))
    exempt = re.compile("|".join(map(re.escape, data["exempt"]))) if data.get("exempt") else None
    return pattern, automaton, exempt


def enough(families: int) -> bool:
    """Do these family bits reach the minimum number of families?"""
    return families.bit_count() >= int(_data()["min_families"])


def gate(plain: View) -> bool:
    """Do the text's anchors touch at least the minimum number of families? One automaton pass
    (in review the anchors ride on the lexicon's walk instead: ``riders``)."""
    seen = 0
    for _, value in _cues()[1].iter(plain.text):
        seen |= value
    return enough(seen)


def find_offers(text: str) -> Iterator[re.Match]:
    """Sentences of ``text`` (the plain view) with cues of at least the minimum number of families."""
    pattern, _, exempt = _cues()
    least = int(_data()["min_families"])
    reach = -1
    for cue in pattern.finditer(text):
        if cue.start() < reach:
            continue
        start, end = sentence_bounds(text, cue.start(), cue.end())
        reach = end
        families = {m.lastgroup for m in pattern.finditer(text, start, end)}
        if len(families) >= least and (exempt is None or exempt.search(text, start, end) is None):
            trimmed = _TRIM.fullmatch(text, start, end)
            if trimmed is not None:
                yield trimmed  # group 1: the sentence without its surrounding spaces


_TRIM = re.compile(r"\s*(\S(?:.*\S)?)\s*", re.S)
