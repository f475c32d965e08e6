"""`reviewer check` and `reviewer scan`: the output contract and exit statuses others rely on."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer import review
from reviewer.cli import main

FINDING_KEYS = {"start", "end", "text", "category", "gate", "severity", "rule", "suggestion", "source"}


def run(args, data=b""):
    return CliRunner().invoke(main, args, input=data)


def test_check_json_follows_the_contract():
    text = "请加微信：shop_888，身份证号110101199003074514"
    result = run(["check", "-", "--format", "json"], text.encode())
    report = json.loads(result.output)
    assert set(report) == {"verdict", "findings", "labels"}
    assert report["verdict"] == "block"
    for f in report["findings"]:
        assert set(f) >= FINDING_KEYS
        assert text[f["start"]:f["end"]] == f["text"]
        assert f["gate"] in {"political", "legal", "policy", "secrecy", "text"}
        assert f["severity"] in {"info", "review", "block"}
        assert f["source"] in {"lexicon", "pattern", "classifier"}


def test_check_exits_zero_on_pass_one_on_review_and_three_on_block():
    assert run(["check", "-"], "市政务服务中心本周六上午正常办公，办理社保、医保业务。".encode()).exit_code == 0
    assert run(["check", "-"], "访问 http://shop.example.com".encode()).exit_code == 1
    assert run(["check", "-"], "手机13912345678".encode()).exit_code == 3


def test_a_gbk_file_is_read_with_the_encoding_option(tmp_path):
    path = tmp_path / "记事本.txt"
    path.write_bytes("市政务服务中心本周六上午正常办公。".encode("gbk"))
    refused = run(["check", str(path)])
    assert refused.exit_code == 2 and "--encoding gbk" in refused.output
    assert run(["check", str(path), "--encoding", "gbk"]).exit_code == 0


def test_the_text_report_names_families_in_chinese():
    result = run(["check", "-", "--format", "text"], "手机13912345678".encode())
    assert "个人隐私" in result.output or "隐私" in result.output
    assert " privacy " not in result.output


def test_check_reads_a_file(tmp_path):
    path = tmp_path / "post.txt"
    path.write_text("手机13912345678", encoding="utf-8")
    result = run(["check", str(path), "--format", "json"])
    assert json.loads(result.output)["verdict"] == "block"


def test_check_text_format_marks_findings_and_groups_them_by_gate():
    result = run(["check", "-", "--format", "text"], "手机13912345678，访问 http://shop.example.com".encode())
    assert "【13912345678】" in result.output
    assert "保密关" in result.output and "政策关" in result.output
    assert "禁止发布" in result.output


def test_non_utf8_input_exits_two_with_a_chinese_message():
    result = run(["check", "-"], "公告".encode("gbk"))
    assert result.exit_code == 2
    assert "UTF-8" in result.output and "错误" in result.output


def test_missing_file_exits_two():
    result = run(["check", "/nonexistent/post.txt"])
    assert result.exit_code == 2
    assert "无法读取文件" in result.output


def test_unknown_option_value_exits_two():
    assert run(["check", "-", "--kind", "tweet"], b"x").exit_code == 2


def test_text_over_the_limit_exits_two(monkeypatch):
    monkeypatch.setenv("REVIEWER_MAX_CHARS", "50")
    result = run(["check", "-"], ("字" * 51).encode())
    assert result.exit_code == 2
    assert "文本过长" in result.output


def test_bad_lexicon_dir_exits_two_naming_file_and_line(tmp_path):
    (tmp_path / "bad.tsv").write_text("term\tcategory\tgate\tseverity\tsuggestion\tnote\n坏词\tnosuch\t\t\t\t\n", encoding="utf-8")
    result = run(["check", "-", "--lexicon-dir", str(tmp_path)], b"x")
    assert result.exit_code == 2
    assert "bad.tsv:2" in result.output


def test_lexicon_dir_adds_terms(tmp_path):
    (tmp_path / "opinion.txt").write_text("本单位禁用语\n", encoding="utf-8")
    result = run(["check", "-", "--format", "json", "--lexicon-dir", str(tmp_path)], "出现本单位禁用语".encode())
    assert any(f["text"] == "本单位禁用语" for f in json.loads(result.output)["findings"])


def test_scan_writes_one_line_per_record_in_input_order(tmp_path):
    src = tmp_path / "in.jsonl"
    records = [{"id": i, "text": t} for i, t in enumerate(["天气晴", "手机13912345678", "访问 http://a.example.com"])]
    records.append({"id": "r", "text": "请您自行查询", "kind": "reply"})
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run(["scan", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [0, 1, 2, "r"]
    assert [line["verdict"] for line in lines[:3]] == ["pass", "block", "review"]
    assert all(set(line) == {"id", "verdict", "findings", "labels"} for line in lines)


def test_scan_marks_bad_records_in_place_and_exits_two(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "天气晴"}\nnot json\n{"id": 3}\n{"id": 4, "text": "好"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run(["scan", str(src), "--out", str(out)])
    assert result.exit_code == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line.get("error") for line in lines] == [None, "invalid_json", "invalid_record", None]


def test_scan_leaves_no_half_written_output_when_input_is_not_utf8(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes('{"id": 1, "text": "公告"}'.encode("gbk"))
    out = tmp_path / "out.jsonl"
    assert run(["scan", str(src), "--out", str(out)]).exit_code == 2
    assert not out.exists()


def test_python_api_returns_the_same_report_as_the_cli():
    text = "加微信：shop_888"
    cli = json.loads(run(["check", "-", "--format", "json"], text.encode()).output)
    assert review(text) == cli


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300))
def test_any_text_reviews_without_crashing_and_every_span_is_evidence(text):
    report = review(text)
    for f in report["findings"]:
        assert 0 <= f["start"] < f["end"] <= len(text)
        assert text[f["start"]:f["end"]] == f["text"]


def test_installed_command_finds_its_lexicons_from_any_directory(tmp_path):
    exe = Path(sys.executable).with_name("reviewer")  # installed beside the interpreter running the tests
    assert exe.exists(), f"the reviewer command is installed by pip install next to {sys.executable}"
    proc = subprocess.run([exe, "check", "-", "--format", "json"], input="一带一路战略".encode(),
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 3, proc.stderr.decode()
    assert json.loads(proc.stdout)["findings"][0]["category"] == "political_expression"


@pytest.mark.skipif(bool(os.environ.get("REVIEWER_TEST_DATABASE_URL")),
                    reason="packaging does not depend on the database; checked once, in the SQLite run")
def test_wheel_install_carries_lexicons_and_finds_them_from_any_directory(tmp_path):
    """`pip install .` (not only -e): the built wheel holds the data files the engine needs."""
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(wheels), str(repo)], check=True, capture_output=True, timeout=300)
    [wheel] = wheels.glob("reviewer-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = "import json,reviewer; print(reviewer.__file__); print(json.dumps(reviewer.review('一带一路战略')))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(target), "REVIEWER_CLASSIFIER": "0"})
    assert proc.returncode == 0, proc.stderr.decode()
    where, report = proc.stdout.decode().splitlines()
    assert where.startswith(str(target))
    assert json.loads(report)["verdict"] == "block"


def test_tampered_model_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    from reviewer.engine.classifier import default_model_path

    model = default_model_path()
    shutil.copy(model.with_suffix(".json"), tmp_path / "classifier.json")
    (tmp_path / "classifier.joblib").write_bytes(model.read_bytes() + b"tampered")
    monkeypatch.setenv("REVIEWER_MODEL_PATH", str(tmp_path / "classifier.joblib"))
    result = run(["check", "-"], "市政务服务中心正常办公。".encode())
    assert result.exit_code == 2
    assert "错误" in result.output and "Traceback" not in result.output


def test_overlapping_findings_are_marked_as_one_run_carrying_every_number():
    result = run(["check", "-", "--format", "text"], "请加微信wjg2026咨询。市图书馆周六开放。".encode())
    marked = result.output.splitlines()[2]
    assert "【加微信wjg2026】[1][2]" in marked  # 加微信 (lexicon) inside 微信wjg2026 (pattern): both marked
    assert "“加微信”" in result.output and "“微信wjg2026”" in result.output
