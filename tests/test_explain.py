"""测试词条: every lexicon hit with its entry, the normalization that made it match, and what became of it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.engine.core import Engine
from reviewer.engine.explain import explain


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(load_settings(), classifier=False)


def trace(engine: Engine, text: str, term: str):
    return next(t for t in explain(engine, text).traces if t.term == term)


def test_a_reported_hit_names_its_entry_and_the_separators_removed(engine):
    t = trace(engine, "请加 * 薇 * 信了解详情", "加薇信")
    assert t.outcome == "reported" and t.evidence == "加 * 薇 * 信"
    assert t.entries[0].category == "commercial" and t.entries[0].origin.startswith("commercial.tsv:")
    assert "去掉“*”（空格、标点或符号）" in t.steps


def test_traditional_characters_are_named_as_the_step_that_matched(engine):
    t = trace(engine, "請到縣國土資源局辦理", "国土资源局")
    assert t.outcome == "reported" and "繁体或异体“國”按“国”匹配" in t.steps


def test_a_hit_inside_an_allow_phrase_names_the_phrase_and_its_file(engine):
    t = trace(engine, "市文化和旅游局发布通知", "旅游局")
    assert t.outcome == "allowed" and "和旅游局" in t.why and "allow.tsv" in t.why


def test_a_hit_across_a_word_boundary_names_jiebas_words(engine):
    t = trace(engine, "增加微信推送频次", "加微信")
    assert t.outcome == "straddles" and "增加/微/信/推送" in t.why


def test_a_shorter_term_inside_a_reported_longer_one_says_so(engine):
    t = trace(engine, "加微信好友了解", "加微信")
    assert t.outcome == "nested" and "加微信好友" in t.why


def test_the_command_adds_the_explanation_to_its_json():
    result = CliRunner().invoke(main, ["check", "-", "--format", "json", "--explain"], input="本周增加微信推送频次".encode())
    assert result.exit_code in (0, 1), result.output  # the classifier may still have its say
    [t] = json.loads(result.output)["explain"]
    assert (t["term"], t["outcome"], t["outcome_name"]) == ("加微信", "straddles", "跨越分词边界，不报")
