"""Code points folded once and packed n-grams, for the classifier's marks.

The text is folded with one gather through a table of every code point (NFKC, case, traditional
to simplified, one code point for one, so positions stay those of the original), and an n-gram
of code points is packed into one integer (21 bits per code point), so the marks' grams are looked
up with ``numpy.searchsorted`` in a sorted array rather than one Python string at a time.
"""

from __future__ import annotations

import functools

import numpy as np

from reviewer.engine.normalize import fold_codes

BITS = 21  # bits per code point in a packed n-gram
_MASK = (1 << BITS) - 1


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


def point_codes(points: np.ndarray, max_n: int = 3) -> np.ndarray:
    """Every 1..max_n-gram of already folded code points (:func:`fold_points`) as one uint64 code."""
    points = points.astype(np.uint64)
    parts = [points]
    code = points
    for n in range(2, max_n + 1):
        code = (code[:-1] << np.uint64(BITS)) | points[n - 1 :]
        parts.append(code)
    return np.concatenate(parts)


def decode(code: int) -> str:
    """The n-gram a code stands for (inverse of :func:`point_codes`)."""
    chars = []
    while code:
        chars.append(chr(code & _MASK))
        code >>= BITS
    return "".join(reversed(chars))
