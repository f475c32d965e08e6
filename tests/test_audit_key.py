"""Where the audit HMAC key comes from: configuration first, else a private file, never the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from reviewer.audit import chain as audit
from reviewer.audit import keys
from reviewer.config import Settings


def test_the_configured_key_is_used(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path, audit_hmac_key="from-environment")
    assert keys.hmac_key(settings) == b"from-environment"
    assert not (tmp_path / "audit.key").exists()


def test_without_a_configured_key_none_is_invented(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path / "instance")
    with pytest.raises(keys.AuditKeyError, match="REVIEWER_AUDIT_KEY"):
        keys.hmac_key(settings)
    assert not (tmp_path / "instance" / "audit.key").exists()


def test_init_key_creates_a_private_key_file_once(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path / "instance")
    path = keys.init_key_file(settings)
    first = keys.hmac_key(settings)
    assert len(first) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(keys.AuditKeyError, match="已存在"):
        keys.init_key_file(settings)
    assert keys.hmac_key(settings) == first


def test_an_admin_command_without_a_key_writes_nothing(db_url, tmp_path, db) -> None:
    from click.testing import CliRunner
    from sqlalchemy import func, select

    from reviewer.cli import main

    before = db.scalar(select(func.count()).select_from(audit.AuditEntry))
    env = {"DATABASE_URL": db_url, "REVIEWER_INSTANCE": str(tmp_path / "elsewhere"), "REVIEWER_AUDIT_KEY": ""}
    result = CliRunner().invoke(main, ["unit", "add", "无密钥单位"], env=env)
    assert result.exit_code == 2 and "reviewer audit init-key" in result.output
    assert not (tmp_path / "elsewhere" / "audit.key").exists()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(audit.AuditEntry)) == before


def test_entries_name_their_key_and_a_rotated_key_keeps_old_entries_verifiable(engine) -> None:
    from reviewer.storage import make_session_factory

    with make_session_factory(engine, audit_key=b"old-key")() as session:
        first = audit.record(session, "logout", actor_name="甲")
        session.commit()
    with make_session_factory(engine, audit_key=b"new-key")() as session:
        second = audit.record(session, "logout", actor_name="乙")
        session.commit()
        assert first.key_id == keys.key_id(b"old-key") and second.key_id == keys.key_id(b"new-key")
        assert not audit.verify(session, b"new-key").ok
        known = {keys.key_id(k): k for k in (b"new-key", b"old-key")}
        assert audit.verify(session, known).ok


def test_a_key_given_to_the_session_wins(engine) -> None:
    from reviewer.storage import make_session_factory

    with make_session_factory(engine)(info={"audit_key": "per-session"}) as session:
        assert keys.session_key(session) == b"per-session"
