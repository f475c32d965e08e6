"""``reviewer audit``: verify, anchor, export and register from the command line, and their exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text

from reviewer.audit import chain as audit
from reviewer.audit.chain import AuditEntry
from reviewer.cli import main
from reviewer.storage import Account, Unit, make_session_factory

KEY = "test-audit-key-not-for-production"


@pytest.fixture
def run(db_url: str, tmp_path: Path):
    """Invoke ``reviewer`` against the test database with the test key."""
    runner = CliRunner()
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": KEY, "REVIEWER_INSTANCE": str(tmp_path / "instance")}

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def logged(engine: Engine) -> Engine:
    with make_session_factory(engine)(info={"audit_key": KEY.encode()}) as session:
        for name in ("editor1", "reviewer1", "publisher1"):
            audit.record(session, "login.success", actor_name=name)
        session.commit()
    return engine


def last_entry(engine: Engine) -> AuditEntry:
    with make_session_factory(engine)() as session:
        return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_verify_of_an_intact_chain_exits_zero(run, logged) -> None:
    result = run("audit", "verify")
    assert result.exit_code == 0 and "日志链完整" in result.output


def test_verify_of_a_tampered_chain_exits_one_naming_the_entry(run, logged: Engine) -> None:
    with logged.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("UPDATE audit_entries SET actor_name = 'mallory' WHERE seq = 2"))
    result = run("audit", "verify")
    assert result.exit_code == 1 and "第 2 号条目" in result.output


def test_anchor_prints_the_head_hash_that_verify_then_accepts(run, logged) -> None:
    anchor = run("audit", "anchor").stdout.strip()
    assert len(anchor) == 64
    assert run("audit", "verify", "--anchor", anchor).exit_code == 0


def test_verify_against_a_missing_anchor_exits_one(run, logged) -> None:
    result = run("audit", "verify", "--anchor", "ab" * 32)
    assert result.exit_code == 1 and "锚点" in result.output


def test_verify_with_a_malformed_anchor_exits_two_in_chinese(run, logged) -> None:
    result = run("audit", "verify", "--anchor", "xyz")
    assert result.exit_code == 2 and "锚点格式不正确" in result.output


def test_export_writes_a_csv_file_and_logs_itself(run, logged: Engine, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    result = run("audit", "export", "--format", "csv", "--event", "login.success", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3
    entry = last_entry(logged)
    assert entry.event == "export" and entry.actor_name.startswith("命令行")


def test_export_covers_every_unit_of_the_deployment(run, logged: Engine, tmp_path: Path) -> None:
    with make_session_factory(logged)(info={"audit_key": KEY.encode()}) as session:
        roots = session.scalars(select(Unit.id).where(Unit.parent_id.is_(None))).all()
        for unit_id in roots:
            audit.record(session, "lexicon.change", actor_name="admin1", unit_id=unit_id)
        session.commit()
    out = tmp_path / "audit.jsonl"
    assert run("audit", "export", "--format", "jsonl", "--out", str(out)).exit_code == 0
    units = {json.loads(line)["unit_id"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert len(roots) == 2 and units == {None, *roots}
    assert last_entry(logged).details_dict["scope"] == "all"


def test_export_of_xlsx_writes_a_workbook(run, logged, tmp_path: Path) -> None:
    out = tmp_path / "audit.xlsx"
    assert run("audit", "export", "--format", "xlsx", "--event", "login.success", "--out", str(out)).exit_code == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert [r[6] for r in rows[1:]] == ["editor1", "reviewer1", "publisher1"]


def test_export_of_jsonl_goes_to_stdout_without_out(run, logged) -> None:
    result = run("audit", "export", "--format", "jsonl", "--user", "reviewer1")
    assert result.exit_code == 0 and result.stdout.count("\n") == 1 and '"reviewer1"' in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "2026-13-01"), "日期格式不正确"),
    (("--until", "next week"), "日期格式不正确"),
    (("--format", "pdf"), "导出格式不支持"),
    (("--format", "xlsx"), "--out"),
    (("--account", "x"), "账号必须是 1 到"),
    (("--gate", "moral"), "未知的关口"),
])
def test_export_with_bad_input_exits_two_in_chinese(run, logged, args, message) -> None:
    result = run("audit", "export", *args)
    assert result.exit_code == 2 and message in result.output


def test_export_to_a_missing_directory_exits_two(run, logged, tmp_path: Path) -> None:
    result = run("audit", "export", "--out", str(tmp_path / "missing" / "a.csv"))
    assert result.exit_code == 2 and "输出目录不存在" in result.output


def test_register_writes_the_workbook_and_logs_itself(run, logged: Engine, tmp_path: Path) -> None:
    with make_session_factory(logged)() as session:
        account_id = session.scalar(select(Account.id).where(Account.name == "示例文旅"))
    out = tmp_path / "register.xlsx"
    result = run("audit", "register", "--account", str(account_id), "--month", "2026-11", "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active
    assert "月度审核台账" in sheet["A1"].value
    assert last_entry(logged).details_dict["kind"] == "月度审核台账"


@pytest.mark.parametrize(("args", "message"), [
    (("--month", "2026-11", "--out", "r.xlsx"), "--account"),
    (("--account", "1", "--month", "2026-13", "--out", "r.xlsx"), "月份格式不正确"),
    (("--account", "1", "--month", "11/2026", "--out", "r.xlsx"), "月份格式不正确"),
    (("--account", "99999", "--month", "2026-11", "--out", "r.xlsx"), "账号不存在"),
])
def test_register_with_bad_input_exits_two_in_chinese(run, logged, tmp_path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("audit", "register", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_commands_on_an_unmigrated_database_exit_one(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "REVIEWER_AUDIT_KEY": KEY}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert result.exit_code == 1 and "reviewer db upgrade" in result.output
