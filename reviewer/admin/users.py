"""User administration: creating users and changing their roles, units, access and password.

Issue 5 puts user, role and unit changes on the record: every function here writes its audit
entry in the caller's transaction (the caller commits), so a change and its entry land together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reviewer.admin.operators import refuse_conflict
from reviewer.admin.units import CLI_ACTOR, find_unit
from reviewer.audit import chain as audit
from reviewer.errors import WorkflowError, unstorable_character
from reviewer.storage import ApiToken, Unit, User, UserRole, UserUnit, utcnow
from reviewer.vocabulary import ROLES


class UserError(WorkflowError):
    """A user cannot be created as asked; ``message`` says why, in Chinese."""


def create_user(session: Session, username: str, password: str, roles: Iterable[str], units: Iterable[str],
                display_name: str | None = None, *, actor: User | None = None) -> User:
    """Insert a user with hashed password, roles and units, and audit it (the caller commits)."""
    from reviewer.admin.security import hash_password, validate_new_password

    username = (username or "").strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise UserError("invalid_username", "用户名不能为空、不能含空白字符，且不超过 100 个字符。")
    for label, text in (("用户名", username), ("显示名称", display_name or ""), ("密码", password or "")):
        bad = unstorable_character(text)
        if bad:
            raise UserError("invalid_characters", f"{label}含有不能保存的字符：{bad}。")
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
                 actor_name=actor.username if actor else CLI_ACTOR, subject_user_id=user.id,
                 details={"user_id": user.id, "username": username, "roles": roles,
                          "units": sorted(u.name for u in unit_rows)})
    return user


def get_user(session: Session, username: str) -> User:
    """The user with this exact username."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise UserError("unknown_user", f"找不到用户“{username}”。")
    return user


def _plan(current: set, add: Iterable, remove: Iterable, what: str) -> tuple[set, set, set]:
    """The set after adding and removing, and what was really added and removed; never empty."""
    add, remove = set(add), set(remove)
    if add & remove:
        raise UserError("invalid_input", f"同一{what}不能既添加又移除：{'、'.join(sorted(map(str, add & remove)))}。")
    final = (current | add) - remove
    if not final:
        raise UserError(f"last_{'role' if what == '角色' else 'unit'}",
                        f"不能移除用户的最后一个{what}：每个用户至少保留一个{what}。")
    return final, final - current, current - final


def _apply(session: Session, table: type, user: User, column: str, added: set, removed: set) -> bool:
    """Insert the ``added`` and delete the ``removed`` membership rows of ``user``; True if any changed."""
    if not added and not removed:
        return False
    session.add_all(table(user_id=user.id, **{column: value}) for value in sorted(added))
    for value in removed:
        session.delete(session.get(table, (user.id, value)))
    session.flush()
    return True


def change_roles(session: Session, username: str, add: Iterable[str] = (), remove: Iterable[str] = (), *,
                 actor_name: str = CLI_ACTOR) -> tuple[User, list[str], list[str]]:
    """Grant and withdraw roles; records ``role.change`` when something changed. Returns user, added, removed."""
    user = get_user(session, username)
    unknown = sorted((set(add) | set(remove)) - set(ROLES))
    if unknown:
        raise UserError("invalid_role", f"未知角色 {'、'.join(unknown)}；角色必须是 {'、'.join(ROLES)} 之一。")
    current = user.role_names()
    final, added, removed = _plan(current, add, remove, "角色")
    refuse_conflict(session, user.id, final, set(session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id))))
    if _apply(session, UserRole, user, "role", added, removed):
        audit.record(session, "role.change", actor_name=actor_name, subject_user_id=user.id,
                     details={"user_id": user.id, "username": user.username, "added": sorted(added),
                              "removed": sorted(removed), "roles": sorted(final)})
    return user, sorted(added), sorted(removed)


def user_unit_names(session: Session, user: User) -> list[str]:
    """The names of the units a user belongs to, by unit id."""
    return list(session.scalars(select(Unit.name).join(UserUnit, UserUnit.unit_id == Unit.id)
                                .where(UserUnit.user_id == user.id).order_by(Unit.id)))


def change_units(session: Session, username: str, add: Iterable[str] = (), remove: Iterable[str] = (), *,
                 actor_name: str = CLI_ACTOR) -> tuple[User, list[str], list[str]]:
    """Add the user to units and take them out of others; records ``user.update`` when something changed."""
    user = get_user(session, username)
    add_units = [find_unit(session, ref) for ref in add]
    remove_units = [find_unit(session, ref) for ref in remove]
    by_id = {u.id: u for u in add_units + remove_units}
    add_ids, remove_ids = {u.id for u in add_units}, {u.id for u in remove_units}
    current = set(session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id)))
    final, added, removed = _plan(current, add_ids, remove_ids, "单位")
    refuse_conflict(session, user.id, user.role_names(), final)
    if _apply(session, UserUnit, user, "unit_id", added, removed):
        audit.record(session, "user.update", actor_name=actor_name, subject_user_id=user.id,
                     details={"user_id": user.id, "username": user.username, "field": "units",
                              "added": sorted(by_id[i].name for i in added),
                              "removed": sorted(by_id[i].name for i in removed),
                              "units": user_unit_names(session, user)})
    return user, sorted(by_id[i].name for i in added), sorted(by_id[i].name for i in removed)


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every live API token of the user; returns how many were live."""
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    return result.rowcount or 0


def set_active(session: Session, username: str, active: bool, *, actor_name: str = CLI_ACTOR) -> tuple[User, bool]:
    """Enable or disable a user; disabling also ends their sessions and revokes their API tokens.

    Returns the user and whether anything changed (``user.update`` is recorded only then).
    """
    from reviewer.admin.security import end_sessions

    user = get_user(session, username)
    if user.active == active:
        return user, False
    user.active = active
    details: dict = {"user_id": user.id, "username": user.username, "field": "active", "active": active}
    if not active:
        end_sessions(session, user)
        details["tokens_revoked"] = revoke_tokens(session, user)
    session.flush()
    audit.record(session, "user.update", actor_name=actor_name, subject_user_id=user.id, details=details)
    return user, True


def reset_password(session: Session, username: str, password: str, *, actor_name: str = CLI_ACTOR) -> User:
    """Set a new password chosen by an administrator and end the user's sessions (``password.change``)."""
    from reviewer.admin.security import end_sessions, hash_password, validate_new_password

    user = get_user(session, username)
    validate_new_password(password, username=user.username)
    user.password_hash = hash_password(password)
    end_sessions(session, user)
    audit.record(session, "password.change", actor_name=actor_name, subject_user_id=user.id,
                 details={"user_id": user.id, "username": user.username, "reset": True})
    return user


def unlock(session: Session, username: str, *, actor: User | None = None, actor_name: str = CLI_ACTOR,
           ip: str | None = None) -> tuple[User, bool]:
    """Lift the login block of a user's account name: its throttle row and the legacy lock columns.

    Records ``login.unlock`` when there was something to lift; returns the user and whether there was.
    The client addresses that failed stay throttled: they are not this user's to lift.
    """
    from reviewer.admin.security import lift_account_throttle

    user = get_user(session, username)
    legacy = {"failed_logins": user.failed_logins or 0,
              "locked_until": user.locked_until.isoformat() if user.locked_until else None}
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    lifted = lift_account_throttle(session, user.username)
    if lifted is None and not legacy["failed_logins"] and legacy["locked_until"] is None:
        return user, False
    audit.record(session, "login.unlock", actor_id=actor.id if actor else None,
                 actor_name=actor.username if actor else actor_name, ip=ip, subject_user_id=user.id,
                 details={"user_id": user.id, "username": user.username, "throttle": lifted, **legacy})
    return user, True


@dataclass(frozen=True)
class UserSummary:
    """One line of ``reviewer user list``."""

    user: User
    roles: list[str]
    units: list[str]
    live_tokens: int
    locked_until: datetime | None


def list_users(session: Session) -> list[UserSummary]:
    """Every user with roles, units and live token count, by username."""
    now = utcnow()
    roles: dict[int, list[str]] = {}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role).order_by(UserRole.role)):
        roles.setdefault(user_id, []).append(role)
    units: dict[int, list[str]] = {}
    for user_id, name in session.execute(select(UserUnit.user_id, Unit.name)
                                         .join(Unit, Unit.id == UserUnit.unit_id).order_by(Unit.id)):
        units.setdefault(user_id, []).append(name)
    tokens: dict[int, int] = {}
    for (user_id,) in session.execute(select(ApiToken.user_id).where(ApiToken.revoked_at.is_(None))):
        tokens[user_id] = tokens.get(user_id, 0) + 1
    return [UserSummary(u, roles.get(u.id, []), units.get(u.id, []), tokens.get(u.id, 0),
                        u.locked_until if u.locked_until and u.locked_until > now else None)
            for u in session.scalars(select(User).order_by(User.username))]


def search_users(session: Session, unit_ids: set[int], *, query: str = "", role: str = "", unit_id: int | None = None,
                 page: int = 1, size: int = 20):
    """Users of ``unit_ids`` matching ``query`` (login or name), ``role`` and ``unit_id``, one page by username.

    Returns a ``register.Page`` of ``UserSummary`` rows (roles, units, live tokens, lock).
    """
    from sqlalchemy import func, or_

    from reviewer.admin.register import Page

    statement = select(User.id).where(User.id.in_(select(UserUnit.user_id).where(UserUnit.unit_id.in_(sorted(unit_ids) or [-1]))))
    text = (query or "").strip()[:100].replace("%", "").replace("_", "")
    if text:
        statement = statement.where(or_(User.username.like(f"%{text}%"), User.display_name.like(f"%{text}%")))
    if role:
        statement = statement.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if unit_id is not None:
        statement = statement.where(User.id.in_(select(UserUnit.user_id).where(UserUnit.unit_id == unit_id)))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    ids = list(session.scalars(statement.order_by(User.username).limit(size).offset((page - 1) * size)))
    by_id = {s.user.id: s for s in list_users(session) if s.user.id in set(ids)}
    return Page([by_id[i] for i in ids], total, page, pages)
