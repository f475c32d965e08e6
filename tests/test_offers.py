"""Offer sentences: cues of two families in one sentence are an ad; one cue, a public programme or a regulator's quote are not."""

from __future__ import annotations

import pytest

from reviewer.config import load_settings
from reviewer.engine.core import Engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(load_settings(), classifier=False)


def offers(engine: Engine, text: str) -> list[str]:
    return [f.text for f in engine.review(text).findings if f.rule == "commercial.offer"]


def test_a_sale_with_a_shop_visit_is_an_offer_and_the_sentence_is_the_evidence(engine):
    text = "秋季上新通知。全场五折起，到店有礼，欢迎市民朋友光临！"
    assert offers(engine, text) == ["全场五折起，到店有礼，欢迎市民朋友光临"]


def test_a_spend_threshold_with_free_shipping_is_an_offer(engine):
    assert offers(engine, "本周末满200减50，全国包邮。") == ["本周末满200减50，全国包邮"]


def test_a_flat_to_let_with_its_terms_is_an_offer(engine):
    assert offers(engine, "城东小区两室一厅房屋出租，特价1500元，押一付一，拎包入住。") != []


def test_one_cue_alone_is_no_offer(engine):
    assert offers(engine, "国庆期间全市A级景区门票五折。") == []
    assert offers(engine, "政务服务大厅周六限时延长开放至下午五点。") == []


def test_a_public_programme_is_no_offer(engine):
    assert offers(engine, "第二批惠民消费券今日发放，满200减50，限时领取。") == []


def test_a_regulators_quote_of_shop_slogans_is_no_offer(engine):
    assert offers(engine, "市场监管局提醒：“全场一折”“清仓甩卖”多为先抬价后打折，请理性消费。") == []


def test_an_ad_appended_under_a_proper_notice_still_fires(engine):
    text = "区政务服务中心本周六正常办公。\n本店开业大酬宾，全场八折，进店有礼。"
    assert offers(engine, text) == ["本店开业大酬宾，全场八折，进店有礼"]


def test_every_cue_carries_one_of_its_familys_anchors():
    from reviewer.engine import offers as module

    module.anchors.cache_clear()
    module._cues.cache_clear()
    pattern, automaton, _ = module._cues()
    assert len(automaton) == len(module.anchors()) > 50 and pattern.groupindex
    assert module.enough(0b11) and not module.enough(0b10)
