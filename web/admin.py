"""Administration pages for the browser: the login throttle of user accounts, lifted by an admin.

Every view needs ``admin.manage``; forms carry the CSRF token like every other page. The work is
done by ``reviewer.admin`` (which writes the audit entry); the views only translate.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from reviewer.admin import security
from reviewer.admin import users as user_admin
from reviewer.errors import WorkflowError
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
