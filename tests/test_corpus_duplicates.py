"""The near-duplicate check the v2 corpus brief relies on (character 5-gram Jaccard ≥ 0.5)."""

from __future__ import annotations

from reviewer.engine.duplicates import grams, jaccard, near_duplicate_pairs, near_duplicate_rate


def test_a_reworded_copy_is_a_near_duplicate_and_a_new_text_is_not():
    texts = ["本市将于国庆期间在人民公园举办文化旅游节，欢迎广大市民游客参加。",
             "本市将于国庆期间在人民公园举办文化旅游节，欢迎广大市民朋友参加。",
             "区税务局提醒：个人所得税综合所得汇算清缴将于6月30日结束。"]
    pairs = near_duplicate_pairs(texts)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert near_duplicate_rate(texts) == 2 / 3


def test_the_score_is_exact_jaccard_over_5_grams():
    a, b = grams("abcdefg"), grams("abcdefh")
    assert jaccard(a, b) == 2 / 4
