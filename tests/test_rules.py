"""Every rule family: what it catches, the disguises it sees through, and the clean text it leaves alone."""

from pathlib import Path

import pytest

from reviewer.config import load_settings
from reviewer.engine.core import Engine

CLEAN_NOTICE = Path(__file__).parent / "data" / "clean_notice.txt"


@pytest.fixture(scope="module")
def engine():
    return Engine.from_settings(load_settings(), classifier=False)


def rules_in(engine, text, kind="post"):
    report = engine.review(text, kind=kind)
    for f in report.findings:
        assert text[f.start:f.end] == f.text
    return {f.rule for f in report.findings}


def categories_in(engine, text):
    return {f.category for f in engine.review(text).findings}


def finding(engine, text, rule):
    matches = [f for f in engine.review(text).findings if f.rule == rule]
    assert matches, f"{rule} not found in {text!r}"
    return matches[0]


# --- privacy -------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["110101199003074514", "11010519491231002X", "11010519491231002x", "610302197806153319"])
def test_id_number_with_valid_check_digit_is_blocked(engine, number):
    f = finding(engine, f"申请人身份证号：{number}，请核对。", "privacy.id_card")
    assert (f.gate, f.severity, f.text) == ("secrecy", "block", number)


def test_id_number_check_digit_is_computed_per_gb11643():
    from reviewer.engine.checksums import id_check_digit
    assert id_check_digit("11010519491231002") == "x"
    assert id_check_digit("11010119900307451") == "4"


def test_id_number_with_wrong_check_digit_is_not_reported(engine):
    assert "privacy.id_card" not in rules_in(engine, "编号110101199003074515")


def test_fifteen_digit_id_number_is_blocked(engine):
    assert "privacy.id_card" in rules_in(engine, "老身份证号码：110101900307451。")


@pytest.mark.parametrize(
    "disguise",
    ["1101 0119 9003 0745 14", "１１０１０１１９９００３０７４５１４", "1101-0119-9003-0745-14", "11010119\u200b9003074514"],
)
def test_id_number_is_found_through_disguises(engine, disguise):
    f = finding(engine, f"证件号 {disguise} 已登记", "privacy.id_card")
    assert f.text == disguise


def test_mobile_number_is_blocked(engine):
    f = finding(engine, "联系人张先生，手机13912345678。", "privacy.mobile")
    assert (f.text, f.severity) == ("13912345678", "block")


@pytest.mark.parametrize("disguise", ["139-1234-5678", "139 1234 5678", "一三九一二三四五六七八", "①③⑨12345678", "+86 139 1234 5678"])
def test_mobile_number_is_found_through_disguises(engine, disguise):
    assert "privacy.mobile" in rules_in(engine, f"请联系{disguise}。")


def test_bank_card_with_valid_luhn_digit_is_blocked(engine):
    assert "privacy.bank_card" in rules_in(engine, "请汇款至6222021234567890128，户名张三。")


def test_bank_card_with_invalid_luhn_digit_is_not_reported(engine):
    assert "privacy.bank_card" not in rules_in(engine, "编号6222021234567890129。")


def test_personal_email_is_blocked_but_office_email_is_not(engine):
    assert "privacy.email" in rules_in(engine, "简历请发送至 zhang.san@163.com。")
    assert "privacy.email" not in rules_in(engine, "来信请寄 zwgk@example.gov.cn。")


@pytest.mark.parametrize(
    "clean",
    [
        "如有疑问请拨打12345政务服务便民热线。",
        "报警请拨打110，火警119，急救120。",
        "咨询电话：0917-3262199。",
        "办公电话（0917）3262199，传真0917-3262198。",
        "根据六政办明电〔2022〕5号文件要求。",
        "依据苏政办发〔2019〕56号和国办发〔2018〕123号文件。",
        "2024年11月30日前完成，共投入资金1250000元，增长12.35%。",
        "办理时请携带本人身份证原件及复印件。",
        "截至2020年3月20日，全省共开设政务新媒体6030个。",
    ],
)
def test_hotlines_landlines_document_numbers_dates_and_amounts_are_not_privacy(engine, clean):
    assert "privacy" not in categories_in(engine, clean)


# --- secret markings -----------------------------------------------------------------------

@pytest.mark.parametrize("marking", ["机密★5年", "秘密★1年", "绝密★长期", "机密 ★ 10年", "秘密★启用前"])
def test_classification_marking_is_blocked(engine, marking):
    f = finding(engine, f"{marking}\n关于某项工作的通知", "secret_marking.classification")
    assert (f.gate, f.severity) == ("secrecy", "block")


@pytest.mark.parametrize("marking", ["【内部资料】", "（内部文件）", "[涉密]", "内部资料\n"])
def test_internal_document_marking_is_blocked(engine, marking):
    assert "secret_marking" in categories_in(engine, f"{marking}会议纪要如下")


@pytest.mark.parametrize(
    "clean",
    ["市保密局召开保密工作会议，部署年度保密工作。", "加强涉密人员管理，开展保密教育。", "严防失泄密事件，守护国家秘密安全。"],
)
def test_secrecy_as_a_topic_is_not_a_marking(engine, clean):
    assert "secret_marking" not in categories_in(engine, clean)


# --- commercial ----------------------------------------------------------------------------

def test_url_outside_the_allow_list_needs_review(engine):
    f = finding(engine, "更多优惠请访问 http://shop.example.com/sale 。", "commercial.url")
    assert (f.text, f.gate, f.severity) == ("http://shop.example.com/sale", "policy", "review")


@pytest.mark.parametrize("url", ["https://www.gov.cn/zhengce/", "www.shaanxi.gov.cn", "http://mp.weixin.qq.com/s/abc"])
def test_gov_and_official_platform_urls_are_clean(engine, url):
    assert "commercial.url" not in rules_in(engine, f"详见 {url} 。")


def test_allowed_domains_are_configurable():
    engine = Engine.from_settings(load_settings(allowed_domains="example.com"), classifier=False)
    assert "commercial.url" not in rules_in(engine, "见 http://shop.example.com 。")
    assert "commercial.url" in rules_in(engine, "见 https://www.gov.cn 。")


def test_short_link_is_reported_as_such(engine):
    assert "commercial.short_link" in rules_in(engine, "点击 http://t.cn/A6abcd 查看")


def test_full_width_url_is_found(engine):
    assert "commercial.url" in rules_in(engine, "访问ｗｗｗ．ｓｈｏｐ８８．ｃｏｍ领取")


def test_wechat_id_solicitation_is_found(engine):
    assert "commercial.wechat_id" in rules_in(engine, "详询微信：shop_888，名额有限")


@pytest.mark.parametrize("homophone", ["加薇信", "加威信", "加V信", "加vx", "加 v x", "加ｖ"])
def test_contact_homophones_are_commercial(engine, homophone):
    assert "commercial" in categories_in(engine, f"想要的{homophone}私聊")


def test_qq_solicitation_is_found(engine):
    assert "commercial.qq_id" in rules_in(engine, "团购请加QQ群：123456789")


@pytest.mark.parametrize("ad", ["限时抢购，全网最低价！", "扫码领券立减50元", "招商加盟火热进行中"])
def test_ad_vocabulary_needs_review(engine, ad):
    assert "commercial" in categories_in(engine, ad)


@pytest.mark.parametrize("disguise", ["限 时 抢 购", "限*时*抢*购", "限時搶購", "限\u200b时抢购"])
def test_ad_vocabulary_is_found_through_disguises(engine, disguise):
    assert "commercial" in categories_in(engine, disguise)


def test_a_notice_about_banning_ads_is_clean(engine):
    text = "各单位要严格落实“六严禁”要求，严禁发布商业广告和链接信息，严禁在页面底部嵌入商业信息。"
    assert engine.review(text).verdict == "pass"


# --- political expression, outdated names, typos ------------------------------------------

@pytest.mark.parametrize(
    ("wrong", "standard"),
    [("一带一路战略", "倡议"), ("北朝鲜", "朝鲜"), ("台湾总统", "台湾地区领导人")],
)
def test_non_standard_political_expression_is_blocked_with_the_standard_form(engine, wrong, standard):
    f = finding(engine, f"报道中提到{wrong}。", "lexicon.political_expression")
    assert f.gate == "political"
    assert standard in (f.suggestion or "")


def test_political_expression_in_traditional_characters_is_found(engine):
    assert "political_expression" in categories_in(engine, "臺灣總統發表講話")


@pytest.mark.parametrize(("old", "current"), [("卫计委", "卫生健康"), ("国家工商总局", "市场监督管理"), ("安监局", "应急管理")])
def test_outdated_agency_name_suggests_the_current_name(engine, old, current):
    f = finding(engine, f"会同市{old}开展检查", "lexicon.outdated_name")
    assert (f.gate, f.severity) == ("text", "review")
    assert current in (f.suggestion or "")


def test_current_agency_name_containing_an_old_one_is_clean(engine):
    assert "outdated_name" not in categories_in(engine, "示例市文化和旅游局发布冬季旅游线路")


def test_typo_suggests_the_correction(engine):
    f = finding(engine, "希望大家再接再励，取得更好成绩。", "lexicon.typo")
    assert f.suggestion == "再接再厉"


# --- illegal, opinion, restricted topics ---------------------------------------------------

def test_gambling_solicitation_is_blocked(engine):
    f = finding(engine, "网赌平台百家乐在线，日赚千元", "lexicon.illegal")
    assert (f.gate, f.severity) == ("legal", "block")


@pytest.mark.parametrize(
    "clean",
    ["警方提示：警惕刷单返利诈骗，凡是要求先垫付资金的都是诈骗。", "严厉打击网络赌博违法犯罪活动。", "珍爱生命，远离毒品。"],
)
def test_anti_crime_police_posts_are_not_illegal(engine, clean):
    assert "illegal" not in categories_in(engine, clean)


def test_personal_opinion_needs_review(engine):
    f = finding(engine, "说实话，我个人认为这个政策不太行，真是无语。", "lexicon.opinion")
    assert (f.gate, f.severity) == ("policy", "review")


def test_restricted_topic_is_information_asking_for_approval(engine):
    report = engine.review("本次事故造成死亡人数3人，直接经济损失约200万元。")
    restricted = [f for f in report.findings if f.category == "restricted_topic"]
    assert restricted and all(f.severity == "info" and f.gate == "policy" for f in restricted)
    assert report.verdict == "pass"


# --- format --------------------------------------------------------------------------------

def test_impossible_date_is_noted(engine):
    assert "format.impossible_date" in rules_in(engine, "定于2月30日召开会议")
    assert "format.impossible_date" in rules_in(engine, "2023年2月29日")
    assert "format.impossible_date" not in rules_in(engine, "2024年2月29日")


def test_unbalanced_brackets_and_quotes_are_noted(engine):
    assert "format.unbalanced" in rules_in(engine, "根据《通知（试行》要求")
    assert "format.unbalanced" in rules_in(engine, "他说：“好的。")
    assert "format.unbalanced" not in rules_in(engine, "根据《通知（试行）》要求，他说：“好的。”")


def test_doubled_punctuation_is_noted(engine):
    assert "format.repeated_punctuation" in rules_in(engine, "通知如下，，请各单位。。")
    assert "format.repeated_punctuation" not in rules_in(engine, "时间……地点——会议室")


# --- the whole engine ----------------------------------------------------------------------

def test_clean_government_notice_of_two_thousand_characters_has_nothing_to_review(engine):
    text = CLEAN_NOTICE.read_text(encoding="utf-8")
    assert len(text) >= 2000
    report = engine.review(text)
    assert [f for f in report.findings if f.severity != "info"] == []
    assert report.verdict == "pass"


def test_verdict_is_the_worst_severity(engine):
    assert engine.review("身份证号110101199003074514").verdict == "block"
    assert engine.review("访问 http://shop.example.com").verdict == "review"
    assert engine.review("天气晴").verdict == "pass"


def test_empty_text_passes_with_no_findings(engine):
    for text in ("", "   \n\t"):
        report = engine.review(text)
        assert (report.verdict, report.findings) == ("pass", [])


def test_text_over_the_limit_is_refused_clearly():
    from reviewer.errors import InputError
    engine = Engine.from_settings(load_settings(max_chars=100), classifier=False)
    with pytest.raises(InputError) as err:
        engine.review("字" * 101)
    assert err.value.code == "text_too_long"
    assert "101" in err.value.message


def test_unknown_kind_is_refused(engine):
    from reviewer.errors import InputError
    with pytest.raises(InputError, match="内容类型"):
        engine.review("文本", kind="tweet")


def test_an_engine_follows_the_settings_it_is_loaded_for():
    from reviewer.engine.core import load_engine

    custom = load_engine(load_settings(allowed_domains="shop.example.com"))
    plain = load_engine(load_settings())
    assert "commercial.url" not in {f.rule for f in custom.review("见 http://shop.example.com 。").findings}
    assert "commercial.url" in {f.rule for f in plain.review("见 http://shop.example.com 。").findings}


def test_an_allowed_official_link_is_not_read_as_a_wechat_id(engine):
    report = engine.review("详见 http://mp.weixin.qq.com/s/abc2026 。")
    assert [f.rule for f in report.findings] == []
