"""The authored lexicons keep their own invariants, independent of the loader.

The engine matches terms after normalization (NFKC, case folding, traditional to simplified,
spaces and punctuation removed), so a term that is not already in that form can never match.
The clean sentences below are real-style government text that must stay free of review and
block hits; the positive samples are phrases each family exists to catch.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files
from pathlib import Path

import pytest

from reviewer.engine.lexicon import Lexicon
from reviewer.engine.normalize import view

LEXICON_DIR = Path(str(files("reviewer.lexicons")))
FAMILIES = (
    "commercial",
    "political_expression",
    "outdated_name",
    "typo",
    "illegal",
    "opinion",
    "restricted_topic",
    "secret_marking",
)
HEADER = ["term", "category", "gate", "severity", "suggestion", "note"]
ALLOW_HEADER = ["term", "note"]
GATES = {"political", "legal", "policy", "secrecy", "text"}
SEVERITIES = {"info", "review", "block"}
MIN_ENTRIES = {
    "commercial": 200,
    "political_expression": 100,
    "outdated_name": 100,
    "typo": 200,
    "illegal": 200,
    "opinion": 200,
    "restricted_topic": 200,
    "secret_marking": 50,
}

def normalize(text: str) -> str:
    """The engine's matching form (the compact view)."""
    return view(text, "compact").text


def _data_rows(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """Split a lexicon file into its leading comments, header row and entry rows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return comments, rows[0], rows[1:]


@cache
def entries(family: str) -> list[list[str]]:
    return _data_rows(LEXICON_DIR / f"{family}.tsv")[2]


@cache
def allow_terms() -> list[str]:
    return [row[0] for row in _data_rows(LEXICON_DIR / "allow.tsv")[2]]


@cache
def category_defaults() -> dict[str, tuple[str, str]]:
    with (LEXICON_DIR / "categories.tsv").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {row["category"]: (row["gate"], row["severity"]) for row in rows}


@cache
def lexicon() -> Lexicon:
    return Lexicon.load()


def hits(text: str, severities: set[str] = frozenset({"review", "block"})) -> list[tuple[str, str]]:
    """Flagged (family, evidence) pairs the shipped lexicon finds in text, allow list applied."""
    return [(f.category, f.text) for f in lexicon().match(text, view(text, "compact"))
            if f.severity in severities]


@pytest.mark.parametrize("family", (*FAMILIES, "allow"))
def test_file_opens_with_chinese_and_english_comments(family: str) -> None:
    comments = _data_rows(LEXICON_DIR / f"{family}.tsv")[0]
    text = "\n".join(comments)
    assert len(comments) >= 3
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert any(ch.isascii() and ch.isalpha() for ch in text)


@pytest.mark.parametrize("family", FAMILIES)
def test_header_row_is_exact(family: str) -> None:
    assert _data_rows(LEXICON_DIR / f"{family}.tsv")[1] == HEADER


def test_allow_header_row_is_exact() -> None:
    assert _data_rows(LEXICON_DIR / "allow.tsv")[1] == ALLOW_HEADER


@pytest.mark.parametrize("family", FAMILIES)
def test_every_entry_has_six_columns(family: str) -> None:
    assert [row for row in entries(family) if len(row) != 6] == []


@pytest.mark.parametrize("family", FAMILIES)
def test_category_column_names_the_file_family(family: str) -> None:
    assert {row[1] for row in entries(family)} == {family}


@pytest.mark.parametrize("family", FAMILIES)
def test_gate_and_severity_are_empty_or_valid(family: str) -> None:
    bad = [row for row in entries(family) if row[2] not in GATES | {""} or row[3] not in SEVERITIES | {""}]
    assert bad == []


@pytest.mark.parametrize("family", FAMILIES)
def test_family_is_large_enough_to_be_useful(family: str) -> None:
    assert len(entries(family)) >= MIN_ENTRIES[family]


@pytest.mark.parametrize("family", FAMILIES)
def test_no_duplicate_terms(family: str) -> None:
    terms = [row[0] for row in entries(family)]
    assert sorted({t for t in terms if terms.count(t) > 1}) == []


@pytest.mark.parametrize("family", FAMILIES)
def test_no_single_character_terms(family: str) -> None:
    assert [row[0] for row in entries(family) if len(row[0]) < 2] == []


@pytest.mark.parametrize("family", (*FAMILIES, "allow"))
def test_terms_are_already_in_normalized_form(family: str) -> None:
    rows = entries(family) if family != "allow" else [[t] for t in allow_terms()]
    assert [row[0] for row in rows if normalize(row[0]) != row[0]] == []


@pytest.mark.parametrize("family", FAMILIES)
def test_every_suggestion_differs_from_its_term(family: str) -> None:
    assert [row[0] for row in entries(family) if row[4] == row[0]] == []


@pytest.mark.parametrize("family", FAMILIES)
def test_every_entry_explains_itself(family: str) -> None:
    assert [row[0] for row in entries(family) if not row[5].strip()] == []


def test_restricted_topics_are_only_informational() -> None:
    assert {row[3] for row in entries("restricted_topic")} <= {"", "info"}


@pytest.mark.parametrize("family", ("political_expression", "outdated_name", "typo"))
def test_corrective_families_always_suggest_the_standard_form(family: str) -> None:
    assert [row[0] for row in entries(family) if not row[4].strip()] == []


def test_no_duplicate_allow_phrases() -> None:
    terms = allow_terms()
    assert sorted({t for t in terms if terms.count(t) > 1}) == []


def test_every_allow_phrase_shields_some_flagged_term() -> None:
    terms = {e.term for e in lexicon().entries}
    idle = [phrase for phrase in allow_terms() if not any(term in phrase for term in terms)]
    assert idle == []


def test_no_allow_phrase_equals_a_flagged_term() -> None:
    flagged = {row[0] for family in FAMILIES for row in entries(family)}
    assert sorted(flagged & set(allow_terms())) == []


CLEAN_SENTENCES = (
    "严禁发布商业广告和链接信息，严禁发布代表个人观点和情绪的信息。",
    "部分页面底部存在商业信息，不得存在商业信息链接。",
    "公职人员未经单位同意严禁发布案件侦查调查、法庭审理与判决、灾情疫情、统计数据、环保测评等敏感信息。",
    "我局召开保密工作会议，开展保密教育，加强涉密人员管理和保密审查制度建设。",
    "宝鸡市文化和旅游局、岐山县文化和旅游局、凤县农业农村局、宝鸡市农业农村局完成整改。",
    "省文化和旅游厅、省卫生健康委、省工业和信息化厅联合发布疫情防控信息。",
    "国家税务总局宝鸡市税务局开展税收宣传月活动，市市场监督管理局开展食品安全抽检。",
    "市生态环境局、市自然资源和规划局、市应急管理局联合开展安全生产大检查。",
    "警惕刷单返利诈骗，凡是要求先垫付资金的网络刷单都是诈骗。",
    "严厉打击网络赌博违法犯罪活动，远离毒品，珍爱生命。",
    "公安机关提醒：不要出租、出借、出售自己的银行卡和电话卡，以免沦为诈骗分子的帮凶。",
    "不要轻信网上贷款、代办信用卡等虚假信息，切勿点击陌生链接。",
    "反诈民警提醒，网上所谓的兼职刷单、低价代购、游戏装备交易都可能是骗局。",
    "我们认为，这项改革有利于优化营商环境。经研究，我局认为该申请符合规定。",
    "感谢您的留言，您反映的问题我们已转交相关部门办理，请保持电话畅通。",
    "各县区要再接再厉，按部就班推进，迫不及待的心情可以理解，但要一鼓作气做好工作。",
    "我们要大力弘扬中华优秀传统文化，把伟大建党精神发扬光大。",
    "请大家通过淘宝、京东等正规平台购物时注意保护个人信息，谨防网络购物诈骗。",
    "市消防救援支队开展消防安全宣传进社区活动。",
    "县乡村振兴局会同县财政局开展巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作。",
    "坚持一个中国原则，台湾是中国领土不可分割的一部分，坚决反对台独分裂行径。",
    "推动共建“一带一路”高质量发展，深化与沿线国家的互利合作。",
    "国务院台湾事务办公室发言人表示，两岸同胞血脉相连。",
    "香港特别行政区和澳门特别行政区保持长期繁荣稳定。",
    "本次招聘面向社会公开，报名不收取任何费用，请考生扫码关注官方公众号获取通知。",
    "市医疗保障局提醒参保群众按时缴纳城乡居民医疗保险费。",
    "全市政府系统政务新媒体共330个，合格率为82%。",
    "为做好防汛工作，市应急管理局发布暴雨橙色预警，请市民减少外出。",
    "县人民法院依法公开审理一起民间借贷纠纷案件。",
    "欢迎广大市民积极参与，共建共享美好家园。",
    "要坚决关停注销僵尸账号、空壳账号，确保在本月底前完成注销。",
    "做好本职工作，不断提升为民服务水平，时代购物中心周边道路将临时管制。",
    "该项目已通过环境影响评价审批，施工期间将采取降尘措施。",
    "市政府召开常务会议，研究部署下一阶段重点工作。",
    "网民留言称小区门口道路破损，我们已安排施工单位尽快修复。",
)


@pytest.mark.parametrize("sentence", CLEAN_SENTENCES)
def test_clean_government_sentence_raises_nothing(sentence: str) -> None:
    assert hits(sentence) == []


POSITIVES = (
    ("本店限时抢购，全网最低价，扫码领券立减！", "commercial"),
    ("有意者请加微信详谈。", "commercial"),
    ("加盟热线：招商加盟火热进行中", "commercial"),
    ("本文由某某公司赞助，广告合作请联系小编。", "commercial"),
    ("台湾总统在记者会上表示", "political_expression"),
    ("我国积极推进一带一路战略", "political_expression"),
    ("北朝鲜再次试射导弹", "political_expression"),
    ("请到县卫计局办理相关手续", "outdated_name"),
    ("市国土资源局发布公告", "outdated_name"),
    ("县安监局开展检查", "outdated_name"),
    ("希望大家再接再励", "typo"),
    ("大家迫不急待地想看到成果", "typo"),
    ("百家乐在线真人娱乐，注册就送", "illegal"),
    ("高价收购银行卡，出租银行卡日结", "illegal"),
    ("出售仿真枪，货到付款", "illegal"),
    ("我个人认为这事不怪我们", "opinion"),
    ("真是气死了，太无语了", "opinion"),
    ("内部资料注意保存，请勿外传", "secret_marking"),
    ("此件为绝密文件", "secret_marking"),
)


@pytest.mark.parametrize(("text", "family"), POSITIVES)
def test_family_catches_its_own_examples(text: str, family: str) -> None:
    assert family in {found_family for found_family, _ in hits(text)}


@pytest.mark.parametrize(
    "text", ("犯罪嫌疑人已被刑事拘留", "本次地震造成直接经济损失约3亿元", "新增确诊病例12例")
)
def test_restricted_topics_surface_as_information(text: str) -> None:
    assert ("restricted_topic" in {f for f, _ in hits(text, {"info"})})
