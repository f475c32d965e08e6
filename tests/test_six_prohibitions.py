"""The 六严禁 rules that read context: 三安全一稳定 (stability), unmarked work secrets (secret_content),
casualty and case figures (restricted_topic.casualties) and the official URL domains kept as data.

Each rule is checked both ways with real-style sentences: what it exists to catch, and the ordinary
government text about the same subject that it must leave alone.
"""

import re
from pathlib import Path

import pytest

from reviewer import review
from reviewer.config import DEFAULT_ALLOWED_DOMAINS, load_settings
from reviewer.engine.core import Engine

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CLEAN_NOTICE = Path(__file__).parent / "data" / "clean_notice.txt"


@pytest.fixture(scope="module")
def engine():
    return Engine.from_settings(load_settings(), classifier=False)


def findings(engine, text, **match):
    """Findings of ``text`` whose attributes equal ``match``; every one points at its evidence."""
    found = engine.review(text).findings
    for f in found:
        assert text[f.start:f.end] == f.text
    return [f for f in found if all(getattr(f, k) == v for k, v in match.items())]


def flagged(engine, text):
    """Findings that hold a text back (review or block)."""
    return [(f.category, f.text) for f in engine.review(text).findings if f.severity != "info"]


# --- 三安全一稳定 -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("昨日下午，某村发生一起群体性事件，数十名村民聚集围堵镇政府大门。", "群体性事件"),
        ("部分业主在售楼处静坐示威，要求开发商退还房款。", "静坐示威"),
        ("一些人员在县城广场非法集会，现场秩序混乱。", "非法集会"),
        ("双方冲突致3人受伤，派出所民警已赶赴现场。", "冲突致"),
        ("十余名工人聚众堵路讨要工资，造成交通中断两小时。", "聚众堵路"),
        ("有人在现场打砸车辆，公安机关正在调查。", "打砸"),
    ],
)
def test_stability_events_need_review(engine, text, evidence):
    found = findings(engine, text, category="stability")
    assert evidence in {f.text for f in found}
    assert all((f.gate, f.severity, f.rule) == ("policy", "review", "lexicon.stability") for f in found)
    assert all("三安全一稳定" in (f.note or "") for f in found)
    assert engine.review(text).verdict == "review"


@pytest.mark.parametrize(
    "clean",
    [
        "镇综治中心坚持和发展新时代“枫桥经验”，积极化解矛盾纠纷，今年已调解矛盾纠纷230件。",
        "各地要深入开展矛盾纠纷排查化解，做好信访工作，维护社会稳定。",
        "市委政法委召开平安建设工作会议，部署节日期间维稳安保工作。",
        "4月15日是全民国家安全教育日，我们要增强国家安全意识。",
        "县信访局开展领导干部接访下访活动，现场解决群众诉求12件。",
        "交警提示：早高峰期间以下拥堵路段请绕行，请市民避免人员聚集。",
        "县人社局帮助农民工追回欠薪120万元，根治欠薪工作取得成效。",
    ],
)
def test_work_on_stability_is_not_a_stability_event(engine, clean):
    assert flagged(engine, clean) == []


# --- 两秘密：没有标识的工作秘密 ----------------------------------------------------------------

def test_unmarked_work_secret_needs_review_at_the_secrecy_gate(engine):
    text = "本单位工作秘密：下周一突击检查辖区餐饮店。"
    found = findings(engine, text, category="secret_content")
    assert {f.text for f in found} == {"本单位工作秘密", "下周一突击检查"}
    assert all((f.gate, f.severity) == ("secrecy", "review") for f in found)
    assert {f.rule for f in found} == {"lexicon.secret_content", "secret_content.inspection_ahead"}
    assert all(f.note and f.suggestion for f in found)
    assert engine.review(text).verdict == "review"


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("市场监管局将于下月开展突击检查，重点检查学校周边食品店。", "将于下月开展突击检查"),
        ("明天上午暗访城区各农贸市场，请各组提前做好准备。", "明天上午暗访"),
        ("请各组按暗访路线行动，检查组行程不得对外透露。", "暗访路线"),
        ("今晚查酒驾点位设在人民路与解放路交叉口。", "查酒驾点位"),
        ("该项目招标标底为860万元。", "招标标底"),
        ("以下内容暂不对外公开，请各科室知悉。", "暂不对外公开"),
    ],
)
def test_unpublished_arrangements_are_work_secrets(engine, text, evidence):
    found = findings(engine, text, category="secret_content")
    assert evidence in {f.text for f in found}
    assert all(f.gate == "secrecy" for f in found)


@pytest.mark.parametrize(
    "clean",
    [
        "我局召开保密工作会议，加强保密教育，提高干部职工保密意识。",
        "组织干部职工学习保密法，增强保守国家秘密和工作秘密的意识。",
        "今日，市场监管局对辖区餐饮店开展突击检查，查处问题3个，已责令整改。",
        "市政务公开办公室将于12月上旬对全市政府系统政务新媒体开展第四季度检查。",
        "本次招标公告已在公共资源交易平台公开发布，欢迎符合条件的企业参与。",
    ],
)
def test_secrecy_work_and_past_inspections_are_clean(engine, clean):
    assert findings(engine, clean, category="secret_content") == []
    assert flagged(engine, clean) == []


# --- 灾情、案件数字 --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("地震已造成12人死亡。", "12人死亡"),
        ("事故致3人受伤，伤者已送医。", "3人受伤"),
        ("截至目前，仍有5人失联。", "5人失联"),
        ("山体滑坡造成十二人死亡。", "十二人死亡"),
        ("车辆侧翻，两名乘客受伤。", "两名乘客受伤"),
        ("据通报，死亡人数已升至8人。", "死亡人数已升至8人"),
        ("事故共造成1死2伤。", "1死2伤"),
        ("警方依法刑事拘留7人。", "刑事拘留7人"),
        ("专案组抓获犯罪嫌疑人4名。", "抓获犯罪嫌疑人4名"),
        ("今年以来破获刑事案件12起。", "破获刑事案件12起"),
        ("今年共侦破电信网络诈骗案件5起。", "侦破电信网络诈骗案件5起"),
        ("近日，警方破获3起盗窃案。", "破获3起盗窃案"),
    ],
)
def test_casualty_and_case_figures_are_information(engine, text, figure):
    found = findings(engine, text, rule="restricted_topic.casualties")
    assert figure in {f.text for f in found}
    assert all((f.category, f.gate, f.severity, f.source) == ("restricted_topic", "policy", "info", "pattern")
               for f in found)
    assert all(f.note == "灾情/案件数据需经单位同意后发布" for f in found)
    assert engine.review(text).verdict == "pass"


@pytest.mark.parametrize(
    "clean",
    [
        "2023年全市接待游客1200万人次，同比增长12.5%。",
        "咨询电话：0917-3262199，12345政务服务便民热线全天接听。",
        "2022年全市共有12名同志受到表彰，三名学生获得一等奖。",
        "省应急管理厅组织开展地震应急演练，模拟营救被困人员。",
        "大家一起研究方案，共同推进项目建设。",
        "截至2020年3月20日，全省共开设政务新媒体6030个。",
    ],
)
def test_years_phone_numbers_and_other_figures_are_not_casualties(engine, clean):
    assert findings(engine, clean, rule="restricted_topic.casualties") == []


def test_figures_can_be_read_through_the_public_entry_point():
    report = review("地震已造成12人死亡，致3人受伤，5人失联。")
    figures = [f["text"] for f in report["findings"] if f["rule"] == "restricted_topic.casualties"]
    assert figures == ["12人死亡", "3人受伤", "5人失联"]
    assert report["verdict"] == "pass"


# --- 官方网址域名 ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    ["https://www.ustc.edu.cn/", "https://www.12306.cn/", "http://www.news.cn/politics/", "https://www.gmw.cn/",
     "https://news.cctv.cn/", "https://www.gov.cn/zhengce/", "http://mp.weixin.qq.com/s/abc"],
)
def test_official_domains_are_not_commercial_links(engine, url):
    assert findings(engine, f"详见 {url} 。", rule="commercial.url") == []


@pytest.mark.parametrize("url", ["http://shop.example.com", "http://www.example.org.cn/", "https://edu.cn.example.com/"])
def test_other_domains_are_still_commercial_links(engine, url):
    assert [f.text for f in findings(engine, f"详见 {url} 。", rule="commercial.url")] == [url]


def test_default_domains_come_from_the_shipped_data_file():
    assert {"gov.cn", "edu.cn", "12306.cn", "people.com.cn", "xinhuanet.com", "cctv.cn"} <= set(DEFAULT_ALLOWED_DOMAINS)
    assert "org.cn" not in DEFAULT_ALLOWED_DOMAINS
    assert all(d == d.lower() and d.strip() == d for d in DEFAULT_ALLOWED_DOMAINS)
    assert load_settings().allowed_domains == DEFAULT_ALLOWED_DOMAINS


def test_environment_still_replaces_the_default_domains(monkeypatch):
    monkeypatch.setenv("REVIEWER_ALLOWED_DOMAINS", "Example.com")
    engine = Engine.from_settings(load_settings(), classifier=False)
    assert findings(engine, "见 http://shop.example.com 。", rule="commercial.url") == []
    assert findings(engine, "见 https://www.ustc.edu.cn/ 。", rule="commercial.url") != []


# --- 种子通知与干净样文 ------------------------------------------------------------------------

def _paragraphs():
    texts = [CLEAN_NOTICE.read_text(encoding="utf-8")]
    for path in sorted(SEEDS.glob("*.txt")):
        texts += [p for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
    return texts


def test_seed_notices_give_the_new_rules_nothing_to_hold_back(engine):
    new = {"stability", "secret_content"}
    held = [(f.category, f.text) for text in _paragraphs() for f in engine.review(text).findings
            if f.category in new or f.rule == "restricted_topic.casualties"]
    assert held == []
