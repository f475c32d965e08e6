"""The v2 classifier (issue 11): commercial, whole-word explanations, writers as CV groups, duties."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from reviewer.config import load_settings
from reviewer.engine.classifier import DEFAULT_JUDGED, LABELS, Classifier, load_default, resolve_duty
from reviewer.engine.wordgrams import tokenizer, word_spans

POST = DEFAULT_JUDGED["post"]
REPLY = DEFAULT_JUDGED["reply"]
V2 = Path(__file__).resolve().parents[1] / "models" / "corpus" / "v2"


@pytest.fixture(scope="module")
def model() -> Classifier:
    loaded = load_default()
    assert loaded is not None, "models/classifier.joblib 缺失：请运行 reviewer train"
    return loaded


def test_labels_and_judged_defaults_agree_with_the_settings() -> None:
    assert LABELS == ("commercial", "off_topic", "entertainment", "rude")
    assert DEFAULT_JUDGED == {"post": ("commercial", "off_topic", "entertainment"), "reply": ("commercial", "rude")}
    assert load_settings().classifier_labels == DEFAULT_JUDGED


def test_committed_model_was_trained_on_v2_with_words_and_writer_groups(model: Classifier) -> None:
    meta = model.metadata
    assert meta["features"]["word_vocabulary"] > 10_000 and meta["features"]["marks"] > 0
    assert "shared with the lexicon" in meta["features"]["counting"]
    writers = sorted(path.stem.removeprefix("corpus_") for path in V2.glob("corpus_*.jsonl"))
    assert len(writers) >= 10 and sorted(meta["split"]["groups"]) == writers
    assert meta["corpus_size"] >= 20_000 and meta["features"]["word_min_chars"] == 2
    assert meta["split"]["cv_folds"] == 5
    assert set(meta["thresholds"]) == set(LABELS)
    assert "commercial" in model.classes


def test_store_sale_post_is_a_commercial_finding_naming_sentence_and_words(model: Classifier) -> None:
    ad = "即日起到店购买感冒类药品买二送一，会员再享九五折，详询门店。"
    text = "市疾控中心提醒，老人和儿童应尽早接种流感疫苗。" + ad
    probs, findings = model.assess(text, duty="卫健委", judged=POST)
    ours = [f for f in findings if f.category == "commercial"]
    assert len(ours) == 1
    finding = ours[0]
    assert (finding.rule, finding.gate, finding.severity, finding.source) == (
        "classifier.commercial", "policy", "review", "classifier")
    assert finding.text == ad.rstrip("。") or finding.text == ad
    assert "分类模型判断" in finding.note and f"{probs['commercial']:.2f}" in finding.note
    assert "「" in finding.note


def test_commercial_is_judged_for_replies_too(model: Classifier) -> None:
    text = "您好，办证慢可以找我们合作的代办公司，加微信立减一百元，包过包拿证。"
    _, findings = model.assess(text, kind="reply", judged=REPLY)
    assert "commercial" in {f.category for f in findings}


def test_polite_acknowledgement_is_not_rude(model: Classifier) -> None:
    _, findings = model.assess("您好，已转相关部门办理，感谢您的反映。", kind="reply", judged=REPLY)
    assert findings == []


def test_named_phrases_are_whole_jieba_words(model: Classifier) -> None:
    cases = [("您好，这个问题不归我们管，请自行咨询相关部门。", "reply", "rude"),
             ("宝宝们～明天起个税汇算开始啦，记得去APP申报哦，么么哒～", "post", "entertainment"),
             ("本店全场八折，满200减50，欢迎到店选购，扫码加微信领券。", "post", "commercial")]
    for text, kind, label in cases:
        bounds = {a for a, _ in word_spans(text)} | {b for _, b in word_spans(text)}
        phrases = model.top_phrases(text, kind, label)
        assert phrases, label
        for phrase in phrases:
            at = text.find(phrase)
            assert at in bounds and at + len(phrase) in bounds, (label, phrase)
        assert "相关部" not in phrases


def test_sports_and_farm_accounts_are_known_duties() -> None:
    assert resolve_duty("市体育局")[0] == "体育"
    assert resolve_duty("县农业农村局")[0] == "农业农村"


def test_match_results_are_on_topic_for_a_sports_account(model: Classifier) -> None:
    text = "全市青少年篮球联赛昨日闭幕，市实验中学队以68比61夺得高中男子组冠军。"
    _, findings = model.assess(text, duty="市体育局", judged=POST)
    assert "off_topic" not in {f.category for f in findings}


def test_the_tokenizer_is_private_and_built_without_a_cache_file() -> None:
    tk = tokenizer()
    assert tk is not jieba.dt
    assert tk.initialized and tk.FREQ
    assert tk.cache_file is None
