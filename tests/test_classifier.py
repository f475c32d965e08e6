"""The committed classifier: what it flags, what it leaves alone, and how it explains itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.engine.classifier import DEFAULT_JUDGED, LABELS, Classifier, load_default, resolve_duty
from reviewer.engine.findings import Finding
from reviewer.engine.training import decide

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
CORPUS = REPO / "models" / "corpus" / "v2"
POST = DEFAULT_JUDGED["post"]


@pytest.fixture(scope="module")
def model() -> Classifier:
    loaded = load_default()
    assert loaded is not None, "models/classifier.joblib 缺失：请运行 reviewer train"
    return loaded


def categories(findings: list[Finding]) -> set[str]:
    return {f.category for f in findings}


def test_assess_returns_a_probability_for_every_label(model: Classifier) -> None:
    probs, _ = model.assess("市气象台发布暴雨黄色预警，请注意防范。")
    assert set(probs) == set(LABELS)
    assert all(0.0 <= p <= 1.0 for p in probs.values())


def test_rude_reply_is_flagged_with_the_finding_contract(model: Classifier) -> None:
    text = "不归我们管，别在这里问了。"
    _, findings = model.assess(text, kind="reply", judged=("rude",))
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.category, finding.gate, finding.severity, finding.source) == (
        "rude", "policy", "review", "classifier")
    assert finding.rule == "classifier.rude"
    assert finding.text == text[finding.start:finding.end]
    assert finding.suggestion


def test_politely_worded_brush_off_is_still_rude(model: Classifier) -> None:
    _, findings = model.assess("您好，这个问题请自行查询，谢谢。", kind="reply", judged=("rude",))
    assert categories(findings) == {"rude"}


def test_firm_referral_to_the_right_department_is_not_rude(model: Classifier) -> None:
    text = "您好，此事由区住建局物业科负责，联系电话已私信发您，我们也已将您的留言转交该局，请留意回复。"
    _, findings = model.assess(text, kind="reply", judged=("rude",))
    assert findings == []


def test_cute_talk_in_official_style_is_entertainment(model: Classifier) -> None:
    text = "宝宝们～明天起个税汇算开始啦，记得去APP申报哦，么么哒～"
    _, findings = model.assess(text, judged=POST)
    assert categories(findings) == {"entertainment"}


def test_explanation_names_the_phrases_and_the_probability(model: Classifier) -> None:
    probs, findings = model.assess("宝宝们～明天起个税汇算开始啦，记得去APP申报哦，么么哒～", judged=POST)
    note = findings[0].note
    assert "么么哒" in note
    assert f"{probs['entertainment']:.2f}" in note


def test_anti_fraud_post_with_money_links_and_wechat_is_clean(model: Classifier) -> None:
    text = ("反诈提醒：有人通过微信发来“退款链接”，要求输入银行卡号和验证码并转账到“安全账户”，"
            "这是诈骗！请勿点击，如有疑问拨打96110。")
    _, findings = model.assess(text, duty="公安局", judged=POST)
    assert findings == []


def test_warm_festival_greeting_is_clean(model: Classifier) -> None:
    _, findings = model.assess("中秋佳节，月圆人团圆。向坚守岗位的同志们致敬，祝全市人民节日快乐、阖家幸福！",
                               judged=POST)
    assert findings == []


def test_celebrity_gossip_is_off_topic_without_any_duty(model: Classifier) -> None:
    _, findings = model.assess("某顶流明星官宣离婚，双方工作室连夜发声明，粉丝们怎么看？", judged=POST)
    assert categories(findings) == {"off_topic"}


def test_scenic_spot_promotion_is_on_topic_for_a_tourism_account(model: Classifier) -> None:
    text = "春暖花开，十里桃花已经盛开，欢迎大家来景区踏青赏花，本地居民凭身份证享受门票半价。"
    _, findings = model.assess(text, duty="市文化和旅游局", judged=POST)
    assert findings == []


def test_scenic_spot_promotion_is_off_topic_for_a_tax_account(model: Classifier) -> None:
    text = "春暖花开，十里桃花已经盛开，欢迎大家来景区踏青赏花，本地居民凭身份证享受门票半价。"
    _, findings = model.assess(text, duty="国家税务总局某市税务局", judged=POST)
    assert categories(findings) == {"off_topic"}
    assert "文旅" in findings[0].note


def test_generalist_account_is_never_steered() -> None:
    assert resolve_duty("某某街道办事处") is None
    assert resolve_duty("县人民政府办公室") is None


def test_free_text_duty_resolves_to_the_longest_alias() -> None:
    department, allowed = resolve_duty("负责本市城乡居民医疗保险的经办服务")
    assert department == "医保"
    assert "卫健" in allowed


def test_finding_covers_only_the_offending_sentence(model: Classifier) -> None:
    proper = "市医保局通知：城乡居民医保集中参保缴费期为九月至十二月，请参保人按时缴费。"
    cute = "今晚小编追剧追到哭，家人们快来安慰我呜呜呜～"
    text = proper + cute
    _, findings = model.assess(text, duty="医保局", judged=POST)
    assert [f.category for f in findings] == ["entertainment"]
    assert findings[0].text == cute


def test_judged_labels_limit_the_findings_not_the_probabilities(model: Classifier) -> None:
    probs, findings = model.assess("不归我们管，别在这里问了。", kind="reply", judged=POST)
    assert findings == []
    assert probs["rude"] >= model.thresholds["rude"]


def test_too_short_a_text_gets_no_finding(model: Classifier) -> None:
    _, findings = model.assess("16", judged=POST)
    assert findings == []


def test_unknown_kind_is_refused_in_chinese(model: Classifier) -> None:
    with pytest.raises(ValueError, match="未知的文本类型"):
        model.assess("你好", kind="comment")


def test_unknown_label_is_refused_in_chinese(model: Classifier) -> None:
    with pytest.raises(ValueError, match="未知的分类标签"):
        model.assess("你好", judged=("spam",))


def test_committed_metadata_meets_the_quality_bar(model: Classifier) -> None:
    """Leave-one-writer-out CV on the v2 corpus: every fold is judged on a writer it never saw.

    The bars sit just under the committed model's figures (models/README.md), so a retrain that
    loses ground fails; off_topic is far from the issue's target and the bar says so honestly.
    """
    meta = model.metadata
    bars = {"commercial": 0.80, "off_topic": 0.40, "entertainment": 0.70, "rude": 0.90}
    for label in LABELS:
        assert meta["cv"]["labels"][label]["f1"] >= bars[label], label
        assert meta["cv"]["labels"][label]["precision"] >= 0.85, label
    assert meta["cv"]["clean_pass_rate"] >= 0.97


def test_clean_corpus_posts_and_replies_pass(model: Classifier) -> None:
    """The clean v2 rows (seen in training: a floor, not a generalisation figure)."""
    rows = [json.loads(line) for path in sorted(CORPUS.glob("corpus_*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    clean = [r for r in rows if r["label"] == "ok"]
    passed = [decide(model.score(r["text"], r["kind"], r.get("department")).probs, r["kind"], model.thresholds)
              == "ok" for r in clean]
    assert len(clean) > 3000
    assert sum(passed) / len(passed) >= 0.97


def test_seed_documents_raise_no_classifier_finding(model: Classifier) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"真实政务文本目录不存在：{SEEDS}")
    paragraphs = [line.strip() for path in sorted(SEEDS.glob("*.txt"))
                  for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert paragraphs
    flagged = [p for p in paragraphs if model.assess(p, kind="post", judged=POST)[1]]
    assert flagged == []


def test_a_deployments_categories_file_sets_the_gate_of_classifier_findings(tmp_path) -> None:
    from reviewer.config import load_settings
    from reviewer.engine import Engine

    (tmp_path / "categories.tsv").write_text(
        "category\tgate\tseverity\tname\tcovers\nrude\ttext\tblock\t雷人雷语\t本单位把粗鲁回复列为禁止发布\n",
        encoding="utf-8")
    text = "你自己不会看公告吗？别再来烦我们了。"
    shipped = Engine.from_settings(load_settings()).review(text, kind="reply")
    custom = Engine.from_settings(load_settings(lexicon_dirs=str(tmp_path))).review(text, kind="reply")
    assert [(f.gate, f.severity) for f in shipped.findings if f.category == "rude"] == [("policy", "review")]
    assert [(f.gate, f.severity) for f in custom.findings if f.category == "rude"] == [("text", "block")]
    assert custom.verdict == "block"
