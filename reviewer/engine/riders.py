"""What rides on the lexicon's automaton besides its terms: the classifier's grams and words, and
the offer rule's anchors. One walk over the compact view finds them all (``Lexicon(features=)``).

Each key is given once. An anchor that is also a classifier key (扫码, 下单) shares that key's
number; the other anchors follow the classifier's keys. ``classifier_keys`` and ``offer_gate``
hand each reader its part of what the walk found (``Lexicon.features_found``).

An anchor found in the compact view may stand across punctuation (到。店), so the walk finds
every anchor of the plain view and a few more: right for a gate, which only decides whether the
offer rule reads the text at all (``offers.find_offers`` then reads the plain view).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from reviewer.engine import offers
from reviewer.engine.normalize import view


class Walk(NamedTuple):
    """What the lexicon's walk over a text's compact view hands the classifier."""

    keys: np.ndarray  # the walk keys found, one per occurrence (``Lexicon.features_found``)
    codes: np.ndarray  # the compact view's code points (``View.codes``), for the unigrams


@dataclass(frozen=True, eq=False)
class Riders:
    """The keys for the automaton, and which reader each belongs to."""

    keys: tuple[str, ...]
    classifier: Sequence[str]  # the classifier's walk keys, keys[:len(classifier)] ('' where none is walked)
    families: np.ndarray  # int64 per key: the offer families it anchors, one bit each (0: no anchor)

    @classmethod
    def build(cls, classifier: Sequence[str] = ()) -> Riders:
        """The classifier's keys in their order, then the offer anchors that are none of them."""
        keys = list(classifier)
        number = {key: k for k, key in enumerate(keys) if key}
        bits = [0] * len(keys)
        for anchor, families in offers.anchors().items():
            compact = view(anchor, "compact").text
            k = number.get(compact)
            if k is None:
                k = number[compact] = len(keys)
                keys.append(compact)
                bits.append(0)
            bits[k] |= families
        return cls(tuple(keys), classifier, np.array(bits, dtype=np.int64))

    def classifier_keys(self, found: np.ndarray) -> np.ndarray:
        """The classifier's keys among the keys found (``Walk.keys``)."""
        return found[found < len(self.classifier)]

    def offer_gate(self, found: np.ndarray) -> bool:
        """Do the anchors found touch enough offer families for the offer rule to read the text?"""
        return offers.enough(int(np.bitwise_or.reduce(self.families[found])) if found.size else 0)
