"""Character n-gram features computed with numpy, for the classifier's speed budget.

Chinese has no spaces, so short character n-grams stand in for words. scikit-learn's own char
analyzer builds one Python string per n-gram and looks each up in a dict: about 2 MB/s here,
and jieba's word cut (HMM off) about 0.8 MB/s, against a budget of 3 MB/s for the whole
classifier. Here each n-gram is packed into one integer (21 bits per code point) and looked up
with ``numpy.searchsorted`` in the sorted vocabulary, so a document costs a few array
operations: the text is folded with one gather through a table of every code point, and the
hits are counted with ``numpy.unique``. (A hash table in place of ``searchsorted`` saved
0.012 s per MB of text, about 1.5% of a review with the classifier: not worth its code; pandas'
hash index measured no faster than ``searchsorted`` at a document's size.) The output is a plain
count matrix; IDF weighting stays with scikit-learn's ``TfidfTransformer`` during training.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from reviewer.engine.normalize import fold_codes

_BITS = 21
_MASK = (1 << _BITS) - 1


def fold_points(text: str) -> np.ndarray:
    """Code points folded as the engine folds them (NFKC, case, traditional to simplified).

    The mapping is one code point to one (see ``reviewer.engine.normalize.fold_codes``), so positions
    in the folded text are positions in the original. NUL becomes a space: code 0 ends a packed
    n-gram.
    """
    return _fold_table()[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")]


@functools.cache
def _fold_table() -> np.ndarray:
    """:func:`fold_points` for every code point at once: one gather per text instead of several passes."""
    table = fold_codes(np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass"))
    table[table == 0] = 0x20
    return table


def normalize(text: str) -> str:
    """The folded text (same length as the input)."""
    return fold_points(text).tobytes().decode("utf-32-le")


def gram_codes(text: str, max_n: int = 3) -> np.ndarray:
    """Every 1..max_n-gram of the folded ``text`` as one uint64 code."""
    return point_codes(fold_points(text), max_n)


def point_codes(points: np.ndarray, max_n: int = 3) -> np.ndarray:
    """Every 1..max_n-gram of already folded code points (:func:`fold_points`) as one uint64 code."""
    points = points.astype(np.uint64)
    parts = [points]
    code = points
    for n in range(2, max_n + 1):
        code = (code[:-1] << np.uint64(_BITS)) | points[n - 1 :]
        parts.append(code)
    return np.concatenate(parts)


def decode(code: int) -> str:
    """The n-gram a code stands for (inverse of :func:`gram_codes`)."""
    chars = []
    while code:
        chars.append(chr(code & _MASK))
        code >>= _BITS
    return "".join(reversed(chars))


class CharGramCounter(TransformerMixin, BaseEstimator):
    """Counts character n-grams of a fixed vocabulary; scikit-learn compatible."""

    def __init__(self, max_n: int = 3, min_df: int = 2):
        self.max_n = max_n
        self.min_df = min_df

    def fit(self, docs: list[str], y: object = None) -> CharGramCounter:
        per_doc = [np.unique(gram_codes(d, self.max_n)) for d in docs]
        codes, df = np.unique(np.concatenate(per_doc), return_counts=True)
        self.vocabulary_ = codes[df >= self.min_df]
        return self

    def hits(self, points: np.ndarray) -> np.ndarray:
        """The column of every vocabulary n-gram occurrence in folded code points (``fold_points``)."""
        codes, vocabulary = point_codes(points, self.max_n), self.vocabulary_
        if not len(vocabulary) or not len(codes):
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(vocabulary, codes)
        pos[pos >= len(vocabulary)] = 0
        return pos[vocabulary[pos] == codes]

    def lookup(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices (ascending) and counts of the vocabulary n-grams in one document."""
        return np.unique(self.hits(fold_points(text)), return_counts=True)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        return count_matrix([self.lookup(doc) for doc in docs], len(self.vocabulary_))


def count_matrix(rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sp.csr_matrix:
    """A CSR count matrix from each document's (column indices, counts), shared by every counter."""
    indptr = np.cumsum([0] + [len(cols) for cols, _ in rows])
    data = np.concatenate([n for _, n in rows]).astype(np.float64) if rows else np.zeros(0)
    cols = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((data, cols, indptr), shape=(len(rows), width))
