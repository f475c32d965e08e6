"""The offer rule's anchors ride on the lexicon's walk: the gate it settles lets every offer
through that the rule's own automaton lets through, and the findings are the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.config import load_settings
from reviewer.engine import offers
from reviewer.engine.core import Engine
from reviewer.engine.lexicon import Lexicon
from reviewer.engine.normalize import view
from reviewer.engine.riders import Riders

REPO = Path(__file__).resolve().parents[1]
ADS = ["秋季上新通知。全场五折起，到店有礼，欢迎市民朋友光临！", "本周末满200减50，全国包邮。",
       "城东小区两室一厅房屋出租，特价1500元，押一付一，拎包入住。", "本店开业大酬宾，全场八折，进店有礼。",
       "暑期小班教学报名中，名师授课，试听免费，报名热线见海报。", "宝妈兼职日结，在家赚钱，时薪30，加微信咨询。",
       "限时抢购！扫码下单立减20元，数量有限，先到先得。", "国庆期间全市A级景区门票五折。",
       "第二批惠民消费券今日发放，满200减50，限时领取。", "到。店 有礼，全场 五 折"]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(load_settings(), classifier=False)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = [json.loads(line) for f in sorted((REPO / "models" / "evaluation").glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()[::15] if line.strip()]
    return ADS + [r["text"] for r in rows]


def test_every_key_is_given_once_and_the_classifiers_keep_their_numbers() -> None:
    classifier = ("", "扫码", "工作", "", "下单了")
    riders = Riders.build(classifier)
    walked = [k for k in riders.keys if k]
    assert riders.keys[:5] == classifier and len(walked) == len(set(walked))
    assert riders.families[1] == offers.anchors()["扫码"] and riders.families[2] == 0
    assert set(riders.keys[5:]) == {view(a, "compact").text for a in offers.anchors()} - {"扫码"}


def test_the_walk_gate_passes_every_text_the_offer_automaton_passes(engine: Engine, texts) -> None:
    lexicon, riders = engine.lexicon, engine.riders
    for text in texts:
        found = lexicon.features_found(lexicon.scan(view(text, "compact").text))
        if offers.gate(view(text, "plain")):
            assert riders.offer_gate(found), text


def test_review_with_the_anchors_on_the_walk_equals_review_without(engine: Engine, texts) -> None:
    apart = Engine(engine.settings, Lexicon.load(), engine.categories, None, engine.known_leaders)
    assert engine._riding is not None and apart._riding is None
    for text in texts:
        assert engine.review(text).findings == apart.review(text).findings, text


def test_an_offer_is_found_on_the_walk(engine: Engine) -> None:
    rules = {f.rule for f in engine.review(ADS[0]).findings}
    assert offers.RULE in rules
