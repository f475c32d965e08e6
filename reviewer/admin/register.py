"""The register (备案台账) of accounts: its fields, registering and editing an account, searching it.

The fields are data (``FIELDS``: the column an office files, its label and how a value is read),
so the form, the export, the import and the edit read the same list. Every change writes one
``account.change`` entry with what changed (field -> [old, new]) in the caller's transaction.
Name and 主办单位 can change; a name stays unique per platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from reviewer.admin.units import CLI_ACTOR, UnitError, _levels, _name, _optional_text, find_unit
from reviewer.audit import chain as audit
from reviewer.registry import default_rules
from reviewer.storage import Account, Operator, Unit, descendant_unit_ids
from reviewer.vocabulary import PLATFORMS, SUBJECT_LEVEL_NAMES

#: The interaction switches of an account and how the register names them (互动功能).
FLAGS: tuple[tuple[str, str], ...] = (("comments_open", "评论"), ("messages_open", "留言"), ("dm_open", "私信"))
YES, NO = "是", "否"


@dataclass(frozen=True)
class Field:
    """One field of the register: the key forms and imports use, its label, its length limit."""

    key: str
    label: str
    limit: int | None = None


#: The register's fields in the order an office files them (序号 and 互动功能 are added by the export).
FIELDS: tuple[Field, ...] = (
    Field("platform", "新媒体类型"), Field("platform_other", "其他", 50), Field("name", "新媒体名称"),
    Field("platform_account_id", "账号ID", 200), Field("url", "网址", 2000), Field("unit", "主办单位"),
    Field("supervisor_unit", "主管单位"), Field("subject_name", "代表主体名称", 200),
    Field("subject_level", "开设主体级别"), Field("verification", "认证信息", 200),
    Field("contact_name", "负责同志", 100), Field("contact_phone", "联系电话", 50),
    Field("comments_open", "评论"), Field("messages_open", "留言"), Field("dm_open", "私信"),
    Field("high_attention", "高关注度"), Field("review_levels", "审核级数"), Field("operator", "托管单位"),
    Field("state", "状态"),
)
LABELS = {f.key: f.label for f in FIELDS}
TEXT_FIELDS = {f.key: f.limit for f in FIELDS if f.limit}


def _flag(value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip()
    if text in (YES, "1", "true", "on", "开", "开启", "开放"):
        return True
    if text in (NO, "", "0", "false", "off", "关", "关闭"):
        return False
    raise UnitError("invalid_flag", f"{label}只能填“是”或“否”，而不是“{text}”。")


def _level(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    for code, name in SUBJECT_LEVEL_NAMES.items():
        if text in (code, name):
            return code
    raise UnitError("invalid_subject_level", f"开设主体级别必须是 {'、'.join(SUBJECT_LEVEL_NAMES.values())} 之一，而不是“{text}”。")


def state_code(value: Any) -> str:
    """A lifecycle state from its code or its Chinese name (已上线 / live)."""
    text = str(value or "").strip()
    for code, name in default_rules().states.items():
        if text in (code, name):
            return code
    raise UnitError("unknown_state", f"没有“{text}”这个账号状态，可用的是：{'、'.join(default_rules().states.values())}")


def _operator(session: Session, value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    found = session.scalar(select(Operator.id).where(Operator.name == text))
    if found is None and text.isdigit() and len(text) < 10:
        found = session.scalar(select(Operator.id).where(Operator.id == int(text)))
    if found is None:
        raise UnitError("unknown_operator", f"找不到托管单位“{text}”。可先用 reviewer registry operator 登记。")
    return found


def clean(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """Column -> value for the register fields present in ``values``, each checked; refuses the first bad one."""
    out: dict[str, Any] = {}
    for key, raw in values.items():
        if key == "name":
            out["name"] = _name(str(raw or ""), "账号")
        elif key == "platform":
            platform = str(raw or "").strip()
            if platform not in PLATFORMS:
                raise UnitError("invalid_platform", f"新媒体类型必须是 {'、'.join(PLATFORMS)} 之一，而不是“{platform}”。")
            out["platform"] = platform
        elif key == "unit":
            out["unit_id"] = find_unit(session, str(raw or "").strip()).id
        elif key == "supervisor_unit":
            out["supervisor_unit_id"] = find_unit(session, str(raw).strip()).id if str(raw or "").strip() else None
        elif key == "subject_level":
            out["subject_level"] = _level(raw)
        elif key in ("comments_open", "messages_open", "dm_open", "high_attention"):
            out[key] = _flag(raw, LABELS[key])
        elif key == "review_levels":
            text = str(raw or "").strip()
            out["review_levels"] = _levels(int(text) if text.isdigit() and len(text) < 3 else -1)
        elif key == "operator":
            out["operator_id"] = _operator(session, raw)
        elif key == "state":
            out["state"] = state_code(raw)
        elif key in TEXT_FIELDS:
            text = _optional_text(None if raw is None else str(raw))
            if text and len(text) > TEXT_FIELDS[key]:
                raise UnitError("too_long", f"{LABELS[key]}不能超过 {TEXT_FIELDS[key]} 个字符。")
            out[key] = text
        else:
            raise UnitError("invalid_input", f"备案台账没有“{key}”这一项。")
    if "platform_other" in out and out.get("platform", "其他") != "其他" and out["platform_other"]:
        raise UnitError("invalid_input", "“其他”一栏只在新媒体类型为“其他”时填写（如 小程序、视频号）。")
    return out


def _unique(session: Session, name: str, platform: str, except_id: int | None) -> None:
    query = select(Account.id).where(Account.name == name, Account.platform == platform)
    if except_id is not None:
        query = query.where(Account.id != except_id)
    if session.scalar(query.limit(1)) is not None:
        raise UnitError("duplicate_name", f"{platform}账号“{name}”已存在。")


def shown(session: Session, column: str, value: Any) -> Any:
    """A stored value as the audit entry and the page show it (unit and operator by name)."""
    if value is None:
        return None
    if column in ("unit_id", "supervisor_unit_id"):
        return session.get(Unit, value).name
    if column == "operator_id":
        return session.get(Operator, value).name
    return value


def register_account(session: Session, values: Mapping[str, Any], *, actor_name: str = CLI_ACTOR) -> Account:
    """Put an account on the register (name, 新媒体类型 and 主办单位 required; state 已上线 unless given)."""
    from reviewer.admin.operators import check_account_operator

    missing = [LABELS[k] for k in ("name", "platform", "unit") if not str(values.get(k) or "").strip()]
    if missing:
        raise UnitError("invalid_input", f"请填写{'、'.join(missing)}。")
    fields = {"review_levels": 2, "state": "live", **clean(session, values)}
    _unique(session, fields["name"], fields["platform"], None)
    account = Account(active=True, **fields)
    session.add(account)
    session.flush()
    check_account_operator(session, account)
    audit.record(session, "account.change", actor_name=actor_name, unit_id=account.unit_id, account_id=account.id,
                 details={"action": "create", "account_id": account.id, "name": account.name,
                          "platform": account.platform,
                          **{c: shown(session, c, v) for c, v in fields.items() if c not in ("name", "platform")}})
    return account


def edit_account(session: Session, account_id: int, values: Mapping[str, Any], *,
                 actor_name: str = CLI_ACTOR) -> tuple[Account, dict[str, list]]:
    """Change register fields of an account (not its state: that is a transition); returns what changed."""
    from reviewer.admin.operators import check_account_operator
    from reviewer.admin.units import get_account

    account = get_account(session, account_id)
    if "state" in values:
        raise UnitError("invalid_input", "账号状态只能通过状态变更（上线、临时下线、注销等）改变。")
    wanted = clean(session, values)
    _unique(session, wanted.get("name", account.name), wanted.get("platform", account.platform), account.id)
    changes = {c: [shown(session, c, getattr(account, c)), shown(session, c, v)]
               for c, v in wanted.items() if getattr(account, c) != v}
    if not changes:
        return account, {}
    for column, value in wanted.items():
        setattr(account, column, value)
    session.flush()
    check_account_operator(session, account)
    audit.record(session, "account.change", actor_name=actor_name, unit_id=account.unit_id, account_id=account.id,
                 details={"action": "update", "account_id": account.id, "name": account.name, "changes": changes})
    return account, changes


def find_account(session: Session, ref: str | int) -> Account:
    """An account by number, or by its exact name when only one account has it."""
    from reviewer.admin.units import get_account

    key = str(ref).strip()
    if key.isdigit() and len(key) < 10:
        return get_account(session, int(key))
    found = list(session.scalars(select(Account).where(Account.name == key).limit(2)))
    if len(found) == 1:
        return found[0]
    if found:
        raise UnitError("ambiguous_account", f"有多个账号名为“{key}”，请用账号编号。")
    raise UnitError("unknown_account", f"找不到账号“{key}”。")


@dataclass(frozen=True)
class Page:
    """One page of a search: the rows, how many matched, and the page number and count."""

    rows: list
    total: int
    page: int
    pages: int


def search_accounts(session: Session, *, unit_ids: Iterable[int] | None = None, query: str = "",
                    state: str = "", page: int = 1, size: int = 20) -> Page:
    """Accounts of ``unit_ids`` (None: all) matching ``query`` (name, 账号ID, unit), by id, one page."""
    statement = select(Account, Unit.name).join(Unit, Unit.id == Account.unit_id)
    if unit_ids is not None:
        statement = statement.where(Account.unit_id.in_(sorted(set(unit_ids)) or [-1]))
    text = (query or "").strip()[:100]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(Account.name.like(like), Account.platform_account_id.like(like),
                                        Unit.name.like(like), Account.subject_name.like(like)))
    if state:
        statement = statement.where(Account.state == state)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = session.execute(statement.order_by(Account.id).limit(size).offset((page - 1) * size)).all()
    return Page(rows, total, page, pages)


def scoped_account(session: Session, account_id: int, unit_ids: set[int] | None) -> Account:
    """The account when it belongs to one of ``unit_ids`` (None: any); otherwise ``unknown_account``."""
    from reviewer.admin.units import get_account

    account = get_account(session, account_id)
    if unit_ids is not None and account.unit_id not in unit_ids:
        raise UnitError("unknown_account", f"找不到编号为 {account_id} 的账号。")
    return account


def admin_unit_ids(session: Session, user_id: int) -> set[int]:
    """The units an administrator manages: their own and every unit below them."""
    from reviewer.storage import UserUnit

    return descendant_unit_ids(session, session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user_id)))


def interaction_text(account: Account) -> str:
    """``评论、私信`` or ``无``: the 互动功能 column."""
    return "、".join(label for column, label in FLAGS if getattr(account, column)) or "无"


def find_unit_id(session: Session, ref: str) -> int:
    """The id of the unit named (or numbered) ``ref``."""
    return find_unit(session, ref).id


#: Stored column -> the register's label, for showing an ``account.change`` entry's changes.
CHANGE_LABELS = {**LABELS, "unit_id": "主办单位", "supervisor_unit_id": "主管单位", "operator_id": "托管单位"}
