"""The classifier's features, found by the lexicon's own automaton: one walk over the text for both.

Three blocks, each weighted as scikit-learn's ``TfidfTransformer(sublinear_tf=True)`` weights it
and l2-normalised on its own:

- **grams**: every character 1–2 gram of the compact view (``normalize.view(text, "compact")``,
  the view lexicon terms are matched in), and one column for the kind of text (post or reply);
- **words**: the training corpus's jieba words of two or more characters, wherever they occur in
  the compact view (overlaps included);
- **marks**: the 1–2 grams of the folded text that hold a character the compact view leaves out
  (punctuation, symbols, emoji, spaces): 「！！」「～」「😂」 carry a register that the compact view drops.

Bigrams and words are keys of one Aho-Corasick automaton (a two-character word is a key with two
columns). In review these keys ride on the lexicon's automaton (``Lexicon(features=walk_keys)``):
the text is walked once, and the classifier is handed the keys found with the compact view's code
points (``Walk``). Without that (training, evaluation, a sentence re-scored for an explanation)
``Vocabulary.scan`` walks the compact view with an automaton of the keys alone, which finds
exactly the same keys. Unigrams stay off the automaton: one per character, they would be half its
hits, and each hit costs pyahocorasick a Python tuple; one gather of the compact view's code
points through a table of every code point counts them instead. The marks are few (a tenth of the
characters of a post) and are looked up with ``numpy.searchsorted`` in their sorted codes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain
from typing import NamedTuple

import numpy as np

from reviewer.engine.chargrams import decode, fold_points, point_codes
from reviewer.engine.normalize import gap_table, view

#: the kinds of text (``reviewer.vocabulary.KINDS``) in the order of their columns in the gram block:
#: a trained model depends on this order, so it is fixed here rather than read from the vocabulary
KIND_COLUMNS: tuple[str, ...] = ("post", "reply")
#: what a vocabulary builds on first use and never pickles
_BUILT = ("_automaton", "_unigrams", "_walk_keys")


class Walk(NamedTuple):
    """What the lexicon's walk over a text's compact view hands the classifier."""

    keys: np.ndarray  # the walk keys found, one per occurrence (``Lexicon.features_found``)
    codes: np.ndarray  # the compact view's code points (``View.codes``), for the unigrams


class Vocabulary:
    """The columns of the three blocks, and the automaton keys that find the grams and words.

    Keys come in three runs: grams that are also words (``n_both``), other grams, words that are
    no gram. A gram key's column is its index; the kind columns follow the grams (``n_grams``
    columns in all); then the words' columns, in key order; then the marks'. A hit's columns are
    so worked out with arithmetic on the key indices, with no table to look them up in.
    """

    def __init__(self, keys: Sequence[str], n_both: int, n_gram_keys: int, marks: np.ndarray):
        self.keys = tuple(keys)
        self.n_both = n_both
        self.n_gram_keys = n_gram_keys
        self.n_grams = n_gram_keys + len(KIND_COLUMNS)
        self.n_words = n_both + len(self.keys) - n_gram_keys
        self.marks = marks  # sorted uint64 codes (chargrams' packing) of the mark grams
        self.n_cols = self.n_grams + self.n_words + len(marks)

    @classmethod
    def fit(cls, texts: Sequence[str], words: Sequence[Sequence[str]], min_df: int = 2, min_chars: int = 2) -> Vocabulary:
        """The grams, words (``words[i]``: the jieba words of ``texts[i]``) and marks of at least
        ``min_df`` texts; words shorter than ``min_chars`` are counted by the grams already."""
        grams, marks = [], []
        for text in texts:
            compact = view(text, "compact").codes
            grams.append(np.unique(point_codes(compact, 2)) if len(compact) else np.zeros(0, np.uint64))
            marks.append(np.unique(mark_codes(fold_points(text))))
        gram_codes, gram_df = np.unique(np.concatenate(grams), return_counts=True)
        mark_codes_, mark_df = np.unique(np.concatenate(marks), return_counts=True)
        df: dict[str, int] = {}
        for found in words:
            for w in set(found):
                df[w] = df.get(w, 0) + 1
        kept_words = {w for w, n in df.items() if n >= min_df and len(w) >= min_chars and view(w, "compact").text == w}
        kept_grams = {decode(int(c)) for c in gram_codes[gram_df >= min_df]}
        both = sorted(kept_grams & kept_words)
        keys = both + sorted(kept_grams - kept_words) + sorted(kept_words - kept_grams)
        return cls(keys, len(both), len(kept_grams), mark_codes_[mark_df >= min_df])

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in _BUILT}

    @property
    def walk_keys(self) -> tuple[str, ...]:
        """The keys for an automaton, unigrams blanked ('' holds their place: key k stays at k)."""
        keys = self.__dict__.get("_walk_keys")
        if keys is None:
            keys = self._walk_keys = tuple(k if len(k) > 1 else "" for k in self.keys)
        return keys

    def automaton(self):  # -> ahocorasick.Automaton
        """The walk keys alone on one automaton, built on first use (never pickled with the model)."""
        automaton = self.__dict__.get("_automaton")
        if automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for k, key in enumerate(self.walk_keys):
                if key:
                    automaton.add_word(key, k)
            automaton.make_automaton()
            self._automaton = automaton
        return automaton

    def scan(self, compact: str) -> np.ndarray:
        """The key of every bigram and word occurrence in a compact text, as the lexicon's walk finds them."""
        if not compact:
            return np.zeros(0, dtype=np.int64)
        return np.fromiter(chain.from_iterable(self.automaton().iter(compact)), dtype=np.int64)[1::2]

    def _unigram_keys(self, codes: np.ndarray) -> np.ndarray:
        """The key of every unigram occurrence, from the compact view's code points: one gather
        through a table of every code point (-1: no key)."""
        table = self.__dict__.get("_unigrams")
        if table is None:
            table = np.full(0x110000, -1, dtype=np.int32)
            for k, key in enumerate(self.keys):
                if len(key) == 1:
                    table[ord(key)] = k
            self._unigrams = table
        found = table[codes]
        return found[found >= 0]

    def hits(self, text: str, kind: str, walk: Walk | None = None) -> np.ndarray:
        """The column of every feature occurrence (unordered): the grams and words the walk over the
        compact view found (walked here when None), the kind, the marks."""
        if walk is None:
            compact = view(text, "compact")
            walk = Walk(self.scan(compact.text), compact.codes)
        found = np.concatenate((walk.keys, self._unigram_keys(walk.codes)))
        kind_column = self.n_gram_keys + KIND_COLUMNS.index(kind)
        marks = _found_in(self.marks, mark_codes(fold_points(text)))
        # a gram key's column is its index; a word-only key's follows the words that are grams too,
        # and each of those has a second column: n_grams + its index
        columns = np.where(found < self.n_gram_keys, found, found + (self.n_grams + self.n_both - self.n_gram_keys))
        return np.concatenate((columns, found[found < self.n_both] + self.n_grams,
                               np.array([kind_column], dtype=np.int64), marks + (self.n_grams + self.n_words)))

    def count_matrix(self, texts: Sequence[str], kinds: Sequence[str]):  # -> scipy.sparse.csr_matrix
        """Counts of every column in each text (what training fits on)."""
        import scipy.sparse as sp  # training only: review needs no scipy

        rows = [np.unique(self.hits(t, k), return_counts=True) for t, k in zip(texts, kinds, strict=True)]
        indptr = np.cumsum([0] + [len(c) for c, _ in rows])
        data = np.concatenate([n for _, n in rows]).astype(np.float64) if rows else np.zeros(0)
        cols = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        return sp.csr_matrix((data, cols, indptr), shape=(len(rows), self.n_cols))

    def blocks(self) -> list[slice]:
        """The column ranges of the grams, the words and the marks."""
        words_end = self.n_grams + self.n_words
        return [slice(0, self.n_grams), slice(self.n_grams, words_end), slice(words_end, self.n_cols)]

    def name(self, col: int) -> tuple[str, bool]:
        """What a column counts, and whether it is a word (for explanations); a kind column is ''."""
        if col < self.n_gram_keys:
            return self.keys[col], False
        if col < self.n_grams:
            return "", False
        if col < self.n_grams + self.n_words:
            at = col - self.n_grams
            return self.keys[at if at < self.n_both else at - self.n_both + self.n_gram_keys], True
        return decode(int(self.marks[col - self.n_grams - self.n_words])), False


def _found_in(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The position in the sorted ``table`` of each of ``codes`` it holds (the others are skipped)."""
    if not len(codes) or not len(table):
        return np.zeros(0, dtype=np.int64)
    pos = table.searchsorted(codes)
    pos[pos >= len(table)] = 0
    return pos[table[pos] == codes]


def mark_codes(points: np.ndarray) -> np.ndarray:
    """The packed 1–2 grams of folded code points that hold a character the compact view leaves out."""
    gap = gap_table()[points]
    singles = gap.nonzero()[0]
    if not len(singles):
        return np.zeros(0, dtype=np.uint64)
    pairs = (gap[:-1] | gap[1:]).nonzero()[0]  # a pair (i, i + 1) with a gap in it
    wide = points.astype(np.uint64)
    return np.concatenate((wide[singles], (wide[pairs] << np.uint64(21)) | wide[pairs + 1]))


def counted(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns, ascending, and how often each occurs (``numpy.unique`` with
    ``return_counts``, without its general-purpose checks: a review counts one text at a time)."""
    columns = np.sort(columns)
    starts = np.concatenate(([True], columns[1:] != columns[:-1])).nonzero()[0]
    return columns[starts], np.diff(np.append(starts, len(columns)))


class Features:
    """One text's feature vector under a vocabulary, with each column's IDF and model weights."""

    def __init__(self, vocabulary: Vocabulary, rows: np.ndarray):
        self.vocabulary = vocabulary
        self.rows = rows  # per column: its IDF, then its class weights (one gather fetches both)
        self._bounds = np.array([vocabulary.n_grams, vocabulary.n_grams + vocabulary.n_words])

    def warm_up(self) -> None:
        """Build the lookup tables and the keys' own automaton (for sentences re-scored to explain a
        finding) now, rather than in the first request that needs them."""
        self.vocabulary.automaton()
        self.vector("中文", "post")

    def vector(self, text: str, kind: str, walk: Walk | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ascending columns, their sublinear-tf IDF weights l2-normalised per block (as
        TfidfTransformer and a normaliser per block compute them) and the columns' ``rows``."""
        cols, counts = counted(self.vocabulary.hits(text, kind, walk))
        rows = np.take(self.rows, cols, axis=0)
        weights = (1.0 + np.log(counts)) * rows[:, 0]
        a, b = cols.searchsorted(self._bounds).tolist()
        for block in (weights[:a], weights[a:b], weights[b:]):
            norm = math.sqrt(block @ block)
            if norm:
                block /= norm
        return cols, weights, rows
