"""Administration pages for the browser: the unit tree, users (roles, units, disable, reset password),
and the login throttle of user accounts, lifted by an admin (the register is ``web.registry``).

Every view needs ``admin.manage``; forms carry the CSRF token like every other page. The work is
done by ``reviewer.admin`` (which writes the audit entry); the views only translate.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from reviewer.admin import security
from reviewer.admin import users as user_admin
from reviewer.errors import WorkflowError
from reviewer.storage import Unit
from reviewer.web.security import app_settings, current_actor, db, error_response, requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires("admin.manage")
def users() -> Any:
    """登录限制: the users whose account name is blocked or has failed logins on record."""
    config = app_settings()
    return render_template("admin/users.html", rows=security.throttled_accounts(db(), config), settings=config)


@bp.post("/users/<path:username>/unlock")
@requires("admin.manage")
def unlock(username: str) -> Any:
    """解除锁定: clear the account name's throttle and failure count (``login.unlock``)."""
    try:
        user, lifted = user_admin.unlock(db(), username, actor=current_actor(), ip=request.remote_addr)
    except WorkflowError as exc:
        db().rollback()
        return error_response(404, exc.message, exc.code)
    if lifted:
        flash(f"已解除用户 {user.username} 的登录限制。", "success")
    else:
        flash(f"用户 {user.username} 当前没有登录限制，无需解除。", "info")
    return redirect(url_for("admin.users"))


def _scope() -> set[int]:
    from reviewer.admin.register import admin_unit_ids

    return admin_unit_ids(db(), current_actor().id)


@bp.get("/units")
@requires("admin.manage")
def units() -> Any:
    """单位: the unit tree of the admin's units, with account counts and contacts."""
    from reviewer.web.register_forms import units_page

    return units_page()


@bp.post("/units")
@requires("admin.manage")
def change_unit() -> Any:
    """Add a unit under one of the admin's units, or rename one of them (``unit.change``)."""
    from reviewer.admin import units as unit_admin
    from reviewer.web.register_forms import units_page

    form, actor, scope = request.form, current_actor().username, _scope()
    action = form.get("action") or ""
    target = form.get("parent" if action == "add" else "unit") or ""
    try:
        if action == "add":
            if not target.isdigit() or int(target) not in scope:
                return error_response(404, "上级单位不在您管理的单位之内。", "unknown_unit")
            unit = unit_admin.add_unit(db(), form.get("name") or "", int(target), actor_name=actor)
            flash(f"已新增单位“{unit.name}”。", "success")
        elif action == "rename":
            if not target.isdigit() or int(target) not in scope:
                return error_response(404, "该单位不在您管理的单位之内。", "unknown_unit")
            unit, changes = unit_admin.update_unit(db(), int(target), name=form.get("name") or "", actor_name=actor)
            flash(f"已将单位改名为“{unit.name}”。" if changes else "名称未变。", "success" if changes else "info")
        else:
            return error_response(422, "未知的操作。", "invalid_input")
    except WorkflowError as exc:
        db().rollback()
        return units_page(exc, {"unit": int(target), "form": action, **form})
    return redirect(url_for("admin.units") + f"#unit-{unit.id}")


PEOPLE_PAGE = 20


@bp.get("/people")
@requires("admin.manage")
def people(error: WorkflowError | None = None, failed: str = "") -> Any:
    """用户管理: users of the admin's units (roles, units, state), searchable by login, name, unit and role, by page.

    A refused change comes back here with ``error`` shown on the row of the user ``failed``.
    """
    from reviewer.storage import Unit
    from reviewer.vocabulary import ROLES
    from reviewer.web.errors import status_of

    scope = _scope()
    query = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") or ""
    role = role if role in ROLES else ""
    raw_unit = request.args.get("unit") or ""
    unit = int(raw_unit) if raw_unit.isdigit() and len(raw_unit) < 10 and int(raw_unit) in scope else None
    raw = request.args.get("page") or "1"
    found = user_admin.search_users(db(), scope, query=query, role=role, unit_id=unit,
                                    page=int(raw) if raw.isdigit() and len(raw) < 7 else 1, size=PEOPLE_PAGE)
    units = db().execute(select(Unit.id, Unit.name).where(Unit.id.in_(sorted(scope) or [-1])).order_by(Unit.id)).all()
    return render_template("admin/people.html", rows=found.rows, total=found.total, page=found.page, pages=found.pages,
                           q=query, role=role, unit=unit, roles=ROLES, units=units,
                           unit_names=[name for _, name in units], error=error, failed=failed,
                           filters=_filters()), status_of(error) if error else 200


def _filters() -> dict[str, str]:
    """The list's search, kept across a change so the admin comes back to the same page."""
    return {k: request.args[k] for k in ("q", "role", "unit", "page") if request.args.get(k)}


def _in_scope(username: str) -> Any:
    from reviewer.storage import UserUnit

    try:
        user = user_admin.get_user(db(), username)
    except WorkflowError as exc:
        return error_response(404, exc.message, exc.code)
    units = set(db().scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id)))
    if not units & _scope():
        return error_response(404, "找不到该用户，或其不属于您管理的单位。", "unknown_user")
    return None


@bp.post("/people/<path:username>")
@requires("admin.manage")
def change_person(username: str) -> Any:
    """One change of a user: add or remove a role or unit, disable or enable, reset the password."""
    refused = _in_scope(username)
    if refused is not None:
        return refused
    form, actor = request.form, current_actor().username
    action = form.get("action") or ""
    try:
        if action in ("add_role", "remove_role"):
            user_admin.change_roles(db(), username, **{action.split("_")[0]: [form.get("role") or ""]}, actor_name=actor)
        elif action in ("add_unit", "remove_unit"):
            unit = form.get("unit") or ""
            if action == "add_unit" and unit not in set(db().scalars(select(Unit.name).where(Unit.id.in_(sorted(_scope()) or [-1])))):
                return error_response(404, "该单位不在您管理的单位之内。", "unknown_unit")
            user_admin.change_units(db(), username, **{action.split("_")[0]: [unit]}, actor_name=actor)
        elif action in ("disable", "enable"):
            user_admin.set_active(db(), username, action == "enable", actor_name=actor)
        elif action == "reset_password":
            user_admin.reset_password(db(), username, form.get("password") or "", actor_name=actor)
        else:
            return error_response(422, "未知的操作。", "invalid_input")
    except WorkflowError as exc:
        db().rollback()
        return people(exc, username)
    flash(f"已更新用户 {username}。", "success")
    return redirect(url_for("admin.people", **_filters()))
