"""jieba words: the corpus words the classifier's vocabulary keeps, and whole-word spans for explanations.

A dedicated ``jieba.Tokenizer`` is built from the package's own dictionary (HMM off), without
jieba's cache file in the temp directory: the prefix dictionary is generated in memory once per
process (about a second). Words are cut from the folded text (``chargrams.normalize``), which has
the same length as the original, so word positions are positions in the original text.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from reviewer.engine.chargrams import normalize

_WORDLIKE = re.compile(r"[^\W_]")


@functools.cache
def tokenizer():  # -> jieba.Tokenizer
    """A private jieba tokenizer over the bundled dictionary; writes no cache file."""
    import jieba

    tk = jieba.Tokenizer()
    with tk.get_dict_file() as fh:
        tk.FREQ, tk.total = tk.gen_pfdict(fh)
    tk.initialized = True
    return tk


def words(text: str) -> list[str]:
    """The non-blank jieba words (HMM off) of the folded text."""
    return [w for w in tokenizer().cut(normalize(text), HMM=False) if w.strip()]


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every jieba word of the text, blanks included, in text order."""
    spans, at = [], 0
    for w in tokenizer().cut(normalize(text), HMM=False):
        spans.append((at, at + len(w)))
        at += len(w)
    return spans


def _units(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Word spans with each run of single-character Chinese words joined into one."""
    out: list[tuple[int, int]] = []
    single = False
    for start, end in spans:
        one = end - start == 1 and "\u4e00" <= text[start] <= "\u9fff"
        if one and single and out:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
        single = one
    return out


def whole_word_phrases(text: str, folded: str, pushes: list[tuple[str, bool, float]], k: int = 5) -> list[str]:
    """The k phrases of whole jieba words that carry the most push, strongest first.

    ``pushes`` holds (n-gram or word, is a word feature, push > 0). A word feature's push goes
    to that word, a character n-gram's is spread over its characters and so over the words that
    hold them. Neighbouring strong words are joined (「么么哒」, not 「么」「哒」), so a phrase is
    always whole words and never a fragment such as 「相关部」. A run of single Chinese characters
    (what jieba leaves of a word its dictionary lacks, with HMM off) counts as one word.
    """
    spans = _units(text, word_spans(text))
    if not spans:
        return []
    owner = np.zeros(len(folded), dtype=np.int64)
    for j, (start, end) in enumerate(spans):
        owner[start:end] = j
    per_char = np.zeros(len(folded))
    score = np.zeros(len(spans))
    for gram, is_word, push in pushes:
        if is_word:
            hits = [j for j, (a, b) in enumerate(spans) if folded[a:b] == gram]
            for j in hits:
                score[j] += push / len(hits)
            continue
        hits, at = [], folded.find(gram)
        while at >= 0:
            hits.append(at)
            at = folded.find(gram, at + 1)
        for at in hits:
            per_char[at:at + len(gram)] += push / (len(hits) * len(gram))
    np.add.at(score, owner, per_char)
    usable = [j for j, (a, b) in enumerate(spans) if score[j] > 0 and _WORDLIKE.search(text[a:b])]
    merged: list[list[float]] = []
    for j in sorted(sorted(usable, key=lambda j: -score[j])[: 2 * k]):
        if merged and merged[-1][1] == j - 1:
            merged[-1][1] = j
            merged[-1][2] += score[j]
        else:
            merged.append([j, j, score[j]])
    phrases: list[str] = []
    for first, last, _ in sorted(merged, key=lambda m: -m[2]):
        phrase = text[spans[int(first)][0]:spans[int(last)][1]].strip()
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return phrases[:k]
