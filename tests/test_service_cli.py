"""Service commands: serve (demo and production guard), db upgrade, user add."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from reviewer.cli import main
from reviewer.storage import Draft, User, UserRole, make_engine, make_session_factory, schema_is_current

KEY_VARS = ("REVIEWER_SECRET_KEY", "REVIEWER_AUDIT_KEY", "DATABASE_URL", "REVIEWER_CONFIG")


@pytest.fixture
def clean_env(monkeypatch, tmp_path: Path) -> Path:
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWER_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_serve_without_keys_refuses_to_start(clean_env):
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "REVIEWER_SECRET_KEY" in result.output and "--demo" in result.output


def test_serve_refuses_an_unmigrated_database(clean_env, monkeypatch):
    monkeypatch.setenv("REVIEWER_SECRET_KEY", "k1")
    monkeypatch.setenv("REVIEWER_AUDIT_KEY", "k2")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env.parent / 'empty.sqlite3'}")
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "reviewer db upgrade" in result.output


def test_db_upgrade_migrates_the_configured_database(clean_env, monkeypatch):
    url = f"sqlite:///{clean_env.parent / 'fresh.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert schema_is_current(url)


def test_db_upgrade_reports_an_unreachable_database_without_traceback(clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "无法连接" in result.output and "Traceback" not in result.output


def test_user_add_creates_user_with_roles_and_units(db_url, monkeypatch, clean_env):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REVIEWER_AUDIT_KEY", "cli-test-key")
    result = CliRunner().invoke(main, ["user", "add", "newbie", "--role", "editor", "--role", "reviewer",
                                       "--unit", "示例市税务局", "--password-stdin"], input="a-long-password-1\n")
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.username == "newbie"))
        roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
        from reviewer.admin.security import verify_password
        from reviewer.audit.chain import AuditEntry

        assert roles == {"editor", "reviewer"}
        assert verify_password(user.password_hash, "a-long-password-1")
        assert session.scalar(select(AuditEntry.event).where(AuditEntry.event == "user.create")) == "user.create"
    engine.dispose()


@pytest.mark.parametrize(("args", "password", "expected"), [
    (["editor1", "--role", "editor", "--unit", "示例市税务局"], "a-long-password-1", "已存在"),
    (["newbie", "--role", "editor", "--unit", "不存在的局"], "a-long-password-1", "找不到单位"),
    (["newbie", "--role", "editor", "--unit", "示例市税务局"], "short", "至少"),
])
def test_user_add_refuses_bad_input_with_a_chinese_message(db_url, monkeypatch, clean_env, args, password,
                                                             expected):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REVIEWER_AUDIT_KEY", "test-audit-key-not-for-production")
    result = CliRunner().invoke(main, ["user", "add", *args, "--password-stdin"], input=password + "\n")
    assert result.exit_code == 2 and expected in result.output


def test_demo_preparation_seeds_once_with_drafts_in_several_states(clean_env):
    from reviewer.cli.service import prepare_demo
    from reviewer.config import Settings

    settings = Settings(instance_path=clean_env, secret_key="s", audit_hmac_key="a")
    clean_env.mkdir(parents=True)
    assert prepare_demo(settings) is True
    assert prepare_demo(settings) is False
    engine = make_engine(settings.effective_database_url)
    with make_session_factory(engine)() as session:
        statuses = set(session.scalars(select(Draft.status)))
    engine.dispose()
    assert statuses == {"draft", "in_review", "returned", "published"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_demo_generates_private_keys_and_answers_health_checks(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env["REVIEWER_INSTANCE"] = str(tmp_path / "instance")
    process = subprocess.Popen([sys.executable, "-c", "from reviewer.cli import main; main()", "serve", "--demo",
                                "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.load(response)
            except OSError:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.3)
        assert body == {"status": "ok"}
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}" in output and "editor1" in output and "demo-password" in output
    for name in ("secret.key", "audit.key"):
        assert stat.S_IMODE((tmp_path / "instance" / name).stat().st_mode) == 0o600
