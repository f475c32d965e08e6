"""Outsourced operators (托管单位), their staff, and the contacts of a unit.

An operator has its 互联网新闻信息服务资质 (number, expiry) and its management rules on file; its
staff are users marked as outsourced with their background check (date, result). The rule of
托管变脱管: outsourced staff never hold the reviewer or publisher role for an account their
operator runs. It is checked wherever that could start to hold: a role granted, a unit joined,
a user marked as staff, an account handed to an operator (``outsourced_conflict``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer.admin.units import CLI_ACTOR, UnitError, _name, _optional_text, find_unit
from reviewer.audit import chain as audit
from reviewer.errors import WorkflowError
from reviewer.permissions import outsourced_roles
from reviewer.storage import Account, Operator, OutsourcedStaff, UnitContact, User, UserRole, UserUnit, descendant_unit_ids
from reviewer.vocabulary import BACKGROUND_RESULT_NAMES, CONTACT_ROLE_NAMES, ROLE_NAMES

#: Roles outsourced staff may not hold over their operator's accounts (from the permissions table).
GUARDED_ROLES = outsourced_roles()


def conflict(session: Session, user_id: int, roles: set[str], unit_ids: set[int]) -> Account | None:
    """An account of the user's operator that ``roles`` over ``unit_ids`` would let them review or publish."""
    staff = session.get(OutsourcedStaff, user_id)
    if staff is None or not (roles & GUARDED_ROLES):
        return None
    reach = descendant_unit_ids(session, unit_ids)
    return session.scalar(select(Account).where(Account.operator_id == staff.operator_id,
                                                Account.unit_id.in_(sorted(reach) or [-1])).order_by(Account.id).limit(1))


def refuse_conflict(session: Session, user_id: int, roles: set[str], unit_ids: set[int]) -> None:
    """Refuse (``outsourced_conflict``) a role or unit set that would break the rule for this user."""
    account = conflict(session, user_id, roles, unit_ids)
    if account is None:
        return
    user = session.get(User, user_id)
    operator = session.get(Operator, account.operator_id)
    held = "、".join(name for role, name in ROLE_NAMES.items() if role in roles & GUARDED_ROLES)
    raise WorkflowError("outsourced_conflict",
                        f"{user.username} 是托管单位“{operator.name}”的外包人员，不能担任其托管账号“{account.name}”的{held}"
                        "（托管变脱管：外包人员不得审核、发布所托管的账号）。")


def _roles_and_units(session: Session, user_id: int) -> tuple[set[str], set[int]]:
    roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
    return roles, set(session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user_id)))


def check_account_operator(session: Session, account: Account) -> None:
    """Refuse handing ``account`` to an operator one of whose staff reviews or publishes it."""
    if account.operator_id is None:
        return
    for user_id in session.scalars(select(OutsourcedStaff.user_id).where(OutsourcedStaff.operator_id == account.operator_id)):
        roles, units = _roles_and_units(session, user_id)
        refuse_conflict(session, user_id, roles, units)


def add_operator(session: Session, name: str, *, license_number: str | None = None,
                 license_expires: date | None = None, rules_on_file: bool = False, rules_note: str | None = None,
                 actor_name: str = CLI_ACTOR) -> Operator:
    """Register an operator (托管单位) and record ``operator.change``."""
    name = _name(name, "托管单位")
    if session.scalar(select(Operator.id).where(Operator.name == name)) is not None:
        raise UnitError("duplicate_name", f"托管单位“{name}”已存在。")
    operator = Operator(name=name, license_number=_optional_text(license_number, 100), license_expires=license_expires,
                        rules_on_file=rules_on_file, rules_note=_optional_text(rules_note))
    session.add(operator)
    session.flush()
    audit.record(session, "operator.change", actor_name=actor_name,
                 details={"action": "create", "operator_id": operator.id, "name": name,
                          "license_number": operator.license_number,
                          "license_expires": license_expires.isoformat() if license_expires else None,
                          "rules_on_file": rules_on_file})
    return operator


def find_operator(session: Session, ref: str | int) -> Operator:
    key = str(ref).strip()
    operator = session.scalar(select(Operator).where(Operator.name == key))
    if operator is None and key.isdigit() and len(key) < 10:
        operator = session.get(Operator, int(key))
    if operator is None:
        raise UnitError("unknown_operator", f"找不到托管单位“{ref}”。")
    return operator


def set_staff(session: Session, username: str, operator_ref: str | int, *, check_date: date | None = None,
              check_result: str = "pending", actor_name: str = CLI_ACTOR) -> OutsourcedStaff:
    """Mark a user as staff of an operator with their background check; refused when the rule would break."""
    from reviewer.admin.users import get_user

    user = get_user(session, username)
    operator = find_operator(session, operator_ref)
    if check_result not in BACKGROUND_RESULT_NAMES:
        raise UnitError("invalid_input", f"背景审查结论必须是 {'、'.join(BACKGROUND_RESULT_NAMES.values())} 之一。")
    if check_date is not None and check_date > date.today():
        raise UnitError("invalid_date", f"背景审查日期 {check_date} 晚于今天。")
    if check_result != "pending" and check_date is None:
        raise UnitError("invalid_input", "背景审查有了结论，须写明审查日期。")
    staff = session.get(OutsourcedStaff, user.id) or OutsourcedStaff(user_id=user.id)
    staff.operator_id, staff.check_date, staff.check_result = operator.id, check_date, check_result
    session.add(staff)
    session.flush()
    refuse_conflict(session, user.id, *_roles_and_units(session, user.id))
    audit.record(session, "operator.change", actor_name=actor_name, subject_user_id=user.id,
                 details={"action": "staff", "operator_id": operator.id, "operator": operator.name,
                          "username": user.username, "check_date": check_date.isoformat() if check_date else None,
                          "check_result": check_result})
    return staff


def set_contact(session: Session, unit_ref: str | int, role: str, name: str, phone: str | None = None, *,
                actor_name: str = CLI_ACTOR) -> UnitContact:
    """Set a unit's 联络员 / 分管负责人 / 主要负责人 (``contact.change``)."""
    unit = find_unit(session, unit_ref)
    if role not in CONTACT_ROLE_NAMES:
        raise UnitError("invalid_input", f"联系人类别必须是 {'、'.join(CONTACT_ROLE_NAMES.values())} 之一。")
    contact = session.get(UnitContact, (unit.id, role)) or UnitContact(unit_id=unit.id, role=role)
    before = [contact.name, contact.phone] if contact.name else None
    contact.name, contact.phone = _name(name, "联系人")[:100], _optional_text(phone, 50)
    session.add(contact)
    session.flush()
    audit.record(session, "contact.change", actor_name=actor_name, unit_id=unit.id,
                 details={"unit": unit.name, "role": role, "role_name": CONTACT_ROLE_NAMES[role],
                          "before": before, "after": [contact.name, contact.phone]})
    return contact


def contacts_of(session: Session, unit_id: int) -> list[UnitContact]:
    """The unit's contacts in the vocabulary's order."""
    found = {c.role: c for c in session.scalars(select(UnitContact).where(UnitContact.unit_id == unit_id))}
    return [found[r] for r in CONTACT_ROLE_NAMES if r in found]


def license_status(operator: Operator, today: date) -> str:
    """The 资质 now (``LICENSE_STATUS_NAMES``): missing, expired, expiring within the rules' warning days, or valid."""
    from datetime import timedelta

    from reviewer.registry import default_rules

    if not operator.license_number or operator.license_expires is None:
        return "missing"
    if operator.license_expires < today:
        return "expired"
    if operator.license_expires <= today + timedelta(days=default_rules().license_warning_days):
        return "expiring"
    return "valid"


RULES_FILE_PREFIX = "文件："


def rules_record(text: str | None, file_name: str | None = None, content: bytes | None = None) -> str | None:
    """The management rules on file as stored: the text, headed by an uploaded file's name and SHA-256.

    A new file replaces the line of an earlier one; the text after it is kept as written.
    """
    import hashlib

    lines = [line for line in (text or "").strip().splitlines()
             if not (content is not None and line.startswith(RULES_FILE_PREFIX))]
    if content is not None:
        name = _name((file_name or "").replace("\\", "/").rsplit("/", 1)[-1], "制度文件")
        lines.insert(0, f"{RULES_FILE_PREFIX}{name}（SHA-256：{hashlib.sha256(content).hexdigest()}）")
    return _optional_text("\n".join(lines).strip())


#: The operator's fields a form or a command may change, and their labels (audit entries, pages).
OPERATOR_LABELS = {"name": "名称", "license_number": "资质证号", "license_expires": "资质有效期至", "rules_note": "管理制度"}


def foreign_accounts(session: Session, operator: Operator, unit_ids: set[int]) -> int:
    """How many accounts the operator runs outside ``unit_ids`` (an admin's units)."""
    return session.scalar(select(func.count(Account.id)).where(
        Account.operator_id == operator.id, Account.unit_id.not_in(sorted(unit_ids) or [-1]))) or 0


def refuse_foreign_edit(session: Session, operator: Operator, unit_ids: set[int]) -> None:
    """An operator shared with units outside ``unit_ids`` is edited only by an admin over all of them:
    its name, 资质 and rules are what those units' registers show too (``operator_shared``)."""
    count = foreign_accounts(session, operator, unit_ids)
    if count:
        raise UnitError("operator_shared", f"托管单位“{operator.name}”还运营您管理范围以外的 {count} 个账号，"
                                           "其名称、资质和管理制度只能由管辖全部这些账号的管理员修改。")


def edit_operator(session: Session, ref: str | int, values: dict, *, actor_name: str = CLI_ACTOR) -> tuple[Operator, dict]:
    """Change an operator's name, 资质 (number, expiry) or rules on file; returns it and what changed (old, new)."""
    operator = find_operator(session, ref)
    unknown = sorted(set(values) - set(OPERATOR_LABELS))
    if unknown:
        raise UnitError("invalid_input", f"托管单位没有“{'、'.join(unknown)}”这一项。")
    wanted: dict = {}
    if "name" in values:
        wanted["name"] = _name(values["name"], "托管单位")
        if session.scalar(select(Operator.id).where(Operator.name == wanted["name"], Operator.id != operator.id)):
            raise UnitError("duplicate_name", f"托管单位“{wanted['name']}”已存在。")
    if "license_number" in values:
        wanted["license_number"] = _optional_text(values["license_number"], 100)
    if "license_expires" in values:
        wanted["license_expires"] = values["license_expires"]
    if "rules_note" in values:
        wanted["rules_note"] = _optional_text(values["rules_note"])
        wanted["rules_on_file"] = wanted["rules_note"] is not None
    changes = {k: [_shown(getattr(operator, k)), _shown(v)] for k, v in wanted.items()
               if getattr(operator, k) != v and k != "rules_on_file"}
    if not changes:
        return operator, {}
    for key, value in wanted.items():
        setattr(operator, key, value)
    session.flush()
    audit.record(session, "operator.change", actor_name=actor_name,
                 details={"action": "update", "operator_id": operator.id, "name": operator.name, "changes": changes})
    return operator, changes


def _shown(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def remove_staff(session: Session, username: str, *, actor_name: str = CLI_ACTOR) -> OutsourcedStaff:
    """Take a user off an operator's staff (they are no longer outsourced), on record."""
    from reviewer.admin.users import get_user

    user = get_user(session, username)
    staff = session.get(OutsourcedStaff, user.id)
    if staff is None:
        raise UnitError("not_outsourced", f"{user.username} 不是任何托管单位的外包人员。")
    operator = session.get(Operator, staff.operator_id)
    session.delete(staff)
    session.flush()
    audit.record(session, "operator.change", actor_name=actor_name, subject_user_id=user.id,
                 details={"action": "staff_remove", "operator_id": operator.id, "operator": operator.name,
                          "username": user.username})
    return staff


def check_all_staff(session: Session) -> None:
    """Refuse a change (a unit moved in the tree) after which some outsourced staff could review their operator's account."""
    for user_id in session.scalars(select(OutsourcedStaff.user_id).order_by(OutsourcedStaff.user_id)):
        refuse_conflict(session, user_id, *_roles_and_units(session, user_id))


@dataclass(frozen=True)
class StaffLine:
    """One outsourced staff member as the operator's page lists them."""

    user: User
    staff: OutsourcedStaff
    roles: list[str]


@dataclass(frozen=True)
class OperatorView:
    """An operator with its 资质 status, the accounts it runs and its staff (those of ``unit_ids``)."""

    operator: Operator
    license: str
    accounts: list[Account]
    staff: list[StaffLine]


def operator_views(session: Session, today: date, unit_ids: set[int] | None = None,
                   operator_id: int | None = None) -> list[OperatorView]:
    """Every operator (or one), by name; accounts and staff limited to ``unit_ids`` (None: all)."""
    query = select(Operator).order_by(Operator.name)
    if operator_id is not None:
        query = query.where(Operator.id == operator_id)
    views = []
    for operator in session.scalars(query):
        accounts = select(Account).where(Account.operator_id == operator.id).order_by(Account.id)
        staff = (select(User, OutsourcedStaff).join(OutsourcedStaff, OutsourcedStaff.user_id == User.id)
                 .where(OutsourcedStaff.operator_id == operator.id).order_by(User.username))
        if unit_ids is not None:
            accounts = accounts.where(Account.unit_id.in_(sorted(unit_ids) or [-1]))
            members = select(UserUnit.user_id).where(UserUnit.unit_id.in_(sorted(unit_ids) or [-1]))
            staff = staff.where(User.id.in_(members))
        lines = [StaffLine(user, row, sorted(_roles_and_units(session, user.id)[0]))
                 for user, row in session.execute(staff).all()]
        views.append(OperatorView(operator, license_status(operator, today), list(session.scalars(accounts)), lines))
    return views
