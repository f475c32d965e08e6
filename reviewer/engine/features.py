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
hits, and each hit costs pyahocorasick a Python tuple; a table of every code point gives each
character's key instead. The marks are few (a tenth of the characters of a post) and are looked up
in their sorted codes. One compiled loop (``kernels.feature_columns``) turns all of it into
columns, and one more counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from reviewer.engine import kernels
from reviewer.engine.chargrams import BITS, decode, fold_points, point_codes
from reviewer.engine.normalize import gap_table, view
from reviewer.engine.riders import Walk

#: the kinds of text (``reviewer.vocabulary.KINDS``) in the order of their columns in the gram block:
#: a trained model depends on this order, so it is fixed here rather than read from the vocabulary
KIND_COLUMNS: tuple[str, ...] = ("post", "reply")
#: what a vocabulary builds on first use and never pickles
_BUILT = ("_automaton", "_unigrams", "_walk_keys")


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
        self.marks = kernels.array(marks, np.uint64)  # sorted codes (chargrams' packing) of the mark grams
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

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.marks = kernels.array(self.marks, np.uint64)  # a loaded array may be read-only

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

    def _unigram_table(self) -> np.ndarray:
        """The key of each code point that is a unigram key (-1: none), for one lookup per character."""
        table = self.__dict__.get("_unigrams")
        if table is None:
            table = np.full(0x110000, -1, dtype=np.int32)
            for k, key in enumerate(self.keys):
                if len(key) == 1:
                    table[ord(key)] = k
            self._unigrams = table
        return table

    def counts(self, text: str, kind: str, walk: Walk | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each column that occurs, ascending, and how often: the grams and words the walk over the
        compact view found (walked here when None), the unigrams, the kind, the marks."""
        if walk is None:
            compact = view(text, "compact")
            walk = Walk(self.scan(compact.text), compact.codes)
        columns = kernels.feature_columns(
            kernels.array(walk.keys, np.int64), kernels.array(walk.codes, np.uint32), fold_points(text),
            self._unigram_table(), gap_table(), self.marks,
            self.n_gram_keys, self.n_both, self.n_grams, self.n_words, self.n_gram_keys + KIND_COLUMNS.index(kind))
        columns.sort()
        return kernels.run_lengths(columns)

    def count_matrix(self, texts: Sequence[str], kinds: Sequence[str]):  # -> scipy.sparse.csr_matrix
        """Counts of every column in each text (what training fits on)."""
        import scipy.sparse as sp  # training only: review needs no scipy

        rows = [self.counts(t, k) for t, k in zip(texts, kinds, strict=True)]
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


def mark_codes(points: np.ndarray) -> np.ndarray:
    """The packed 1–2 grams of folded code points that hold a character the compact view leaves out
    (what ``Vocabulary.fit`` keeps marks from; ``kernels.feature_columns`` finds the same grams)."""
    gap = gap_table()[points]
    singles = gap.nonzero()[0]
    if not len(singles):
        return np.zeros(0, dtype=np.uint64)
    pairs = (gap[:-1] | gap[1:]).nonzero()[0]  # a pair (i, i + 1) with a gap in it
    wide = points.astype(np.uint64)
    return np.concatenate((wide[singles], (wide[pairs] << np.uint64(BITS)) | wide[pairs + 1]))


class Features:
    """One text's feature vector under a vocabulary, with each column's IDF and model weights."""

    def __init__(self, vocabulary: Vocabulary, rows: np.ndarray):
        self.vocabulary = vocabulary
        self.rows = kernels.array(rows, np.float64)  # per column: its IDF, then its class weights

    def warm_up(self) -> None:
        """Build the lookup tables and the keys' own automaton (for sentences re-scored to explain a
        finding) now, rather than in the first request that needs them."""
        self.vocabulary.automaton()
        self.vector("中文", "post")

    def vector(self, text: str, kind: str, walk: Walk | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ascending columns, their sublinear-tf IDF weights l2-normalised per block (as
        TfidfTransformer and a normaliser per block compute them) and their dot product with each
        class's weights (``kernels.weigh``)."""
        cols, counts = self.vocabulary.counts(text, kind, walk)
        weights, sums = kernels.weigh(cols, counts, self.rows, self.vocabulary.n_grams, self.vocabulary.n_words)
        return cols, weights, sums
