"""Who may enter: password hashing, API tokens, login with a shared throttle, and ending sessions.

The throttle (``login_throttle``, one row per client address and per account name) lives in the
database, so every process agrees on it; it answers known and unknown names alike, in the same
words and after the same password-hash work, so it tells nobody whether an account exists.

Every function works on the caller's SQLAlchemy session and never commits: the web request or
CLI commits once, so a login's audit entry and its counter update land together or not at all.
``authenticate`` raises ``AuthError`` after recording a failure, so the caller must still commit
when it catches the error (the web views and the token API do); rolling back would forget the
failed attempt and let a guesser dodge the lockout.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from reviewer.config import Settings
from reviewer.errors import WorkflowError
from reviewer.storage import LoginThrottle, settings_of

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


#: One answer for every name while an address or account name is blocked (known, unknown or locked).
THROTTLED = ("login_throttled", "登录尝试过于频繁，请稍后再试。")
BAD_CREDENTIALS = ("bad_credentials", "用户名或密码错误。")
#: Lapsed throttle rows deleted per recorded login, so guessed names cannot grow the table forever.
PURGE_BATCH = 200


def now() -> datetime:
    """The clock of logins and of the throttle; tests replace it (monkeypatch) instead of sleeping."""
    return datetime.now(UTC)


def address_key(ip: str | None) -> str | None:
    """The throttle key of a client address: ``ip:1.2.3.4``; IPv6 by its /64, which one client holds."""
    text = (ip or "").strip()
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return "ip:" + text[:190]
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.version == 6:
        return f"ip:{ipaddress.ip_network((address, 64), strict=False)}"
    return f"ip:{address}"


def account_key(username: str | None) -> str | None:
    """The throttle key of an account name, whether or not such a user exists: ``user:<lowercased>``."""
    name = (username or "").strip().lower()
    return "user:" + name[:190] if name else None


def _keys(username: str, ip: str | None) -> list[str]:
    # Sorted, so every transaction locks throttle rows in one order and two logins cannot deadlock.
    return sorted(key for key in (address_key(ip), account_key(username)) if key)


def backoff(failures: int, config: Settings) -> timedelta:
    """How long a key with ``failures`` failures is blocked: doubling from the first block, capped."""
    steps = min(max(failures - config.login_max_failures, 0), 32)
    return timedelta(seconds=min(config.login_backoff_seconds * 2 ** steps, config.login_lockout_minutes * 60))


def _lapsed(first_failure_at: datetime | None, blocked_until: datetime | None, moment: datetime,
            config: Settings) -> bool:
    """Failures lapse a window after a key's first failure or, once it was blocked, after its last block."""
    anchor = blocked_until or first_failure_at
    return anchor is None or anchor + timedelta(minutes=config.login_window_minutes) <= moment


def authenticate(session: Session, username: str, password: str, *, ip: str | None = None,
                 settings: Settings | None = None) -> User:
    """Return the user whose credentials these are, or raise ``AuthError``.

    Failures count per client address and per account name, known or not, in the shared
    ``login_throttle`` table: ``login_max_failures`` of them within ``login_window_minutes`` block
    that key for ``login_backoff_seconds``, doubling with each further failure up to
    ``login_lockout_minutes``. While a key of the attempt is blocked every name gets the same
    ``login_throttled`` answer and the password is not checked. A password hash is verified on
    every path (the dummy one for an unknown or blocked name), so neither the answer nor the time
    tells whether an account exists. Each outcome is an audit entry in the caller's transaction.
    """
    from reviewer.storage import User

    config = _settings(session, settings)
    moment = now()
    name = (username or "").strip()
    keys = _keys(name, ip)
    user = session.scalar(select(User).where(User.username == name)) if name else None
    blocked = bool(keys) and bool(session.scalar(
        select(func.count()).select_from(LoginThrottle)
        .where(LoginThrottle.key.in_(keys), LoginThrottle.blocked_until > moment)))
    genuine = not blocked and user is not None and bool(user.password_hash)
    matched = verify_password(user.password_hash if genuine else _DUMMY_HASH, password or "") and genuine
    if blocked:
        _record(session, "login.failure", user, name=name[:150] or None, ip=ip, details={"reason": "throttled"})
        raise AuthError(*THROTTLED)
    if not matched:
        reason = "unknown_user" if user is None else "bad_password"
        raise AuthError(*(THROTTLED if _count_failure(session, user, name, keys, moment, config, ip, reason)
                          else BAD_CREDENTIALS))

    if not user.active:
        _record(session, "login.failure", user, name=name, ip=ip, details={"reason": "inactive"})
        raise AuthError("account_inactive", "该账号已停用，请联系管理员。")

    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    _delete_keys(session, keys)
    _purge(session, moment, config)
    _record(session, "login.success", user, name=name, ip=ip)
    session.flush()
    return user


def _count_failure(session: Session, user: User | None, name: str, keys: list[str], moment: datetime,
                   config: Settings, ip: str | None, reason: str) -> bool:
    """Count a failed login on the user row and on every key and record it; True when it blocked a key.

    Locks are taken in one order everywhere (the user row, the throttle rows by key, the audit
    chain) and every count is an UPDATE of its own row, so concurrent guesses in any number of
    processes neither lose a count nor deadlock.
    """
    from reviewer.storage import User

    if user is not None:
        session.flush()
        session.execute(
            update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(user, ["failed_logins"])
    counts: dict[str, int] = {}
    blocks: dict[str, str] = {}
    for key in keys:
        counts[key], until = _bump(session, key, moment, config)
        if until is not None:
            blocks[key] = until.isoformat()
            if user is not None and key == account_key(name):
                user.locked_until = until  # shown by ``reviewer user list``; the throttle table decides
    session.flush()
    _purge(session, moment, config)
    details: dict = {"reason": reason, "failures": counts}
    if user is not None:
        details["failed_logins"] = user.failed_logins
    shown = name[:150] or None
    _record(session, "login.failure", user, name=shown, ip=ip, details=details)
    if blocks:
        _record(session, "login.lockout", user, name=shown, ip=ip, details={"failures": counts, "blocked_until": blocks})
    return bool(blocks)


def _bump(session: Session, key: str, moment: datetime, config: Settings) -> tuple[int, datetime | None]:
    """One more failure for ``key``: its count, and the end of the block this failure starts (or None)."""
    row = LoginThrottle
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert  # the two databases reviewer runs on
    session.execute(insert(row).values(key=key, failures=0, updated_at=moment).on_conflict_do_nothing(index_elements=["key"]))
    # The UPDATE takes the row's lock (SQLite: the write lock) before the count is read and decided on.
    session.execute(update(row).where(row.key == key).values(failures=row.failures + 1, updated_at=moment)
                    .execution_options(synchronize_session=False))
    failures, first, until = session.execute(
        select(row.failures, row.first_failure_at, row.blocked_until).where(row.key == key)).one()
    if _lapsed(first, until, moment, config):
        failures, first, until = 1, moment, None
    started = moment + backoff(failures, config) if failures >= config.login_max_failures else None
    if started is not None:
        until = max(until, started) if until else started
    session.execute(update(row).where(row.key == key).values(failures=failures, first_failure_at=first, blocked_until=until)
                    .execution_options(synchronize_session=False))
    return failures, started


def _delete_keys(session: Session, keys: list[str]) -> None:
    if keys:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)).execution_options(synchronize_session=False))


def _purge(session: Session, moment: datetime, config: Settings) -> None:
    """Delete a few rows whose failures lapsed long ago, skipping rows another login holds locked."""
    cutoff = moment - timedelta(minutes=config.login_window_minutes + config.login_lockout_minutes)
    stale = select(LoginThrottle.key).where(LoginThrottle.updated_at < cutoff).limit(PURGE_BATCH)
    if session.connection().dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale)).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class ThrottledAccount:
    """A user whose account name has failed logins on record, as the admin page lists it."""

    user: User
    failures: int
    last_failure_at: datetime | None
    blocked_until: datetime | None  # None when the name is not blocked now


def throttled_accounts(session: Session, settings: Settings | None = None) -> list[ThrottledAccount]:
    """Users whose account key is blocked or holds failures that have not lapsed, by username."""
    from reviewer.storage import User

    config, moment, row = _settings(session, settings), now(), LoginThrottle
    found = {r.key: r for r in session.execute(
        select(row.key, row.failures, row.first_failure_at, row.blocked_until, row.updated_at)
        .where(row.key.like("user:%"), row.failures > 0))
        if not _lapsed(r.first_failure_at, r.blocked_until, moment, config)}
    if not found:
        return []
    listed = []
    for user in session.scalars(select(User).order_by(User.username)):
        r = found.get(account_key(user.username))
        if r is not None:
            blocked = r.blocked_until if r.blocked_until and r.blocked_until > moment else None
            listed.append(ThrottledAccount(user, r.failures, r.updated_at, blocked))
    return listed


def lift_account_throttle(session: Session, username: str) -> dict | None:
    """Delete the throttle row of an account name; what it held (for the audit entry), or None."""
    key = account_key(username)
    held = session.execute(select(LoginThrottle.failures, LoginThrottle.blocked_until)
                           .where(LoginThrottle.key == key)).first() if key else None
    if held is None:
        return None
    _delete_keys(session, [key])
    return {"failures": held.failures, "blocked_until": held.blocked_until.isoformat() if held.blocked_until else None}


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
    now = datetime.now(UTC)
    days = settings_of(session).api_token_days
    token = ApiToken(user_id=user.id, token_hash=digest, created_at=now, session_epoch=user.session_epoch or 0,
                     expires_at=now + timedelta(days=days))
    session.add(token)
    session.flush()
    audit.record(session, "token.create", actor_id=user.id, actor_name=user.username, ip=ip,
                 details={"token_id": token.id})
    return plain
