"""Word boundaries from jieba: does a lexicon hit stand as words, or straddle two words?

增加微信推送 holds the characters of the term 加微信, but its words are 增加/微/信/推送: the hit
starts inside the word 增加, so it is no hit. 请加微信 (请/加微信), 加微信 好友 and 加 * 微 * 信 are.

The rule, for the families and term lengths of ``BOUNDARY_CHECK``: map the hit into the plain
view, cut the text around it with jieba (HMM off, the lexicon's own terms and allow phrases added
as user words, so a term is one word wherever jieba finds nothing likelier), and drop the hit when
a jieba word straddles one of its ends: a word that begins before the hit and ends inside it
(增加 in 增加微信), or begins inside it and ends after it (小姐姐 in 找小姐姐). A hit whose ends
are word boundaries stands, the term as one jieba word included; so does a hit lying inside one
longer word (帐户 in 银行帐户, 竟争 in 竟争力: jieba's dictionary holds such misspelled
compounds, and the term is what they are built on). Separators that the compact view removes
stay in the plain text, and jieba never joins characters across them, so 加 * 微 * 信 fires.

jieba cuts a text in blocks, runs of Han characters, Latin letters, digits and ``+#&._%-``, and
never joins characters of two blocks: cutting the block (or blocks) a hit lies in gives exactly
the words that cutting its sentence, or the whole text, would give. Most hits are settled without
cutting at all: where no dictionary word runs across the position between the hit and its
neighbour, every segmentation has a boundary there. Other blocks are cut once; blocks are cached.

One ``jieba.Tokenizer`` of our own (never jieba's global one) loads jieba's bundled dictionary
once per process, lazily, from the ``dict.txt`` inside the installed package: no download, no
cache file in /tmp. Each distinct set of user words gets a copy of its tables with those words
added through ``add_word``; lexicons with the same words share one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from reviewer.engine.normalize import View, view

#: Families whose short Chinese terms must stand on word boundaries, and the longest term (in
#: characters) that is checked. Longer terms are specific enough as they are; a family that is
#: not listed (a unit's own) is not checked.
BOUNDARY_CHECK: dict[str, int] = {
    "commercial": 4,  # 加微信 in 增加微信推送, 代购 in 时代购物
    "opinion": 4,  # 好烦 in 您好，烦请, 我晕 in 自我晕倒
    "typo": 4,  # 部份 in 全部份额, 渡假 in 过渡假期, 布署 in 公布署名
    "illegal": 4,  # 代考 in 替代考核, 找小姐 in 找小姐姐
    "restricted_topic": 0,  # information only, asks for approval of a topic
    "political_expression": 0,  # a non-standard expression is wrong wherever it stands
    "outdated_name": 0,  # agency names: current names are allow phrases
    "secret_marking": 0,  # a marking is never part of an innocent word
}
_HAN = re.compile("[\u4e00-\u9fd5]+")
#: jieba's ``re_han_default`` (``[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+``): the characters it cuts as
#: one block, as a flag per code point, so a text's blocks are found with array operations.
def _block_table() -> np.ndarray:
    table = np.zeros(0x110000, dtype=bool)
    for low, high in ((0x4E00, 0x9FD5), (ord("a"), ord("z")), (ord("A"), ord("Z")), (ord("0"), ord("9"))):
        table[low:high + 1] = True
    table[[ord(c) for c in "+#&._%-"]] = True
    return table


_IN_BLOCK = _block_table()


def block_at(text: str, at: int) -> str:
    """The run of characters jieba cuts as one block around position ``at`` (the character alone
    when it is in no block)."""
    if not 0 <= at < len(text) or not _IN_BLOCK[ord(text[at])]:
        return text[at:at + 1]
    start, end = at, at + 1
    while start > 0 and _IN_BLOCK[ord(text[start - 1])]:
        start -= 1
    while end < len(text) and _IN_BLOCK[ord(text[end])]:
        end += 1
    return text[start:end]
_CUT_CACHE = 8192  # blocks remembered per segmenter


def needs_check(category: str, term: str) -> bool:
    """Must a hit of ``term`` (compact form) in ``category`` stand on word boundaries?"""
    return len(term) <= BOUNDARY_CHECK.get(category, 0) and _HAN.fullmatch(term) is not None


def describe() -> str:
    """The check table and the jieba release, as text for the lexicon's fingerprint."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("jieba")
    except PackageNotFoundError:
        release = "missing"
    rows = "".join(f"boundary\t{family}\t{longest}\n" for family, longest in sorted(BOUNDARY_CHECK.items()))
    return f"{rows}jieba\t{release}\n"


_base_lock = threading.Lock()
_base_tables: tuple[dict[str, int], int] | None = None


def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs every dictionary load to stderr at DEBUG
    return jieba


def _base() -> tuple[dict[str, int], int]:
    """jieba's bundled dictionary as (prefix-frequency table, total), loaded once per process."""
    global _base_tables
    with _base_lock:
        if _base_tables is None:
            tokenizer = _jieba().Tokenizer()
            with tokenizer.get_dict_file() as handle:  # the dict.txt inside the jieba package
                _base_tables = tokenizer.gen_pfdict(handle)
        return _base_tables


class Segmenter:
    """jieba word boundaries with a lexicon's terms and allow phrases as user words.

    Built lazily on the first check and thread-safe: the tokenizer is complete before any thread
    sees it and is only read afterwards.
    """

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._freq: dict[str, int] = {}
        self.cut = lru_cache(maxsize=_CUT_CACHE)(self._cut)
        self.block_of = lru_cache(maxsize=_CUT_CACHE)(self._block)
        self.cuts = 0  # blocks cut by jieba (cache misses), for the bench

    def ready(self) -> Segmenter:
        """Load jieba and the user words now (about a second) rather than on the first check."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    freq, total = _base()
                    tokenizer = _jieba().Tokenizer()
                    tokenizer.FREQ, tokenizer.total = dict(freq), total
                    tokenizer.initialized = True
                    for word in sorted(self.words):  # sorted: the same frequencies in every process
                        tokenizer.add_word(word)
                    self._freq = tokenizer.FREQ
                    self._tokenizer = tokenizer
        return self

    def words_of(self, text: str) -> list[str]:
        """jieba's words of ``text`` as the check sees them (HMM off, the lexicon's user words)."""
        return list(self.ready()._tokenizer.cut(text, HMM=False))

    def _cut(self, block: str) -> bytes:
        """One byte per position of ``block`` (and its end): 1 where a jieba word starts or ends."""
        self.cuts += 1
        mask = bytearray(len(block) + 1)
        mask[0] = 1
        pos = 0
        for word in self._tokenizer.cut(block, HMM=False):
            pos += len(word)
            mask[pos] = 1
        return bytes(mask)

    def _block(self, block: str) -> list:
        """[spanned, cut] for one block: ``spanned`` has a 1 at each position k that some
        dictionary word runs across (starts before k, ends after it); elsewhere every way of
        cutting the block, jieba's included, has a boundary. ``cut`` is filled in on demand."""
        freq = self._freq
        n = len(block)
        spanned = bytearray(n + 1)
        for i in range(n - 1):
            longest = 0
            j = i + 2
            while j <= n:
                found = freq.get(block[i:j])
                if found is None:  # not even the beginning of a word
                    break
                if found:
                    longest = j
                j += 1
            if longest:  # the word block[i:longest] runs across positions i+1 .. longest-1
                spanned[i + 1:longest] = _ONES[: longest - i - 1]
        return [bytes(spanned), None]


_ONES = b"\x01" * 1024


@lru_cache(maxsize=4)
def segmenter(words: frozenset[str]) -> Segmenter:
    """The segmenter for one set of user words; lexicons loaded with the same words share it."""
    return Segmenter(words)


def user_words(terms: Iterable[str]) -> frozenset[str]:
    """The terms and phrases jieba should know as words: those with Chinese characters in them."""
    return frozenset(t for t in terms if _HAN.search(t))


class TextWords:
    """Word boundaries of one text, for hits given as spans of its compact view.

    The plain view (built here when the caller has none) holds the text jieba cuts. Boundaries are
    settled for all the hits of a text at once, as arrays: only the blocks holding a hit end that
    some dictionary word runs across are cut (and those are cached by the segmenter).
    """

    def __init__(self, segmenter: Segmenter, original: str, compact: View, plain: View | None) -> None:
        self._segmenter = segmenter.ready()
        plain = plain if plain is not None else view(original, "plain")
        self._text = plain.text
        inside = np.concatenate(([False], _IN_BLOCK[plain.codes], [False]))
        edges = (inside[1:] != inside[:-1]).nonzero()[0]  # where a block starts, then where it ends
        self._starts, self._ends = edges[0::2], edges[1::2]
        self._spans = list(zip(self._starts.tolist(), self._ends.tolist(), strict=True))
        # plain index of every compact character; -1 where the two views disagree (an expansion)
        at = np.minimum(plain.positions.searchsorted(compact.positions), max(len(plain.text) - 1, 0))
        same = plain.codes[at] == compact.codes if len(plain.text) else np.zeros(len(at), dtype=bool)
        self._plain_at = np.where(same, at, -1)

    def _boundaries(self, points: np.ndarray) -> np.ndarray:
        """One flag per plain position and the end: True where a jieba word starts or ends, as far
        as ``points`` need to know. Positions outside blocks are boundaries; so is every position
        of a block that no dictionary word runs across; blocks where one does are cut."""
        size = len(self._text)
        block = self._starts.searchsorted(points, side="right") - 1
        inside = (block >= 0) & (points < self._ends[np.maximum(block, 0)])
        boundary = bytearray(b"\x01" * (size + 1))
        spanned: bytearray | None = None
        waiting = {}  # blocks not cut yet: cut only if a point falls where a dictionary word runs across
        for i in np.unique(block[inside]).tolist():
            start, end = self._spans[i]
            entry = self._segmenter.block_of(self._text[start:end])
            if entry[1] is not None:
                boundary[start:end + 1] = entry[1]
                continue
            if spanned is None:
                spanned = bytearray(size + 1)
            spanned[start:end + 1] = entry[0]
            waiting[i] = entry
        if waiting:
            needed = inside & np.frombuffer(spanned, dtype=np.bool_)[points]
            for i in np.unique(block[needed]).tolist():
                start, end = self._spans[i]
                entry = waiting[i]
                entry[1] = self._segmenter.cut(self._text[start:end])
                boundary[start:end + 1] = entry[1]
        return np.frombuffer(boundary, dtype=np.bool_)

    def stand(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """For each compact span [start, end): is it free of jieba words that straddle its first or
        last character, i.e. begin outside the span and end inside it, or the other way round?

        A span that lies inside one longer word (帐户 in 银行帐户, 部份 in 大部份) stands: the
        longer word is built on the term, and jieba's dictionary holds many such misspellings.
        """
        first, last = self._plain_at[starts], self._plain_at[ends - 1]
        known = (first >= 0) & (last >= 0)  # a character the views map differently: keep the hit
        first, after = np.where(known, first, 0), np.where(known, last + 1, 0)
        boundary = self._boundaries(np.concatenate([first, after]))
        index = np.arange(boundary.size)
        previous = np.maximum.accumulate(np.where(boundary, index, 0))
        following = np.minimum.accumulate(np.where(boundary, index, boundary.size)[::-1])[::-1]
        head = ~boundary[first] & (following[first] < after)  # a word begins before, ends inside
        tail = ~boundary[after] & (previous[after] > first)  # a word begins inside, ends after
        return ~known | ~(head | tail)
