"""Who may enter: password hashing, API tokens, login with lockout, and ending sessions.

Every function works on the caller's SQLAlchemy session and never commits: the web request or
CLI commits once, so a login's audit entry and its counter update land together or not at all.
``authenticate`` raises ``AuthError`` after recording a failure, so the caller must still commit
when it catches the error (the web views and the token API do); rolling back would forget the
failed attempt and let a guesser dodge the lockout.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update

from reviewer.config import Settings
from reviewer.errors import WorkflowError
from reviewer.storage import settings_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from reviewer.storage import User

#: The shortest password ``change_password`` and ``validate_new_password`` accept.
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AuthError(WorkflowError):
    """A login or password change was refused; ``code`` is stable, ``message`` is Chinese."""


def hash_password(password: str) -> str:
    """Hash a password with argon2id (salted, memory-hard) for the users table."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches the stored argon2 hash; a malformed hash never matches."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_token(plain: str) -> str:
    """The sha256 hex digest stored in api_tokens; tokens are random, so no salt is needed."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def new_api_token() -> tuple[str, str]:
    """A fresh bearer token and its hash: show the first once, store only the second."""
    plain = "rvw_" + secrets.token_urlsafe(32)
    return plain, hash_token(plain)


def validate_new_password(password: str, *, username: str | None = None) -> None:
    """Refuse passwords too short to resist guessing, or equal to the username."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("weak_password", f"新密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")
    if username and password.strip().lower() == username.strip().lower():
        raise AuthError("weak_password", "新密码不能与用户名相同。")


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC, so say so."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _settings(session: Session, settings: Settings | None) -> Settings:
    return settings if settings is not None else settings_of(session)


def _record(session: Session, event: str, user: User | None, *, name: str | None, ip: str | None,
            details: dict | None = None) -> None:
    from reviewer.audit import chain as audit

    audit.record(
        session,
        event,
        actor_id=user.id if user is not None else None,
        actor_name=user.username if user is not None else name,
        details=details,
        ip=ip,
    )


def authenticate(session: Session, username: str, password: str, *, ip: str | None = None,
                 settings: Settings | None = None) -> User:
    """Return the user whose credentials these are, or raise ``AuthError``.

    Five failures in a row lock the account for fifteen minutes (both from Settings); while
    locked even the right password is refused, so a guesser learns nothing. Each outcome is an
    audit entry in the caller's transaction.
    """
    from reviewer.storage import User

    config = _settings(session, settings)
    now = datetime.now(UTC)
    name = (username or "").strip()
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        verify_password(_DUMMY_HASH, password or "")
        _record(session, "login.failure", None, name=name[:150] or None, ip=ip,
                details={"reason": "unknown_user"})
        raise AuthError("bad_credentials", "用户名或密码错误。")

    locked_until = _aware(user.locked_until)
    if locked_until is not None and locked_until > now:
        _record(session, "login.failure", user, name=name, ip=ip, details={"reason": "locked"})
        raise AuthError("account_locked", _locked_message(locked_until, now))
    if locked_until is not None:
        user.locked_until = None
        user.failed_logins = 0

    if not verify_password(user.password_hash, password or ""):
        _count_failure(session, user, now, config, ip)
        if user.locked_until is not None:
            raise AuthError("account_locked", _locked_message(_aware(user.locked_until), now))
        raise AuthError("bad_credentials", "用户名或密码错误。")

    if not user.active:
        _record(session, "login.failure", user, name=name, ip=ip, details={"reason": "inactive"})
        raise AuthError("account_inactive", "该账号已停用，请联系管理员。")

    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _record(session, "login.success", user, name=name, ip=ip)
    session.flush()
    return user


def _count_failure(session: Session, user: User, now: datetime, config: Settings,
                   ip: str | None) -> None:
    """Increment the counter in SQL (concurrent guesses cannot lose a count) and lock at the limit."""
    from reviewer.storage import User

    session.flush()
    session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["failed_logins"])
    _record(session, "login.failure", user, name=user.username, ip=ip,
            details={"reason": "bad_password", "failed_logins": user.failed_logins})
    if user.failed_logins >= config.login_max_failures:
        user.locked_until = now + timedelta(minutes=config.login_lockout_minutes)
        _record(session, "login.lockout", user, name=user.username, ip=ip,
                details={"failed_logins": user.failed_logins,
                         "locked_until": user.locked_until.isoformat()})
    session.flush()


def _locked_message(locked_until: datetime | None, now: datetime) -> str:
    minutes = 1
    if locked_until is not None:
        minutes = max(1, int((locked_until - now).total_seconds() + 59) // 60)
    return f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试。"


def end_sessions(session: Session, user: User) -> None:
    """Bump the session epoch, so every cookie issued before (copies included) stops working."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


def change_password(session: Session, user: User, old: str, new: str, *,
                    ip: str | None = None) -> None:
    """Replace the password after checking the old one, and end every existing session."""
    if not verify_password(user.password_hash, old or ""):
        raise AuthError("wrong_password", "原密码不正确。")
    validate_new_password(new, username=user.username)
    if old == new:
        raise AuthError("weak_password", "新密码不能与原密码相同。")
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    _record(session, "password.change", user, name=user.username, ip=ip)
    session.flush()


def issue_token(session: Session, username: str, password: str, *, ip: str | None = None) -> str:
    """Exchange a username and password for a new API token; the plain token is returned once.

    Raises ``AuthError`` after recording the failure (the caller commits it all the same).
    """
    from reviewer.audit import chain as audit
    from reviewer.storage import ApiToken

    user = authenticate(session, username, password, ip=ip)
    plain, digest = new_api_token()
    token = ApiToken(user_id=user.id, token_hash=digest)
    session.add(token)
    session.flush()
    audit.record(session, "token.create", actor_id=user.id, actor_name=user.username, ip=ip,
                 details={"token_id": token.id})
    return plain
