"""Outsourced operators (托管单位), their staff, and the contacts of a unit.

An operator has its 互联网新闻信息服务资质 (number, expiry) and its management rules on file; its
staff are users marked as outsourced with their background check (date, result). The rule of
托管变脱管: outsourced staff never hold the reviewer or publisher role for an account their
operator runs. It is checked wherever that could start to hold: a role granted, a unit joined,
a user marked as staff, an account handed to an operator (``outsourced_conflict``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.admin.units import CLI_ACTOR, UnitError, _name, _optional_text, find_unit
from reviewer.audit import chain as audit
from reviewer.errors import WorkflowError
from reviewer.storage import Account, Operator, OutsourcedStaff, UnitContact, User, UserRole, UserUnit, descendant_unit_ids
from reviewer.vocabulary import BACKGROUND_RESULT_NAMES, CONTACT_ROLE_NAMES, ROLE_NAMES

#: Roles outsourced staff may not hold over their operator's accounts.
GUARDED_ROLES = frozenset({"reviewer", "publisher"})


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
    held = "、".join(ROLE_NAMES[r] for r in sorted(roles & GUARDED_ROLES))
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
