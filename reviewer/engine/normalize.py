"""Normalization with an offset map: the views of a text that rules match against.

Spammers write 淘 宝, 加*微*信, ｖ信, 薇信 and 一三八... to slip past word lists. Every rule
therefore matches a *view* of the text in which those disguises are undone, and every match is
mapped back to the ORIGINAL text, so that ``original[start:end]`` is the evidence a reviewer sees.

Each original code point becomes zero or one character of a view (a few compatibility characters
such as ㎡ become two, handled by a slower exact path), so a view's offset map is simply the array
of original positions of the characters it kept. Three views exist:

- ``plain``: NFKC, case folding, traditional to simplified, with zero-width, format and control
  characters removed. URLs, e-mail addresses, markings and dates are matched here.
- ``compact``: ``plain`` without spaces, punctuation and symbols. Lexicon terms are matched here,
  so 加 * 微 * 信 is found as 加微信.
- ``digits``: ``plain`` with Chinese and circled numerals as ASCII digits and the separators
  people put inside numbers (spaces, dashes, dots between groups) removed, for number patterns.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

import numpy as np

VIEWS: tuple[str, ...] = ("plain", "compact", "digits")

#: Chinese numerals people write for digits to dodge number filters (幺 is how 1 is read aloud).
_CHINESE_DIGITS = {
    "〇": "0", "零": "0", "○": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "贰": "2", "两": "2",
    "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6",
    "七": "7", "柒": "7", "八": "8", "捌": "8", "九": "9", "玖": "9",
}
#: Characters put between the groups of a phone or card number.
_NUMBER_SEPARATORS = frozenset(" -_*·•~.—–/\\|+")
#: Supplementary-plane blocks whose characters need mapping or removal (styled letters, emoji,
#: tags, variation selectors); other astral characters are kept as they are.
_ASTRAL_RANGES = ((0x1D400, 0x1D800), (0x1F000, 0x1FB00), (0xE0000, 0xE0080), (0xE0100, 0xE01F0))
_DROP_ALWAYS = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zl", "Zp"})
_KEEP_CONTROLS = frozenset("\n\t")


@lru_cache(maxsize=1)
def _t2s() -> dict[str, str]:
    """Traditional-to-simplified, one character at a time, from OpenCC's tables."""
    import opencc

    chars = [chr(c) for r in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)) for c in range(*r)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # OpenCC must keep one line per character
        raise RuntimeError("OpenCC t2s changed the number of lines")
    return {a: b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


def _fold(ch: str) -> str:
    """NFKC, case folding and t2s of one code point, then drop what no view keeps."""
    if ch in _KEEP_CONTROLS:
        return ch
    if unicodedata.category(ch) in _DROP_ALWAYS or 0xFE00 <= ord(ch) <= 0xFE0F:
        return ""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch).casefold())
    t2s = _t2s()
    out = "".join(t2s.get(c, c) for c in folded)
    return "".join(
        c for c in out if c in _KEEP_CONTROLS or unicodedata.category(c) not in _DROP_ALWAYS
    )


def _is_gap(ch: str) -> bool:
    """Spaces, punctuation and symbols: what the compact view leaves out."""
    return unicodedata.category(ch)[0] in "PSZ" or ch in _KEEP_CONTROLS


@dataclass(frozen=True)
class _Table:
    """How one view treats every code point, as lookup arrays indexed by code point."""

    translate: dict[int, str | None]  # the exact mapping, for the slow path
    target: np.ndarray  # uint32 per code point: the one character it becomes
    keep: np.ndarray  # bool per code point: does this code point yield exactly one character?
    expands: np.ndarray  # bool per code point: yields two or more characters (exact slow path)


def _code_points() -> list[int]:
    cps = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    for lo, hi in _ASTRAL_RANGES:
        cps.extend(range(lo, hi))
    return cps


@lru_cache(maxsize=1)
def _folded() -> dict[int, str]:
    """The plain view's output for every code point that changes (computed once, shared)."""
    folded = {cp: out for cp in _code_points() if (out := _fold(chr(cp))) != chr(cp)}
    folded.update(dict.fromkeys(range(0xD800, 0xE000), ""))
    return folded


@cache
def _table(view: str) -> _Table:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    translate: dict[int, str | None] = {}
    target = np.arange(0x110000, dtype="<u4")
    keep = np.ones(0x110000, dtype=bool)
    expanding: list[int] = []
    folded = _folded()
    candidates = folded.keys() if view == "plain" else [*_code_points(), *range(0xD800, 0xE000)]
    for cp in candidates:
        out = folded.get(cp, chr(cp))
        if view == "compact":
            out = "".join(c for c in out if not _is_gap(c))
        elif view == "digits":
            out = "".join(_CHINESE_DIGITS.get(c, c) for c in out if c not in _NUMBER_SEPARATORS)
        if len(out) == 1:
            if out != chr(cp):
                translate[cp] = out
                target[cp] = ord(out)
        else:
            keep[cp] = False
            translate[cp] = out or None
            if out:
                expanding.append(cp)
    expands = np.zeros(0x110000, dtype=bool)
    expands[expanding] = True
    return _Table(translate, target, keep, expands)


@dataclass(frozen=True)
class View:
    """A normalized view of a text and, for each of its characters, the original position."""

    text: str
    positions: np.ndarray  # int64, len(text): index into the original text
    codes: np.ndarray  # uint32, len(text): the code points of ``text``, for vectorised checks

    @cached_property
    def _digit_bytes(self) -> bytes:
        return ((self.codes - ord("0")) < 10).tobytes()  # unsigned: code points below "0" wrap

    def has_digit_run(self, length: int) -> bool:
        """Does the view hold ``length`` ASCII digits in a row? Number rules skip views that don't."""
        return b"\x01" * length in self._digit_bytes

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the view's half-open span [start, end) to the original text's span."""
        return int(self.positions[start]), int(self.positions[end - 1]) + 1


def view(text: str, name: str = "compact") -> View:
    """Build one view of ``text``; see the module docstring for what each view undoes."""
    return views(text, (name,))[name]


def views(text: str, names: tuple[str, ...] = VIEWS) -> dict[str, View]:
    """Several views of one text, decoding its code points once for all of them (all three: the
    compact and digits views are read off the plain one, see ``_Derived``)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    if names == VIEWS and text:
        derived = _derived()
        if not derived.slow[cps].any():
            return _derive(cps, derived)
    return {name: _build(text, cps, _table(name)) for name in names}


@dataclass(frozen=True)
class _Derived:
    """The compact and digits views as filters of the plain view's characters.

    Each keeps or drops a character of the plain view (the digits view also rewrites 一 as 1), so
    both are read off the plain view's code points with small gathers instead of building each from
    the text. ``slow`` marks the code points for which that is not exactly what a view's own table
    does (one that expands, or whose plain character another view treats otherwise): a text with
    one of them takes ``_build`` for each view.
    """

    slow: np.ndarray  # bool per code point of the text
    compact_keep: np.ndarray  # bool per plain character: the compact view keeps it as it is


@cache
def _derived() -> _Derived:
    plain, compact, digits = (_table(name) for name in VIEWS)
    every = np.arange(0x110000, dtype="<u4")
    out = plain.target  # the plain character of each code point it keeps
    compact_keep = compact.keep & (compact.target == every)
    slow = plain.expands | compact.expands | digits.expands
    # where the plain view keeps a code point, the others must treat it as they treat its plain character
    derived_compact = plain.keep & compact_keep[out]
    slow |= (derived_compact != compact.keep) | (compact.keep & (compact.target != out))
    derived_digits = plain.keep & digits.keep[out]
    slow |= (derived_digits != digits.keep) | (digits.keep & (digits.target != digits.target[out]))
    return _Derived(slow, compact_keep)


def _derive(cps: np.ndarray, derived: _Derived) -> dict[str, View]:
    plain, digits = _table("plain"), _table("digits")
    positions = plain.keep[cps].nonzero()[0]
    codes = plain.target[cps[positions]]
    found = {"plain": View(codes.tobytes().decode("utf-32-le"), positions, codes)}
    # the digits view also rewrites what it keeps (一 as 1); the compact view keeps characters as they are
    for name, keep, target in (("compact", derived.compact_keep, None), ("digits", digits.keep, digits.target)):
        kept = keep[codes]
        view_codes = codes[kept] if target is None else target[codes[kept]]
        found[name] = View(view_codes.tobytes().decode("utf-32-le"), positions[kept], view_codes)
    return found


def _build(text: str, cps: np.ndarray, table: _Table) -> View:
    if not text:
        return View("", np.zeros(0, dtype=np.int64), np.zeros(0, dtype="<u4"))
    if not table.expands[cps].any():
        positions = table.keep[cps].nonzero()[0]
        codes = table.target[cps[positions]]
        return View(codes.tobytes().decode("utf-32-le"), positions, codes)
    return _view_exact(text, table)


def fold_codes(text: str) -> np.ndarray:
    """The plain view's folding, one code point for one, with nothing removed.

    For callers that need positions unchanged (the classifier's n-grams): every character that
    the plain view maps to one character is mapped, every other character is left as it is.
    """
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    folded = _table("plain").target[cps]
    folded[(folded >= 0xD800) & (folded <= 0xDFFF)] = 0xFFFD  # lone surrogates cannot be decoded
    return folded


def _view_exact(text: str, table: _Table) -> View:
    """The general path, for texts containing characters that expand (㎡, ½, ﬁ ...)."""
    chars: list[str] = []
    positions: list[int] = []
    mapping = table.translate
    for i, ch in enumerate(text):
        out = mapping.get(ord(ch), ch)
        if out:
            chars.append(out)
            positions.extend([i] * len(out))
    out = "".join(chars)
    codes = np.frombuffer(out.encode("utf-32-le"), dtype="<u4")
    return View(out, np.asarray(positions, dtype=np.int64), codes)


def warm_up() -> None:
    """Build all view tables now (about a second) rather than on the first request."""
    for name in VIEWS:
        _table(name)
    _derived()


@cache
def gap_table() -> np.ndarray:
    """Per code point: a character the plain view keeps and the compact view leaves out (spaces,
    punctuation, symbols, emoji), for the classifier's marks."""
    plain, compact = _table("plain"), _table("compact")
    return plain.keep & ~compact.keep & ~compact.expands
