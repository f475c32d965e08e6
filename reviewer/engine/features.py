"""The classifier's two feature blocks counted in one pass: character n-grams and corpus words.

Each block has its own counter (``chargrams.CharGramCounter``, ``wordgrams.DictWordCounter``),
used in training. At review time the per-call cost of numpy, not the arithmetic, is what a
document of a few hundred characters pays for, so the text is folded once and both blocks' hits
(the n-grams by ``searchsorted`` in their vocabulary, the words from one Aho-Corasick scan) are
counted with one ``numpy.unique``.
The counts are the ones the two counters give (``tests/test_features.py`` checks it on real texts).
"""

from __future__ import annotations

import math

import numpy as np

from reviewer.engine.chargrams import CharGramCounter, fold_points


class Features:
    """Columns and counts of one text: character n-grams first, then words (offset by ``n_chars``)."""

    def __init__(self, counter: CharGramCounter, words: object | None, rows: np.ndarray):
        self.counter = counter
        self.rows = rows  # per column: its IDF, then its class weights (one gather fetches both)
        self.words = words  # a DictWordCounter, a jieba WordCounter (older models) or None
        self.n_chars = len(counter.vocabulary_)

    def warm_up(self) -> None:
        """Build the lookup tables now (a fraction of a second) rather than for the first text reviewed."""
        self.count("", "")

    def count(self, text: str, mark: str) -> tuple[np.ndarray, np.ndarray]:
        """Ascending columns and counts; the n-grams are counted in ``mark + text``, the words in ``text``."""
        points = fold_points(mark + text)
        hits = self.counter.hits(points)
        if self.words is not None:
            hits = np.concatenate((hits, self.words.hits(points[len(mark):]) + self.n_chars))
        return np.unique(hits, return_counts=True)

    def vector(self, text: str, mark: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Columns, sublinear-tf IDF weights l2-normalised per block as TfidfTransformer computes them,
        and the columns' ``rows``."""
        cols, counts = self.count(text, mark)
        rows = np.take(self.rows, cols, axis=0)
        weights = (1.0 + np.log(counts)) * rows[:, 0]
        # the word block is weighted and normalised on its own, as its own TfidfTransformer does
        split = int(np.searchsorted(cols, self.n_chars)) if self.words is not None else len(cols)
        for block in (weights[:split], weights[split:]):
            norm = math.sqrt(block @ block)
            if norm:
                block /= norm
        return cols, weights, rows
