"""Short terms must stand on jieba word boundaries: 加微信 fires in 请加微信, not in 增加微信推送.

The sentences are the kind of text government accounts publish; each innocent one used to raise
a lexicon hit across two words (增加/微信, 时代/购物, 全部/份额), and each positive is the same
term used as itself.
"""

from __future__ import annotations

import threading

import pytest

from reviewer.engine import words
from reviewer.engine.lexicon import Lexicon
from reviewer.engine.normalize import view

HEADER = "term\tcategory\tgate\tseverity\tsuggestion\tnote\n"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def found(lexicon: Lexicon, text: str) -> set[tuple[str, str]]:
    """(family, evidence) of every lexicon finding, info included; evidence is the original text."""
    findings = lexicon.match(text, view(text, "compact"))
    assert all(text[f.start:f.end] == f.text for f in findings)
    return {(f.category, f.text) for f in findings}


def test_a_term_across_two_words_is_no_hit_and_the_term_itself_is(lexicon):
    assert not {c for c, _ in found(lexicon, "下一步，我们将增加微信推送频次，及时发布政策解读。")} & {"commercial"}
    assert ("commercial", "加微信") in found(lexicon, "有意者加微信 shop888 详谈。")
    assert ("commercial", "加微信") in found(lexicon, "想了解的请加微信xxx。")


CROSS_WORD = [  # (innocent sentence, family, same term used as itself)
    ("做好本职工作，时代购物中心周边道路将临时管制。", "commercial", "本人长期代购日本药妆，价格美丽。"),
    ("截至目前，基金全部份额已认购完毕。", "typo", "部份群众反映小区路灯损坏。"),
    ("过渡假期结束后，各窗口恢复正常办公。", "typo", "节假日期间到海边渡假的市民请注意安全。"),
    ("市政府网站公布署名文章和调查报告。", "typo", "会议对下一阶段工作进行了布署。"),
    ("学校以过程性评价替代考核，减轻学生负担。", "illegal", "提供大学英语四六级代考服务。"),
    ("您好，烦请您提供相关证明材料，我们将尽快办理。", "opinion", "天天加班，真的好烦。"),
]


@pytest.mark.parametrize(("innocent", "family", "positive"), CROSS_WORD)
def test_short_terms_fire_as_words_and_not_across_words(lexicon, innocent, family, positive):
    assert family not in {c for c, _ in found(lexicon, innocent)}
    assert family in {c for c, _ in found(lexicon, positive)}


@pytest.mark.parametrize(
    "text",
    ["请加 微 信咨询", "请加*微*信咨询", "请加·微·信咨询", "请加\u200b微信咨询", "請加微信諮詢", "请加\n微信咨询",
     "请加微信123456咨询"],
)
def test_disguised_terms_still_fire(lexicon, text):
    evidence = {t for c, t in found(lexicon, text) if c == "commercial"}
    assert any("加" in t and "信" in t for t in evidence), evidence


@pytest.mark.parametrize(
    ("text", "family"),
    [("希望大家再接再勵，爭取更大成績。", "typo"), ("限 时 抢 购，先到先得", "commercial"), ("部 份 群 众 反 映", "typo"),
     ("ｖｘ同号，加我領紅包", "commercial")],
)
def test_spacing_full_width_and_traditional_forms_still_fire(lexicon, text, family):
    assert family in {c for c, _ in found(lexicon, text)}


@pytest.mark.parametrize(
    ("text", "evidence"),
    [("请将补贴打入本人银行帐户。", "帐户"), ("不断提升企业竟争力。", "竟争"), ("大部份人表示满意。", "部份")],
)
def test_a_term_inside_one_longer_word_still_fires(lexicon, text, evidence):
    # jieba's dictionary holds these misspelled compounds (银行帐户, 竟争力); the typo is in them.
    assert ("typo", evidence) in found(lexicon, text)


def test_families_outside_the_table_fire_as_before(lexicon):
    # 旅游局 is cut 旅游/局 inside 市旅游局开展; outdated names are not checked at all.
    assert ("outdated_name", "旅游局") in found(lexicon, "示例市旅游局开展检查")
    assert words.needs_check("political_expression", "支那") is False
    assert words.needs_check("outdated_name", "文化部") is False
    assert words.needs_check("secret_marking", "绝密") is False


@pytest.mark.parametrize(
    ("family", "term", "checked"),
    [("commercial", "加微信", True), ("opinion", "好烦", True), ("typo", "再接再励", True), ("illegal", "代考", True),
     ("commercial", "加微信好友", False), ("commercial", "加vx", False), ("unit_own_family", "示例", False)],
)
def test_which_hits_are_checked_is_a_table(family, term, checked):
    assert words.needs_check(family, term) is checked


def test_own_terms_are_kept_whole_as_jieba_words(tmp_path):
    (tmp_path / "mine.tsv").write_text(HEADER + "示例禁词\tcommercial\t\t\t\t\n", encoding="utf-8")
    lexicon = Lexicon.load([tmp_path], builtin=False)
    assert found(lexicon, "这里有示例禁词。") == {("commercial", "示例禁词")}
    assert found(lexicon, "示例禁词") == {("commercial", "示例禁词")}


def test_only_the_block_around_a_hit_is_cut_and_only_once(tmp_path):
    (tmp_path / "mine.tsv").write_text(HEADER + "加微信\tcommercial\t\t\t\t\n", encoding="utf-8")
    lexicon = Lexicon.load([tmp_path], builtin=False)
    segmenter = lexicon._segmenter
    assert segmenter is not None
    segmenter.ready()
    before = segmenter.cuts
    assert found(lexicon, "市政府召开常务会议，研究部署下一阶段重点工作。") == set()  # no hit: nothing cut
    assert segmenter.cuts == before
    text = "会议强调要压实工作责任。我们将增加微信推送频次。" * 3
    assert found(lexicon, text) == set()
    assert segmenter.cuts == before + 1  # the block 我们将增加微信推送频次, cut once and then remembered


def test_jieba_is_loaded_once_lazily_and_threads_agree(tmp_path):
    import jieba

    # a word set of its own, so this lexicon's tokenizer is built here, by whichever thread is first
    (tmp_path / "mine.tsv").write_text(HEADER + "代购\tcommercial\t\t\t\t\n部份\ttypo\t\t\t部分\t\n"
                                       "示例线程词\ttypo\t\t\t示例\t\n", encoding="utf-8")
    lexicon = Lexicon.load([tmp_path], builtin=False)
    texts = ["时代购物中心", "专业代购", "全部份额", "部份群众", "新一代购物平台"]
    expected = [set(), {("commercial", "代购")}, set(), {("typo", "部份")}, set()]
    results: dict[int, list] = {}
    start = threading.Barrier(4)

    def work(n: int) -> None:
        start.wait()
        results[n] = [found(lexicon, t) for t in texts * 10]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r == expected * 10 for r in results.values()] == [True] * 4
    assert not jieba.dt.initialized  # our own Tokenizer: jieba's global one is never loaded


def test_cutting_blocks_gives_the_words_of_the_whole_text(lexicon):
    # The claim the cheap path rests on: jieba never joins two blocks, and a position that no
    # dictionary word runs across is a boundary of every segmentation.
    from pathlib import Path

    import jieba

    segmenter = lexicon._segmenter.ready()
    text = view((Path(__file__).parent / "data" / "clean_notice.txt").read_text(encoding="utf-8"), "plain").text
    whole, pos = {0}, 0
    for word in segmenter._tokenizer.cut(text, HMM=False):
        pos += len(word)
        whole.add(pos)
    checked = 0
    for m in jieba.re_han_default.finditer(text):
        block, start = m.group(), m.start()
        spanned, _ = segmenter.block_of(block)
        mask = segmenter.cut(block)
        for k in range(1, len(block)):
            assert bool(mask[k]) == (start + k in whole)
            if not block[k - 1 : k + 1].isascii():  # jieba also merges runs of single letters or digits
                assert spanned[k] or mask[k]
            checked += 1
    assert checked > 1500


def test_the_block_characters_are_the_ones_jieba_cuts_as_one_block() -> None:
    import jieba

    from reviewer.engine.words import _IN_BLOCK

    ours = {cp for cp in range(0x110000) if _IN_BLOCK[cp]}
    theirs = {cp for cp in range(0x10000) if jieba.re_han_default.fullmatch(chr(cp))}
    assert ours == theirs


def test_the_block_around_a_position_is_the_run_jieba_cuts_as_one() -> None:
    text = "市民可拨打12345热线，咨询A+B套餐。"
    assert words.block_at(text, 2) == "市民可拨打12345热线"
    assert words.block_at(text, 12) == "，"
    assert words.block_at(text, 14) == "咨询A+B套餐"
