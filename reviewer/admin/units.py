"""Units and accounts: the tree of offices and the accounts they host, changed only with an audit entry.

Issue 5 puts unit changes on the record, so every function here that changes a row writes its
``unit.change`` or ``account.change`` entry in the caller's transaction (the caller commits).
Unit names are unique across the deployment because people and commands name units by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer.errors import WorkflowError, unstorable_character
from reviewer.storage import Account, Unit, descendant_unit_ids
from reviewer.vocabulary import LEVELS, PLATFORMS

CLI_ACTOR = "命令行"
MAX_NAME = 200


class UnitError(WorkflowError):
    """A unit or account cannot be changed as asked; ``message`` says why, in Chinese."""


def find_unit(session: Session, name_or_id: str | int) -> Unit:
    """A unit by its exact name, or by its number."""
    key = str(name_or_id).strip()
    unit = session.scalar(select(Unit).where(Unit.name == key).order_by(Unit.id).limit(1))
    if unit is None and key.isdigit() and len(key) < 10:
        unit = session.get(Unit, int(key))
    if unit is None:
        known = "、".join(session.scalars(select(Unit.name).order_by(Unit.id).limit(20))) or "（尚无单位）"
        raise UnitError("unknown_unit", f"找不到单位“{name_or_id}”。现有单位：{known}")
    return unit


def _name(value: str, what: str) -> str:
    name = (value or "").strip()
    if not name or len(name) > MAX_NAME:
        raise UnitError("invalid_name", f"{what}名称不能为空，且不超过 {MAX_NAME} 个字符。")
    bad = unstorable_character(name)
    if bad:
        raise UnitError("invalid_characters", f"{what}名称含有不能保存的字符：{bad}。")
    return name


def _unique_unit_name(session: Session, name: str, *, except_id: int | None = None) -> None:
    query = select(Unit.id).where(Unit.name == name)
    if except_id is not None:
        query = query.where(Unit.id != except_id)
    if session.scalar(query.limit(1)) is not None:
        raise UnitError("duplicate_name", f"单位“{name}”已存在。")


def _record(session: Session, event: str, actor_name: str, *, unit_id: int | None,
            account_id: int | None = None, details: dict) -> None:
    from reviewer.audit import chain as audit

    audit.record(session, event, actor_name=actor_name, unit_id=unit_id, account_id=account_id, details=details)


def add_unit(session: Session, name: str, parent: str | int | None = None, *,
             actor_name: str = CLI_ACTOR) -> Unit:
    """Insert a unit (under ``parent`` when given) and record ``unit.change``."""
    name = _name(name, "单位")
    _unique_unit_name(session, name)
    parent_unit = find_unit(session, parent) if parent is not None else None
    unit = Unit(name=name, parent_id=parent_unit.id if parent_unit else None)
    session.add(unit)
    session.flush()
    _record(session, "unit.change", actor_name, unit_id=unit.id,
            details={"action": "create", "unit_id": unit.id, "name": name,
                     "parent": parent_unit.name if parent_unit else None})
    return unit


def update_unit(session: Session, unit_ref: str | int, *, name: str | None = None,
                parent: str | int | None = None, make_root: bool = False,
                actor_name: str = CLI_ACTOR) -> tuple[Unit, dict[str, list]]:
    """Rename a unit or move it under another (or to the top); refuses moves that would make a cycle.

    Returns the unit and what changed (field -> [old, new]).
    """
    unit = find_unit(session, unit_ref)
    changes: dict[str, list] = {}
    if name is not None:
        new_name = _name(name, "单位")
        if new_name != unit.name:
            _unique_unit_name(session, new_name, except_id=unit.id)
            changes["name"] = [unit.name, new_name]
            unit.name = new_name
    if parent is not None and make_root:
        raise UnitError("invalid_input", "不能同时指定上级单位和设为顶级单位。")
    if parent is not None or make_root:
        new_parent = find_unit(session, parent) if parent is not None else None
        new_parent_id = new_parent.id if new_parent else None
        if new_parent is not None and new_parent.id in descendant_unit_ids(session, [unit.id]):
            raise UnitError("unit_cycle", f"不能把“{unit.name}”移到“{new_parent.name}”之下：后者是它自己或它的下级单位。")
        if new_parent_id != unit.parent_id:
            old_parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
            changes["parent"] = [old_parent.name if old_parent else None, new_parent.name if new_parent else None]
            unit.parent_id = new_parent_id
    if changes:
        session.flush()
        if "parent" in changes:
            from reviewer.admin.operators import check_all_staff

            check_all_staff(session)  # a move can bring an operator's account under its staff's reviewer role
        _record(session, "unit.change", actor_name, unit_id=unit.id,
                details={"action": "update", "unit_id": unit.id, "name": unit.name, "changes": changes})
    return unit, changes


def move_unit(session: Session, unit_id: int, parent_id: int, scope: set[int], *,
              actor_name: str = CLI_ACTOR) -> tuple[Unit, dict[str, list]]:
    """Move one of an administrator's units (``scope``) under another of them; never out of their units or into a cycle."""
    unit = find_unit(session, unit_id)
    if unit.id not in scope:
        raise UnitError("unit_out_of_scope", f"“{unit.name}”不在您管理的单位之内，不能移动。")
    parent = find_unit(session, parent_id)
    if parent.id not in scope:
        raise UnitError("unit_out_of_scope", f"不能把“{unit.name}”移到“{parent.name}”之下：新的上级单位须是您管理的单位。")
    if parent.id == unit.parent_id:
        raise UnitError("unit_not_moved", f"“{unit.name}”已经在“{parent.name}”之下。")
    return update_unit(session, unit.id, parent=parent.id, actor_name=actor_name)


@dataclass(frozen=True)
class TreeLine:
    """One unit in the printed tree: its depth, the unit and how many accounts it hosts."""

    depth: int
    unit: Unit
    accounts: int


def unit_tree(session: Session) -> list[TreeLine]:
    """Every unit, parents before children, siblings by id (what ``reviewer unit list`` prints)."""
    units = list(session.scalars(select(Unit).order_by(Unit.id)))
    counts = dict(session.execute(select(Account.unit_id, func.count()).group_by(Account.unit_id)).all())
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    lines: list[TreeLine] = []
    stack = [(0, u) for u in reversed(children.get(None, []))]
    while stack:
        depth, unit = stack.pop()
        lines.append(TreeLine(depth, unit, counts.get(unit.id, 0)))
        stack.extend((depth + 1, child) for child in reversed(children.get(unit.id, [])))
    return lines


def _levels(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        raise UnitError("invalid_levels", "审核级数必须是 1、2 或 3。")
    return value


def _optional_text(value: str | None, limit: int | None = None) -> str | None:
    text = (value or "").strip()
    bad = unstorable_character(text)
    if bad:
        raise UnitError("invalid_characters", f"内容含有不能保存的字符：{bad}。")
    return (text[:limit] if limit else text) or None


def add_account(session: Session, name: str, platform: str, unit: str | int, levels: int, *,
                department: str | None = None, duty: str | None = None,
                actor_name: str = CLI_ACTOR) -> Account:
    """Insert an active account of ``unit`` and record ``account.change``; a name is unique per platform."""
    name = _name(name, "账号")
    if platform not in PLATFORMS:
        raise UnitError("invalid_platform", f"平台必须是 {'、'.join(PLATFORMS)} 之一。")
    levels = _levels(levels)
    host = find_unit(session, unit)
    if session.scalar(select(Account.id).where(Account.name == name, Account.platform == platform).limit(1)):
        raise UnitError("duplicate_name", f"{platform}账号“{name}”已存在。")
    account = Account(name=name, platform=platform, unit_id=host.id, review_levels=levels,
                      department=_optional_text(department, 100), duty=_optional_text(duty),
                      active=True)
    session.add(account)
    session.flush()
    _record(session, "account.change", actor_name, unit_id=host.id, account_id=account.id,
            details={"action": "create", "account_id": account.id, "name": name, "platform": platform,
                     "unit": host.name, "review_levels": levels, "department": account.department,
                     "duty": account.duty})
    return account


def get_account(session: Session, account_id: int) -> Account:
    """The account with this number, whether active or not."""
    account = session.get(Account, account_id) if 0 < account_id < 2**31 else None
    if account is None:
        raise UnitError("unknown_account", f"找不到编号为 {account_id} 的账号。")
    return account


def update_account(session: Session, account_id: int, *, levels: int | None = None, duty: str | None = None,
                   active: bool | None = None, actor_name: str = CLI_ACTOR) -> tuple[Account, dict[str, list]]:
    """Change an account's review levels, duty or active flag; returns it and what changed (old, new)."""
    account = get_account(session, account_id)
    wanted = {
        "review_levels": _levels(levels) if levels is not None else account.review_levels,
        "duty": _optional_text(duty) if duty is not None else account.duty,
        "active": active if active is not None else account.active,
    }
    changes = {field: [getattr(account, field), value] for field, value in wanted.items()
               if getattr(account, field) != value}
    if changes:
        for field, (_old, value) in changes.items():
            setattr(account, field, value)
        session.flush()
        _record(session, "account.change", actor_name, unit_id=account.unit_id, account_id=account.id,
                details={"action": "update", "account_id": account.id, "name": account.name,
                         "changes": changes})
    return account, changes


def list_accounts(session: Session) -> list[tuple[Account, str]]:
    """Every account with its host unit's name, by id."""
    return list(session.execute(
        select(Account, Unit.name).join(Unit, Unit.id == Account.unit_id).order_by(Account.id)
    ))
