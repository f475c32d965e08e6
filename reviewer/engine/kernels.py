"""Compiled loops (numba) for the classifier's feature counts: one pass over a text's hits.

Counting one text's features with numpy takes some thirty array calls on arrays of a few hundred
elements, and at that size each call costs more than its work. Here the same counts are one
compiled loop that releases the GIL, so review threads count at once on several cores. Sorting
stays with numpy (its SIMD sort is several times faster than numba's).

Each kernel has one signature, compiled when this module is imported (about two seconds) and
cached beside it in ``__pycache__`` (a tenth of a second to load); where no cache can be written
(a read-only install without a home folder) it is compiled at every start. ``array`` makes any
input the one kind of array the signature takes. Only the classifier imports this module: numba
and LLVM add about 160 MB to a process, which an engine without the classifier does not pay.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from reviewer.engine.chargrams import BITS

_BITS = np.uint64(BITS)  # chargrams' packing


def _compiled(signature: str) -> Callable:
    """``numba.njit`` with one signature, the GIL released, cached on disk where that is possible."""

    def compile_(fn: Callable) -> Callable:
        try:
            return numba.njit(signature, cache=True, nogil=True)(fn)
        except RuntimeError:  # numba found nowhere to write its cache
            return numba.njit(signature, nogil=True)(fn)

    return compile_


def array(values: np.ndarray, dtype: type) -> np.ndarray:
    """``values`` as a C-contiguous, writable array of ``dtype`` (copied only when it is not one):
    a read-only or strided array is another type to numba, which the signatures do not take."""
    if values.dtype == dtype and values.flags.c_contiguous and values.flags.writeable:
        return values
    return np.array(values, dtype=dtype)


@_compiled("int64[::1](int64[::1], uint32[::1], uint32[::1], int32[::1], boolean[::1], uint64[::1], "
           "int64, int64, int64, int64, int64)")
def feature_columns(keys: np.ndarray, codes: np.ndarray, points: np.ndarray, unigrams: np.ndarray,
                    gap: np.ndarray, marks: np.ndarray, n_gram_keys: int, n_both: int, n_grams: int,
                    n_words: int, kind_column: int) -> np.ndarray:
    """The column of every feature occurrence (``features.Vocabulary`` explains the columns).

    ``keys``: the walk keys found in the compact view; ``codes``: its code points (unigrams, by
    ``unigrams``, a key per code point or -1); ``points``: the folded text (marks: 1–2 grams with
    a character that ``gap`` flags, looked up in the sorted ``marks``).
    """
    out = np.empty(2 * len(keys) + 2 * len(codes) + 1 + 2 * len(points), np.int64)
    k = 0
    shift = n_grams + n_both - n_gram_keys
    for key in keys:
        if key < n_gram_keys:
            out[k] = key
            k += 1
            if key < n_both:  # a gram that is a word too has its word column as well
                out[k] = key + n_grams
                k += 1
        else:
            out[k] = key + shift
            k += 1
    for code in codes:
        key = unigrams[code]
        if key >= 0:
            out[k] = key
            k += 1
            if key < n_both:
                out[k] = key + n_grams
                k += 1
    out[k] = kind_column
    k += 1
    base = n_grams + n_words
    previous = np.uint64(0)
    previous_gap = False
    for i in range(len(points)):
        point = np.uint64(points[i])
        is_gap = gap[points[i]]
        if is_gap:
            at = np.searchsorted(marks, point)
            if at < len(marks) and marks[at] == point:
                out[k] = base + at
                k += 1
        if i > 0 and (is_gap or previous_gap):
            pair = (previous << _BITS) | point
            at = np.searchsorted(marks, pair)
            if at < len(marks) and marks[at] == pair:
                out[k] = base + at
                k += 1
        previous, previous_gap = point, is_gap
    return out[:k]


@_compiled("UniTuple(int64[::1], 2)(int64[::1])")
def run_lengths(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs."""
    values = np.empty(len(ordered), np.int64)
    counts = np.empty(len(ordered), np.int64)
    n = 0
    for value in ordered:
        if n and values[n - 1] == value:
            counts[n - 1] += 1
        else:
            values[n] = value
            counts[n] = 1
            n += 1
    return values[:n], counts[:n]


@_compiled("UniTuple(float64[::1], 2)(int64[::1], int64[::1], float64[:, ::1], int64, int64)")
def weigh(columns: np.ndarray, counts: np.ndarray, rows: np.ndarray, n_grams: int,
          n_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear-tf IDF weights of ascending ``columns``, l2-normalised per block (grams below
    ``n_grams``, then ``n_words`` words, then marks), and their dot product with each class's
    weights. ``rows[c]``: column c's IDF, then its class weights."""
    weights = np.empty(len(columns), np.float64)
    squares = np.zeros(3, np.float64)
    block = np.empty(len(columns), np.int64)
    for i in range(len(columns)):
        col = columns[i]
        b = 0 if col < n_grams else (1 if col < n_grams + n_words else 2)
        w = (1.0 + np.log(counts[i])) * rows[col, 0]
        weights[i] = w
        block[i] = b
        squares[b] += w * w
    sums = np.zeros(rows.shape[1] - 1, np.float64)
    for i in range(len(columns)):
        norm = np.sqrt(squares[block[i]])
        if norm:
            weights[i] /= norm
        for c in range(len(sums)):
            sums[c] += weights[i] * rows[columns[i], c + 1]
    return weights, sums
