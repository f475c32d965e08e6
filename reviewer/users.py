"""User administration: creating users with their roles and units, audited like every change."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.config import Settings
from reviewer.storage import ROLES, Unit, User, UserRole, UserUnit


class UserError(Exception):
    """A user cannot be created as asked; ``message`` says why, in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def find_unit(session: Session, name_or_id: str) -> Unit:
    """A unit by its exact name, or by its number."""
    unit = session.scalar(select(Unit).where(Unit.name == name_or_id.strip()))
    if unit is None and name_or_id.strip().isdigit() and len(name_or_id.strip()) < 10:
        unit = session.get(Unit, int(name_or_id))
    if unit is None:
        known = "、".join(session.scalars(select(Unit.name).order_by(Unit.id)).all()[:20]) or "（尚无单位）"
        raise UserError("unknown_unit", f"找不到单位“{name_or_id}”。现有单位：{known}")
    return unit


def create_user(session: Session, username: str, password: str, roles: Iterable[str], units: Iterable[str],
                display_name: str | None = None, *, actor: User | None = None) -> User:
    """Insert a user with hashed password, roles and units, and audit it (the caller commits)."""
    from reviewer import audit
    from reviewer.security import hash_password, validate_new_password

    username = (username or "").strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise UserError("invalid_username", "用户名不能为空、不能含空白字符，且不超过 100 个字符。")
    roles = sorted(set(roles))
    if not roles or not set(roles) <= set(ROLES):
        raise UserError("invalid_role", f"角色必须是 {'、'.join(ROLES)} 中的一个或多个。")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError("duplicate_username", f"用户名“{username}”已存在。")
    unit_rows = [find_unit(session, u) for u in units]
    if not unit_rows:
        raise UserError("unknown_unit", "至少需要指定一个所属单位。")
    validate_new_password(password, username=username)
    user = User(username=username, display_name=(display_name or username).strip()[:200],
                password_hash=hash_password(password), active=True, failed_logins=0, session_epoch=0)
    session.add(user)
    session.flush()
    session.add_all(UserRole(user_id=user.id, role=r) for r in roles)
    session.add_all(UserUnit(user_id=user.id, unit_id=u.id) for u in {u.id: u for u in unit_rows}.values())
    session.flush()
    audit.record(session, "user.create", actor_id=actor.id if actor else None,
                 actor_name=actor.username if actor else "命令行",
                 details={"user_id": user.id, "username": username, "roles": roles,
                          "units": sorted(u.name for u in unit_rows)})
    return user


def add_user(settings: Settings, username: str, password: str, roles: Iterable[str], units: Iterable[str],
             display_name: str | None = None) -> None:
    """Create one user in the configured database and commit (for ``reviewer user add``)."""
    from reviewer.storage import make_engine, make_session_factory

    engine = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(engine)() as session:
            if settings.audit_hmac_key:
                session.info["audit_key"] = settings.audit_hmac_key
            create_user(session, username, password, roles, units, display_name)
            session.commit()
    finally:
        engine.dispose()
