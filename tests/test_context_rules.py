"""Rules that read the sentence: former names, political pairs, and quotes inside warnings.

Each rule is shown both ways: the sentence that makes a term harmless, and the present-use
sentence where it is still a problem.
"""

from __future__ import annotations

import pytest

from reviewer import review


def findings(text: str, category: str) -> list[dict]:
    return [f for f in review(text)["findings"] if f["category"] == category]


def severities(text: str, category: str) -> list[str]:
    return [f["severity"] for f in findings(text, category)]


@pytest.mark.parametrize("text", [
    "原国土资源部已于2018年撤销。",
    "该地块2015年由县国土资源局办理出让手续。",
    "2017年，县质监局已出具检测报告。",
    "国土资源局（现自然资源局）负责此事。",
    "县国土资源局更名为县自然资源局。",
    "机构改革前，县工商局负责此项登记。",
    "原县卫计局的档案已移交。",
])
def test_a_former_name_marked_as_former_is_only_a_notice(text):
    assert severities(text, "outdated_name") == ["info"]
    assert "原名称或历史表述" in findings(text, "outdated_name")[0]["note"]


@pytest.mark.parametrize("text", ["请到县国土资源局办理不动产登记。", "2026年起请到县国土资源局办理。",
                                  "县质监局将开展抽查。"])
def test_a_former_name_in_present_use_still_needs_review(text):
    assert severities(text, "outdated_name") == ["review"]


@pytest.mark.parametrize(("text", "evidence"), [
    ("欢迎中国、台湾、日本等国家的游客。", "台湾、日本等国家"),
    ("中港两地将加强合作。", "中港两地"),
    ("中台两地往来频繁。", "中台两地"),
    ("中国和台湾的学者参加了研讨。", "中国和台湾"),
    ("亚洲国家如日本、韩国、台湾都派代表参加。", "国家如日本、韩国、台湾"),
])
def test_a_region_listed_among_countries_or_beside_china_is_a_political_finding(text, evidence):
    found = findings(text, "political_expression")
    assert evidence in [f["text"] for f in found]
    assert all(f["gate"] == "political" and f["severity"] == "block" for f in found)


@pytest.mark.parametrize("text", [
    "台湾地区领导人选举结果公布后，两岸交流继续。",
    "内地与香港的合作不断深化。",
    "海峡两岸同胞血脉相连。",
    "中国台湾地区的游客可凭台胞证入境。",
    "香港等国际化大都市的经验值得借鉴。",
    "来自50多个国家和地区的嘉宾出席。",
])
def test_the_correct_forms_stay_clean(text):
    assert findings(text, "political_expression") == []


@pytest.mark.parametrize("text", [
    "警惕！骗子要求您扫码添加其微信，转账后即拉黑。",
    "反诈提醒：“名牌包包一折起，加V看图”都是诈骗话术。",
    "凡是要求加微信领取补贴的都是诈骗。",
])
def test_fraudsters_words_quoted_in_a_warning_are_only_a_notice(text):
    found = findings(text, "commercial")
    assert found and all(f["severity"] == "info" for f in found)
    assert "警示内容" in found[0]["note"]


def test_an_ad_appended_under_a_warning_still_fires():
    text = "反诈提醒：凡是要求加微信的都是诈骗。\n本店新品上市，加微信xyz2026订购。"
    found = findings(text, "commercial")
    assert [f["severity"] for f in found if f["start"] < text.index("\n")] == ["info"]
    assert "review" in [f["severity"] for f in found if f["start"] > text.index("\n")]
    assert review(text)["verdict"] == "review"
