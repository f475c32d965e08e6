"""Training on a small slice of the corpus: metadata, hash refusal, feedback and the CLI."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from reviewer.cli import main
from reviewer.engine.classifier import LABELS, Classifier, CorpusError, ModelError, sha256_file
from reviewer.engine.training import fit, load_corpus, read_jsonl

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parents[1] / "models" / "corpus" / "v2"


def small_rows(per_cell: int = 8) -> list[dict]:
    """A few rows of every label of every writer (kind too), so each fold keeps every label and subject.

    The writer becomes the row's ``group``, as ``load_corpus`` does for ``corpus_<writer>.jsonl``.
    """
    cells: dict[tuple[str, str, str], list[dict]] = {}
    for path in sorted(CORPUS.glob("corpus_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["group"] = path.stem.removeprefix("corpus_")
                cells.setdefault((row["group"], row["label"], row["kind"]), []).append(row)
    rng = random.Random(3)
    return [row for key in sorted(cells) for row in rng.sample(cells[key], min(per_cell, len(cells[key])))]


def features(model: Classifier, texts: list[str], kinds: list[str]) -> sp.csr_matrix:
    """The feature matrix as scikit-learn computes it: each block's TfidfTransformer on its counts."""
    blocks = model.metadata["_sklearn"][0]
    counts = model.vocabulary.count_matrix(texts, kinds)
    return sp.hstack([t.transform(counts[:, cols])
                      for t, cols in zip(blocks, model.vocabulary.blocks(), strict=True)]).tocsr()


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("small")
    corpus = root / "corpus"
    write_jsonl(corpus / "corpus.jsonl", small_rows())
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--out", str(root / "out"), "--seed", "0"])
    assert result.exit_code == 0, result.output
    return {"root": root, "corpus": corpus, "out": root / "out", "output": result.output}


def test_train_prints_cross_validated_and_held_out_scores(trained: dict) -> None:
    output = trained["output"]
    assert "交叉验证" in output and "留出测试集" in output
    for label in LABELS:
        assert output.count(label) >= 2


def test_metadata_records_hashes_versions_thresholds_and_scores(trained: dict) -> None:
    meta = json.loads((trained["out"] / "classifier.json").read_text(encoding="utf-8"))
    assert meta["model_sha256"] == sha256_file(trained["out"] / "classifier.joblib")
    assert meta["corpus_sha256"] == load_corpus(trained["corpus"])[1]
    assert {"python", "scikit-learn", "numpy", "scipy", "joblib"} <= set(meta["versions"])
    assert set(meta["thresholds"]) == set(LABELS)
    assert all(0 < t < 1 for t in meta["thresholds"].values())
    assert set(meta["cv"]["labels"]) == set(LABELS)
    assert all("f1" in m and "precision" in m and "recall" in m for m in meta["cv"]["labels"].values())
    # writers are the groups: leave one writer out, no held-out group (models/evaluation is the test)
    assert meta["test"] is None
    writers = {path.stem.removeprefix("corpus_") for path in CORPUS.glob("corpus_*.jsonl")}
    assert set(meta["cv_by_group"]) == set(meta["split"]["groups"]) == writers
    assert meta["features"]["word_vocabulary"] > 0 and meta["features"]["marks"] > 0


def test_same_corpus_and_seed_give_the_same_model(trained: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["train", "--corpus", str(trained["corpus"]), "--out", str(tmp_path),
                                       "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert sha256_file(tmp_path / "classifier.joblib") == sha256_file(trained["out"] / "classifier.joblib")


def test_model_whose_hash_differs_from_its_metadata_is_refused(trained: dict, tmp_path: Path) -> None:
    shutil.copy(trained["out"] / "classifier.json", tmp_path / "classifier.json")
    data = (trained["out"] / "classifier.joblib").read_bytes()
    (tmp_path / "classifier.joblib").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ModelError, match="拒绝加载"):
        Classifier.load(tmp_path / "classifier.joblib")


def test_model_without_metadata_is_refused(trained: dict, tmp_path: Path) -> None:
    shutil.copy(trained["out"] / "classifier.joblib", tmp_path / "classifier.joblib")
    with pytest.raises(ModelError, match="元数据"):
        Classifier.load(tmp_path)


def test_fast_scoring_matches_scikit_learn() -> None:
    model = fit(small_rows(per_cell=3))
    _, svc, topic = model.metadata["_sklearn"]
    for text, kind in (("宝宝们～今天也要乖乖交税哦", "post"), ("请自行查询，别问了。", "reply"),
                       ("ＡＢＣ全角字母与半角abc", "post"), ("本店全场八折，满100元减20元", "post")):
        x = features(model, [text], [kind])
        assert model.margins(text, kind).classes == pytest.approx(svc.decision_function(x)[0], abs=1e-5)
        cols, w = model._vector(text, kind)
        assert len(cols) == x.nnz
        topic_margins = w @ model.topic_coef[:, cols].T + model.topic_intercept
        assert topic_margins == pytest.approx(topic.decision_function(x)[0], abs=1e-5)


def test_feedback_decisions_map_to_labels(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "fb.jsonl", [
        {"text": "亲们快来点赞哦", "label": "entertainment", "decision": "confirmed"},
        {"text": "欢迎参加义务植树活动", "label": "off_topic", "decision": "false_alarm"},
        {"text": "懒得解释，自己看", "label": "rude", "decision": "missed"},
    ])
    rows = read_jsonl(path, feedback=True)
    assert [r["label"] for r in rows] == ["entertainment", "ok", "rude"]
    assert [r["kind"] for r in rows] == ["post", "post", "reply"]


def test_feedback_with_an_unknown_decision_names_the_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "fb.jsonl", [
        {"text": "亲们快来点赞哦", "label": "entertainment", "decision": "confirmed"},
        {"text": "你好", "label": "rude", "decision": "maybe"},
    ])
    with pytest.raises(CorpusError, match="第 2 行"):
        read_jsonl(path, feedback=True)


def test_train_with_feedback_adds_it_to_the_corpus_and_reports_before_and_after(trained: dict,
                                                                                 tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(trained["corpus"], corpus)
    shutil.copytree(trained["out"], tmp_path / "out")
    feedback = write_jsonl(tmp_path / "fb.jsonl", [
        {"text": "各位亲亲，本局今天也超努力哒，快夸夸我们嘛", "label": "entertainment", "decision": "missed"},
        {"text": "欢迎市民参加周六的义务植树活动", "label": "off_topic", "decision": "false_alarm"},
    ])
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--out", str(tmp_path / "out"),
                                       "--feedback", str(feedback)])
    assert result.exit_code == 0, result.output
    assert "反馈前" in result.output and "反馈后" in result.output
    added = read_jsonl(corpus / "feedback.jsonl")
    assert [(r["label"], r["group"]) for r in added] == [("entertainment", "feedback"), ("ok", "feedback")]


def test_eval_prints_scores_and_a_confusion_matrix(trained: dict, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "mine.jsonl", [
        {"text": "不归我们管，别在这里问了。", "label": "rude", "kind": "reply"},
        {"text": "您好，该事项由区住建局负责，我们已将您的留言转交。", "label": "ok", "kind": "reply"},
        {"text": "市气象台发布暴雨黄色预警，请注意防范。", "label": "ok"},
    ])
    result = CliRunner().invoke(main, ["eval", str(data), "--model", str(trained["out"])])
    assert result.exit_code == 0, result.output
    assert "混淆矩阵" in result.output and "rude" in result.output


def test_eval_json_counts_every_row(trained: dict, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "mine.jsonl", [{"text": "市气象台发布暴雨黄色预警。", "label": "ok"}] * 4)
    result = CliRunner().invoke(main, ["eval", str(data), "--model", str(trained["out"]), "--json"])
    assert json.loads(result.output)["n"] == 4


def test_eval_of_a_broken_file_fails_cleanly_in_chinese(tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "好", "label": "ok"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(data)])
    assert result.exit_code == 2
    assert "corpus_invalid" in result.output and "第 2 行" in result.output
    assert "Traceback" not in result.output


def test_train_refuses_a_corpus_missing_a_label(tmp_path: Path) -> None:
    rows = [r for r in small_rows(per_cell=3) if r["label"] != "rude"]
    corpus = write_jsonl(tmp_path / "corpus" / "c.jsonl", rows).parent
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "缺少" in result.output and "rude" in result.output
    assert not (tmp_path / "out" / "classifier.joblib").exists()
