"""The whole-engine evaluation, and the frozen independent evaluation set it is meant for."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.engine.core import load_engine
from reviewer.engine.evaluation import evaluate

EVALUATION = Path(__file__).resolve().parents[1] / "models" / "evaluation"


def test_the_engine_is_scored_per_label_and_on_clean_texts():
    rows = [
        {"text": "本店开业大酬宾，全场五折，加微信shop2026订购。", "kind": "post", "label": "commercial"},
        {"text": "本市将于国庆期间在人民公园举办文化旅游节，欢迎市民参加。", "kind": "post", "label": "ok",
         "department": "文旅"},
    ]
    result = evaluate(load_engine(load_settings()), rows)
    assert result["labels"]["commercial"]["recall"] == 1.0 and result["labels"]["commercial"]["precision"] == 1.0
    assert result["clean_n"] == 1 and result["clean_flagged_rate"] == 0.0


def test_the_cli_evaluates_the_whole_engine_on_a_folder(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "您好，已转区住建局办理，请留意电话回访。", "kind": "reply",
                                                  "label": "ok"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(tmp_path), "--engine"])
    assert result.exit_code == 0, result.output
    assert "正常文本出现“需复核/禁止发布”问题的比例" in result.output


def test_the_independent_evaluation_set_is_frozen():
    for line in (EVALUATION / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        assert hashlib.sha256((EVALUATION / name).read_bytes()).hexdigest() == digest, f"{name} changed"
