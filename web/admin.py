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
    from reviewer.admin import operators
    from reviewer.admin import units as unit_admin

    scope = _scope()
    lines = [line for line in unit_admin.unit_tree(db()) if line.unit.id in scope]
    contacts = {line.unit.id: operators.contacts_of(db(), line.unit.id) for line in lines}
    return render_template("admin/units.html", lines=lines, contacts=contacts)


@bp.post("/units")
@requires("admin.manage")
def change_unit() -> Any:
    """Add a unit under one of the admin's units, or rename one of them (``unit.change``)."""
    from reviewer.admin import units as unit_admin
    from reviewer.web.errors import status_of

    form, actor, scope = request.form, current_actor().username, _scope()
    action = form.get("action") or ""
    try:
        if action == "add":
            parent = form.get("parent") or ""
            if not parent.isdigit() or int(parent) not in scope:
                return error_response(404, "上级单位不在您管理的单位之内。", "unknown_unit")
            unit = unit_admin.add_unit(db(), form.get("name") or "", int(parent), actor_name=actor)
            flash(f"已新增单位“{unit.name}”。", "success")
        elif action == "rename":
            target = form.get("unit") or ""
            if not target.isdigit() or int(target) not in scope:
                return error_response(404, "该单位不在您管理的单位之内。", "unknown_unit")
            unit, changes = unit_admin.update_unit(db(), int(target), name=form.get("name") or "", actor_name=actor)
            flash(f"已将单位改名为“{unit.name}”。" if changes else "名称未变。", "success" if changes else "info")
        else:
            return error_response(422, "未知的操作。", "invalid_input")
    except WorkflowError as exc:
        db().rollback()
        return error_response(status_of(exc), exc.message, exc.code)
    return redirect(url_for("admin.units"))


PEOPLE_PAGE = 20


@bp.get("/people")
@requires("admin.manage")
def people() -> Any:
    """用户管理: users of the admin's units (roles, units, state), searchable, one page at a time."""
    from reviewer.storage import Unit, UserUnit
    from reviewer.vocabulary import ROLES

    scope = _scope()
    query = (request.args.get("q") or "").strip()[:100]
    members = set(db().scalars(select(UserUnit.user_id).where(UserUnit.unit_id.in_(sorted(scope) or [-1]))))
    rows = [s for s in user_admin.list_users(db()) if s.user.id in members
            and (not query or query in s.user.username or query in s.user.display_name)]
    raw = request.args.get("page") or "1"
    pages = max(1, -(-len(rows) // PEOPLE_PAGE))
    page = min(int(raw) if raw.isdigit() and len(raw) < 7 else 1, pages)
    unit_names = db().scalars(select(Unit.name).where(Unit.id.in_(sorted(scope) or [-1])).order_by(Unit.id)).all()
    return render_template("admin/people.html", rows=rows[(page - 1) * PEOPLE_PAGE:page * PEOPLE_PAGE], total=len(rows),
                           page=page, pages=pages, q=query, roles=ROLES, unit_names=unit_names)


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
    from reviewer.web.errors import status_of

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
        return error_response(status_of(exc), exc.message, exc.code)
    flash(f"已更新用户 {username}。", "success")
    return redirect(url_for("admin.people", q=request.args.get("q") or None))
