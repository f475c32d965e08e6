"""Outsourced operators (托管单位) in the browser: the list, one operator's page, the forms, its staff.

Admin role. Operators are shared by the deployment (a company may run accounts of several units),
so every admin sees the operators; the accounts and the staff shown are only those of the admin's
units, and only users of those units can be made staff. An operator that also runs accounts
outside the admin's units is edited (name, 资质, rules) only by an admin over all of them. The work is done by
``reviewer.admin.operators`` (the functions ``reviewer registry operators`` calls), which writes the
audit entry; a refusal re-renders the form with the reason where the admin is looking and the
input kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from reviewer.admin import operators
from reviewer.admin.lifecycle import parse_day
from reviewer.admin.register import admin_unit_ids
from reviewer.errors import ReviewerError
from reviewer.storage import Operator, OutsourcedStaff, User, UserUnit
from reviewer.web.errors import status_of
from reviewer.web.security import current_actor, db, error_response, requires

bp = Blueprint("operators", __name__, url_prefix="/admin/operators")
FIELDS = ("name", "license_number", "license_expires", "rules_note")


def _scope() -> set[int]:
    return admin_unit_ids(db(), current_actor().id)


@bp.get("/")
@requires("admin.manage")
def index() -> Any:
    """托管单位: every operator with its 资质 status, and its accounts and staff in the admin's units."""
    return render_template("admin/operators.html", views=operators.operator_views(db(), date.today(), _scope()))


def _values() -> dict[str, str]:
    return {k: (request.form.get(k) or "").strip() for k in FIELDS}


def _cleaned(values: dict[str, str]) -> dict[str, Any]:
    """The form as ``edit_operator`` takes it: the expiry as a day, the rules with an uploaded file's name and hash."""
    upload = request.files.get("rules_file")
    content = upload.read() if upload and upload.filename else None
    return {"name": values["name"], "license_number": values["license_number"],
            "license_expires": parse_day(values["license_expires"], "资质有效期") if values["license_expires"] else None,
            "rules_note": operators.rules_record(values["rules_note"], upload.filename if content is not None else None,
                                                 content)}


def _form(operator: Operator | None, values: dict[str, str], error: ReviewerError | None = None) -> Any:
    body = render_template("admin/operator_form.html", operator=operator, values=values, error=error)
    return body, status_of(error) if error else 200


@bp.route("/new", methods=["GET", "POST"])
@requires("admin.manage")
def new() -> Any:
    """登记托管单位: name, 互联网新闻信息服务资质 (number, expiry), management rules on file."""
    if request.method == "GET":
        return _form(None, dict.fromkeys(FIELDS, ""))
    values = _values()
    try:
        cleaned = _cleaned(values)
        operator = operators.add_operator(db(), cleaned["name"], license_number=cleaned["license_number"],
                                          license_expires=cleaned["license_expires"],
                                          rules_on_file=cleaned["rules_note"] is not None, rules_note=cleaned["rules_note"],
                                          actor_name=current_actor().username)
    except ReviewerError as exc:
        db().rollback()
        return _form(None, values, exc)
    flash(f"已登记托管单位 {operator.name}。", "success")
    return redirect(url_for("operators.operator", operator_id=operator.id))


def _found(operator_id: int) -> Any:
    operator = db().get(Operator, operator_id) if 0 < operator_id < 2**31 else None
    return operator if operator is not None else error_response(404, "找不到该托管单位。", "unknown_operator")


@bp.route("/<int:operator_id>/edit", methods=["GET", "POST"])
@requires("admin.manage")
def edit(operator_id: int) -> Any:
    """修改托管单位: its name, 资质 or rules on file (each change audited with before and after)."""
    found = _found(operator_id)
    if not isinstance(found, Operator):
        return found
    if request.method == "GET":
        return _form(found, {"name": found.name, "license_number": found.license_number or "",
                             "license_expires": found.license_expires.isoformat() if found.license_expires else "",
                             "rules_note": found.rules_note or ""})
    values = _values()
    try:
        operators.refuse_foreign_edit(db(), found, _scope())
        _, changes = operators.edit_operator(db(), found.id, _cleaned(values), actor_name=current_actor().username)
    except ReviewerError as exc:
        db().rollback()
        return _form(found, values, exc)
    flash(f"已修改 {len(changes)} 项。" if changes else "没有需要修改的内容。", "success" if changes else "info")
    return redirect(url_for("operators.operator", operator_id=found.id))


def _candidates(operator: Operator) -> list[User]:
    """Users of the admin's units who are not yet staff of this operator."""
    members = select(UserUnit.user_id).where(UserUnit.unit_id.in_(sorted(_scope()) or [-1]))
    staff = select(OutsourcedStaff.user_id).where(OutsourcedStaff.operator_id == operator.id)
    return list(db().scalars(select(User).where(User.id.in_(members), User.id.not_in(staff)).order_by(User.username)))


@bp.get("/<int:operator_id>")
@requires("admin.manage")
def operator(operator_id: int, error: ReviewerError | None = None, status: int = 200) -> Any:
    """One operator: its 资质, rules on file, the accounts it runs, its staff and their background checks."""
    found = _found(operator_id)
    if not isinstance(found, Operator):
        return found
    view = operators.operator_views(db(), date.today(), _scope(), found.id)[0]
    return render_template("admin/operator.html", view=view, candidates=_candidates(found), error=error,
                           form=request.form if error else {}, today=date.today().isoformat()), status


@bp.post("/<int:operator_id>/staff")
@requires("admin.manage")
def staff(operator_id: int) -> Any:
    """登记或移除外包人员: a user of the admin's units, with their background check (date, result)."""
    found = _found(operator_id)
    if not isinstance(found, Operator):
        return found
    form, actor = request.form, current_actor().username
    username = (form.get("username") or "").strip()
    try:
        user = db().scalar(select(User).where(User.username == username))
        members = set(db().scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id))) if user else set()
        if not members & _scope():
            raise operators.UnitError("unknown_user", "找不到该用户，或其不属于您管理的单位。")
        if form.get("action") == "remove":
            operators.remove_staff(db(), username, actor_name=actor)
            flash(f"已将 {username} 移出外包人员。", "success")
        else:
            day = (form.get("check_date") or "").strip()
            operators.set_staff(db(), username, found.id, check_date=parse_day(day, "背景审查日期") if day else None,
                                check_result=form.get("check_result") or "pending", actor_name=actor)
            flash(f"已登记外包人员 {username}。", "success")
    except ReviewerError as exc:
        db().rollback()
        return operator(operator_id, exc, status_of(exc))
    return redirect(url_for("operators.operator", operator_id=found.id))
