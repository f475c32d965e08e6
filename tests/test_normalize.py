"""The views undo disguises, and every character of a view points back at its original character."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.engine.normalize import VIEWS, _build, _table, _view_exact, view, views

# Any code point, lone surrogates included: pasted text can carry them and must never crash us.
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)
MIXED_TEXT = st.text(
    alphabet=st.sampled_from(list("加微信淘宝發佈一三八①８ＡＢｃ ＊*·\u200b\u200d\ufeff\u0301㎡½℃。，！、（）【】vx13800138000")),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_every_view_character_maps_to_an_original_position(text):
    for name in VIEWS:
        v = view(text, name)
        assert len(v.positions) == len(v.text)
        assert all(0 <= p < len(text) for p in v.positions)
        assert all(a <= b for a, b in zip(v.positions, v.positions[1:], strict=False))


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, MIXED_TEXT))
def test_view_of_text_is_the_concatenation_of_the_views_of_its_characters(text):
    for name in VIEWS:
        v = view(text, name)
        pieces = [view(ch, name).text for ch in text]
        assert v.text == "".join(pieces)
        rebuilt = [i for i, piece in enumerate(pieces) for _ in piece]
        assert list(v.positions) == rebuilt


@settings(max_examples=200, deadline=None)
@given(MIXED_TEXT)
def test_fast_path_and_exact_path_agree(text):
    for name in VIEWS:
        fast = view(text, name)
        exact = _view_exact(text, _table(name))
        assert fast.text == exact.text
        assert list(fast.positions) == list(exact.positions)


def test_span_maps_back_to_the_disguised_original():
    text = "请加 * 微 * 信咨询"
    v = view(text, "compact")
    start = v.text.index("加微信")
    o_start, o_end = v.span(start, start + 3)
    assert text[o_start:o_end] == "加 * 微 * 信"


def test_full_width_letters_and_digits_become_ascii_lower_case():
    assert view("ＶＸ：ＡＢＣ１２３", "plain").text == "vx:abc123"


def test_traditional_characters_become_simplified():
    assert view("臺灣總統發佈", "compact").text == "台湾总统发布"


def test_zero_width_and_format_characters_are_removed_everywhere():
    for name in VIEWS:
        assert view("淘\u200b宝\u2060店\ufeff铺\u200d", name).text == "淘宝店铺"


def test_compact_view_drops_spaces_punctuation_and_symbols_between_characters():
    assert view("加-微_信 ★ 淘。宝", "compact").text == "加微信淘宝"


def test_digits_view_reads_variant_digits():
    assert view("一三八①②３4567８9０", "digits").text == "1381234567890"


def test_digits_view_drops_separators_inside_numbers_but_keeps_list_punctuation():
    assert view("138-1234 5678", "digits").text == "13812345678"
    assert view("13、14", "digits").text == "13、14"


def test_characters_that_expand_keep_their_original_position():
    v = view("面积120㎡", "compact")
    assert v.text == "面积120m2"
    assert list(v.positions[-2:]) == [5, 5]


def test_lone_surrogates_and_controls_do_not_crash_and_are_dropped():
    assert view("a\ud800b\x00c", "compact").text == "abc"


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, MIXED_TEXT))
def test_the_views_built_together_equal_each_view_built_alone(text):
    together = views(text)
    for name in VIEWS:
        alone = view(text, name)
        assert together[name].text == alone.text
        assert together[name].positions.tolist() == alone.positions.tolist()
        assert together[name].codes.tolist() == alone.codes.tolist()


def test_every_code_point_the_views_read_off_the_plain_view_gives_each_views_own_result():
    from reviewer.engine.normalize import _derived

    derived = _derived()
    fast = [cp for cp in range(0x110000) if not derived.slow[cp] and not 0xD800 <= cp < 0xE000]
    text = "".join(map(chr, fast))
    together = views(text)
    for name in VIEWS:
        alone = _build(text, np.frombuffer(text.encode("utf-32-le"), dtype="<u4"), _table(name))
        assert together[name].text == alone.text and together[name].positions.tolist() == alone.positions.tolist()
