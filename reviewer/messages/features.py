"""TF-IDF vectors of short citizen texts: jieba words beside character bigrams.

Citizens word a question their own way (社保卡找不到了 for 社会保障卡丢失), so neither feature alone
is enough: jieba words (HMM off, the engine's private tokenizer) carry whole terms such as 公积金,
while bigrams still meet when jieba cuts two phrasings differently (社保 inside 社保卡). The words of
a question's frame (怎么、需要、可以、什么时候、吗) are left out of both: every question has them, so
they only make unrelated questions alike (路灯什么时候修 and 医保什么时候缴费). On the labelled set the
filter leaves accuracy where it was but cuts the questions no entry answers that still get a
suggestion from 6 of 10 to 2. Bigrams are taken within the runs of words between frame words.

The two families are two blocks of one TF-IDF matrix; each block of each row is scaled to unit
length and then by the square root of its weight, so the dot product of two vectors is
``word_weight * cos(words) + (1 - word_weight) * cos(bigrams)``, a score between 0 and 1. Measured
on ``tests/data/qa`` by ``bench/bench_qa.py``: both families, words weighted 0.25, beat words alone
and bigrams alone (top-1 0.68 against 0.58 and 0.68, top-3 0.82 against 0.72 and 0.79).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from reviewer.engine.wordgrams import words
from reviewer.errors import InputError

#: Share of the score given to jieba words, the rest to character bigrams (bench/bench_qa.py).
WORD_WEIGHT = 0.25
#: The frame of a question and the particles of speech: common to every topic, so no evidence of one.
FRAME_WORDS = frozenset([
    # particles and pronouns
    "的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "哦", "么", "着", "过", "得", "地", "之", "我", "你", "您", "他", "她", "它", "们", "我们", "你们", "他们", "自己", "本人", "咱", "俺",
    # function words
    "是", "在", "有", "和", "与", "或", "及", "跟", "同", "把", "被", "给", "让", "对", "从", "向", "往", "到", "就", "都", "也", "还", "又", "再", "才", "很", "太", "最", "这", "那", "哪", "谁", "啥", "个", "一", "下", "去", "来", "想", "要", "能", "会", "可", "该",
    # courtesy
    "请", "请问", "你好", "您好", "谢谢", "麻烦", "想问", "问问", "问一下", "咨询", "请教", "一下", "一些",
    # question words
    "什么", "什么样", "什么时候", "为什么", "怎么", "怎样", "怎么样", "怎么办", "咋", "咋办", "如何", "哪里", "哪儿", "哪些", "哪个", "哪家", "多少", "多久", "几", "几个",
    # modal frames
    "是否", "能否", "可否", "可以", "可不可以", "能不能", "不能", "是不是", "有没有", "要不要", "会不会", "需要", "需不需要", "应该", "应当", "必须", "得要",
    # fillers
    "时候", "这个", "那个", "这里", "那里", "这边", "那边", "现在", "已经", "还是", "或者", "以及", "然后", "的话", "怎么回事", "情况", "问题", "相关", "具体", "知道", "了解",
])
_WORDLIKE = re.compile(r"[^\W_]")
_WORD, _BIGRAM = "w", "b"  # the first character of a feature names its family


def word_features(text: str) -> list[str]:
    """The jieba words (HMM off) of the folded text, without frame words and punctuation."""
    return _content(words(text))


def bigram_features(text: str) -> list[str]:
    """Character bigrams within each run of the text's words between frame words and punctuation."""
    return _bigrams(words(text))


def _content(cut: list[str]) -> list[str]:
    return [w for w in cut if w not in FRAME_WORDS and _WORDLIKE.search(w)]


def _bigrams(cut: list[str]) -> list[str]:
    out: list[str] = []
    run = ""
    for w in [*cut, ""]:
        if w and w not in FRAME_WORDS and _WORDLIKE.search(w):
            run += "".join(_WORDLIKE.findall(w))
            continue
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
        run = ""
    return out


def is_keyword(word: str) -> bool:
    """Words worth showing a person: two characters or more (a single character is mostly a fragment)."""
    return len(word) >= 2


def _features(text: str, with_words: bool, with_bigrams: bool) -> list[str]:
    """Both families of one text from a single jieba cut, each feature marked with its family."""
    cut = words(text)
    found = [_WORD + w for w in _content(cut)] if with_words else []
    if with_bigrams:
        found.extend(_BIGRAM + b for b in _bigrams(cut))
    return found


class Space:
    """A fitted TF-IDF matrix whose rows are unit-length per family and weighted by family."""

    def __init__(self, word_weight: float = WORD_WEIGHT) -> None:
        if not 0.0 <= word_weight <= 1.0:
            raise InputError(f"词语权重应在 0 到 1 之间，收到 {word_weight}", "invalid_weight")
        self.word_weight = word_weight
        analyzer = functools.partial(_features, with_words=word_weight > 0, with_bigrams=word_weight < 1)
        self._vectorizer = TfidfVectorizer(analyzer=analyzer, lowercase=False, sublinear_tf=True, norm=None, dtype=np.float32)
        self._scale = np.array([math.sqrt(1.0 - word_weight), math.sqrt(word_weight)], dtype=np.float32)
        self._is_word = np.zeros(0, dtype=np.int64)
        self.names = np.zeros(0, dtype=object)  # the feature of every column, without its family mark
        self.fitted = False

    def fit(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Fit the IDF on ``docs`` and return their TF-IDF rows (not normalised; see ``unit``).

        When ``docs`` hold no feature at all the space stays unfitted and every row is empty.
        """
        try:
            matrix = self._vectorizer.fit_transform(docs)
        except ValueError:  # scikit-learn refuses an empty vocabulary
            return self.transform(docs)
        marked = self._vectorizer.get_feature_names_out()
        self._is_word = np.array([name[0] == _WORD for name in marked], dtype=np.int64)
        self.names = np.array([name[1:] for name in marked], dtype=object)
        self.fitted = True
        return matrix.tocsr()

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``docs`` over the fitted features (not normalised; see ``unit``)."""
        if not self.fitted:
            return sp.csr_matrix((len(docs), 0), dtype=np.float32)
        return self._vectorizer.transform(docs).tocsr()

    def unit(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """Each family's part of each row scaled to unit length (empty parts stay empty)."""
        out = matrix.tocsr(copy=True)
        out.sum_duplicates()
        out.eliminate_zeros()
        rows = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
        key = 2 * rows + self._is_word[out.indices]
        squares = np.bincount(key, weights=out.data.astype(np.float64) ** 2, minlength=2 * out.shape[0])
        out.data = (out.data / np.sqrt(squares[key])).astype(np.float32)
        return out

    def weigh(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """Unit family parts scaled so that a dot product is the weighted mean of the two cosines."""
        out = matrix.tocsr(copy=True)
        out.data = out.data * self._scale[self._is_word[out.indices]]
        return out

    def vectors(self, docs: Sequence[str]) -> sp.csr_matrix:
        """The scoring vectors of ``docs``: unit family parts, weighted."""
        return self.weigh(self.unit(self.transform(docs)))

    def keyword_columns(self) -> np.ndarray:
        """Which columns may be shown as keywords: words of two characters or more, or, in a
        bigram-only space, the bigrams."""
        shown = np.array([is_keyword(str(n)) for n in self.names], dtype=bool)
        return shown & (self._is_word == 1) if self.word_weight > 0 else shown
