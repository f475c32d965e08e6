"""Verify knows what should be there: the chain is reconciled with the business tables, and
anchors written outside the database at every export, register and service start are checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import triggers_off
from click.testing import CliRunner
from sqlalchemy import text

from reviewer.audit import reconcile
from reviewer.cli import main
from reviewer.config import Settings

KEY = "test-audit-key-not-for-production"


@pytest.fixture
def run(db_url: str, tmp_path: Path):
    env = {"DATABASE_URL": db_url, "REVIEWER_AUDIT_KEY": KEY, "REVIEWER_INSTANCE": str(tmp_path / "instance")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def published(editor, r2, r3, publisher) -> int:
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    assert publisher.post(f"/drafts/{draft_id}/publish", {"version": 1}).status_code == 200
    return draft_id


def test_a_complete_log_reconciles(db, published):
    assert reconcile.reconcile(db).ok


def test_an_emptied_log_is_reported_although_its_chain_is_valid(db, engine, published, run):
    with engine.begin() as conn:
        triggers_off(conn)
        conn.execute(text("DELETE FROM audit_entries"))
    found = reconcile.reconcile(db)
    assert not found.ok and found.total >= 1 + 10 + 1
    assert any("第 1 版" in line for line in found.missing) and any("发布" in line for line in found.missing)
    result = run("audit", "verify")
    assert result.exit_code == 1 and "缺少业务记录对应的条目" in result.output


def test_a_missing_signoff_entry_is_named(db, engine, published):
    with engine.begin() as conn:
        triggers_off(conn)
        conn.execute(text("DELETE FROM audit_entries WHERE event = 'signoff' AND gate = 'legal' AND level = 2"))
    found = reconcile.reconcile(db)
    assert found.total == 1 and "第 2 级 legal" in found.missing[0]


def test_every_export_appends_an_anchor_outside_the_database(run, tmp_path, published):
    out = tmp_path / "log.csv"
    assert run("audit", "export", "--out", str(out)).exit_code == 0
    anchors = (tmp_path / "instance" / "anchors.log").read_text(encoding="utf-8").splitlines()
    assert len(anchors) == 1 and anchors[0].split("\t")[3] == "export"
    assert run("audit", "verify").exit_code == 0


def test_verify_uses_the_newest_kept_anchor_to_find_a_cut_tail(run, engine, tmp_path, published):
    assert run("audit", "export", "--out", str(tmp_path / "log.csv")).exit_code == 0
    with engine.begin() as conn:
        triggers_off(conn)
        conn.execute(text("DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)"))
    result = run("audit", "verify")
    assert result.exit_code == 1 and "找不到锚点" in result.output


def test_the_anchor_file_can_live_anywhere(tmp_path):
    settings = Settings(instance_path=tmp_path / "instance", anchor_file=tmp_path / "share" / "anchors.txt")
    assert reconcile.anchor_file(settings) == tmp_path / "share" / "anchors.txt"
    assert reconcile.latest_anchor(settings) is None


def test_the_verify_page_reports_the_reconciliation(client, db, engine, published):
    from webclient import csrf_token, sign_in

    with engine.begin() as conn:
        triggers_off(conn)
        conn.execute(text("DELETE FROM audit_entries WHERE event = 'publish'"))
    sign_in(client, db, "admin1")
    page = client.post("/audit/verify", data={"csrf_token": csrf_token(client, "/audit/")}).get_data(as_text=True)
    assert "缺少业务记录对应的条目" in page and "发布" in page
