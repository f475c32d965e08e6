"""Security core: password hashing, API tokens, login with lockout, password change, epochs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from reviewer.admin import security
from reviewer.admin.security import (
    THROTTLED,
    AuthError,
    authenticate,
    change_password,
    end_sessions,
    hash_password,
    hash_token,
    new_api_token,
    verify_password,
)
from reviewer.audit.chain import AuditEntry
from reviewer.storage import User

PASSWORD = "demo-password"


#: Weak argon2 parameters: these tests count failures, they do not measure hashing cost.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def session(db, settings):
    """The test database session (audit key set), editor1 holding a cheap-to-verify hash."""
    db.info["audit_key"] = settings.audit_hmac_key
    db.scalar(select(User).where(User.username == "editor1")).password_hash = CHEAP_HASH
    db.commit()
    return db


def user(session, username: str = "editor1") -> User:
    return session.scalar(select(User).where(User.username == username))


def events(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.event).order_by(AuditEntry.seq)))


def fail(session, username: str, password: str = "wrong-password") -> AuthError:
    with pytest.raises(AuthError) as info:
        authenticate(session, username, password)
    session.commit()
    return info.value


def test_password_hash_is_argon2id_and_salted():
    first, second = hash_password("同一个密码"), hash_password("同一个密码")
    assert first.startswith("$argon2id$")
    assert first != second


def test_verify_password_accepts_only_the_right_password():
    stored = hash_password("correct horse")
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "correct horsE")


def test_verify_password_rejects_a_malformed_or_missing_hash():
    assert not verify_password("not-a-hash", "x")
    assert not verify_password(None, "x")


def test_api_token_is_random_and_stored_as_its_sha256():
    plain, digest = new_api_token()
    other, _ = new_api_token()
    assert plain != other
    assert digest == hashlib.sha256(plain.encode()).hexdigest() == hash_token(plain)
    assert plain not in digest


def test_authenticate_returns_the_user_and_records_login_success(session):
    found = authenticate(session, "editor1", PASSWORD, ip="10.0.0.1")
    session.commit()
    assert found.username == "editor1"
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.event, entry.actor_name, entry.ip) == ("login.success", "editor1", "10.0.0.1")


def test_wrong_password_is_refused_counted_and_audited(session):
    error = fail(session, "editor1")
    assert error.code == "bad_credentials"
    assert error.message == "用户名或密码错误。"
    assert user(session).failed_logins == 1
    assert events(session)[-1] == "login.failure"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(session):
    error = fail(session, "nobody-here")
    assert (error.code, error.message) == ("bad_credentials", "用户名或密码错误。")
    assert events(session)[-1] == "login.failure"


def test_five_failures_block_the_account_name_for_the_first_backoff(session):
    # Before issue "Lockout that an attacker cannot aim" five failures locked the account for fifteen
    # minutes; now they block the name for login_backoff_seconds, doubling later (tests/test_login_throttle.py).
    before = datetime.now(UTC)
    for _ in range(4):
        assert fail(session, "editor1").code == "bad_credentials"
    error = fail(session, "editor1")
    assert (error.code, error.message) == THROTTLED
    locked_until = user(session).locked_until
    assert timedelta(seconds=29) <= locked_until - before <= timedelta(seconds=35)
    assert events(session)[-2:] == ["login.failure", "login.lockout"]


def test_a_blocked_account_refuses_even_the_right_password(session):
    for _ in range(5):
        fail(session, "editor1")
    error = fail(session, "editor1", PASSWORD)
    assert (error.code, error.message) == THROTTLED


def test_the_block_ends_after_the_backoff(session, monkeypatch):
    for _ in range(5):
        fail(session, "editor1")
    row = user(session)
    later = datetime.now(UTC) + timedelta(seconds=31)
    monkeypatch.setattr(security, "now", lambda: later)
    assert authenticate(session, "editor1", PASSWORD).id == row.id
    session.commit()
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_success_resets_the_failure_count(session):
    for _ in range(4):
        fail(session, "editor1")
    authenticate(session, "editor1", PASSWORD)
    session.commit()
    assert user(session).failed_logins == 0
    assert fail(session, "editor1").code == "bad_credentials"


def test_an_inactive_user_cannot_log_in(session):
    user(session).active = False
    session.commit()
    assert fail(session, "editor1", PASSWORD).code == "account_inactive"


def test_change_password_needs_the_old_password(session):
    with pytest.raises(AuthError) as info:
        change_password(session, user(session), "not-the-old-one", "a-new-long-password")
    assert info.value.code == "wrong_password"


def test_change_password_refuses_a_short_password(session):
    with pytest.raises(AuthError) as info:
        change_password(session, user(session), PASSWORD, "short")
    assert info.value.code == "weak_password"


def test_change_password_replaces_the_hash_ends_sessions_and_audits(session):
    row = user(session)
    epoch = row.session_epoch
    change_password(session, row, PASSWORD, "a-new-long-password")
    session.commit()
    assert verify_password(row.password_hash, "a-new-long-password")
    assert not verify_password(row.password_hash, PASSWORD)
    assert row.session_epoch == epoch + 1
    assert events(session)[-1] == "password.change"


def test_end_sessions_bumps_the_epoch(session):
    row = user(session)
    epoch = row.session_epoch
    end_sessions(session, row)
    assert row.session_epoch == epoch + 1


def test_a_login_upgrades_a_hash_made_with_weaker_parameters(session):
    authenticate(session, "editor1", PASSWORD)
    session.commit()
    upgraded = user(session).password_hash
    assert upgraded != CHEAP_HASH
    assert "m=1024" not in upgraded and verify_password(upgraded, PASSWORD)
