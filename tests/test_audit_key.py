"""Where the audit HMAC key comes from: configuration first, else a private file, never the database."""

from __future__ import annotations

import stat
from pathlib import Path

from reviewer.audit import chain as audit
from reviewer.config import Settings


def test_the_configured_key_is_used(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path, audit_hmac_key="from-environment")
    assert audit.hmac_key(settings) == b"from-environment"
    assert not (tmp_path / "audit.key").exists()


def test_without_a_configured_key_a_private_key_file_is_created_once(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path / "instance")
    first = audit.hmac_key(settings)
    path = tmp_path / "instance" / "audit.key"
    assert len(first) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert audit.hmac_key(settings) == first


def test_a_key_given_to_the_session_wins(engine) -> None:
    from reviewer.storage import make_session_factory

    with make_session_factory(engine)(info={"audit_key": "per-session"}) as session:
        assert audit.session_key(session) == b"per-session"
