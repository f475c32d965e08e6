"""Login, logout and password change for the browser (session cookies, CSRF-protected forms).

Failed logins are committed explicitly before the error is shown: the throttle's counts (per
client address and per account name) and their audit entries must survive even though the request
ends in a refusal. Every refusal is the same page with status 200, whatever the name, so neither
the answer nor its status tells whether an account exists.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from reviewer.admin.security import AuthError, authenticate, change_password, end_sessions
from reviewer.web.security import app_settings, db, log_in, public, requires

bp = Blueprint("auth", __name__)

MAX_FIELD_CHARS = 200


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths may follow a login, so the form cannot redirect users elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def _field(name: str) -> str:
    return (request.form.get(name) or "")[:MAX_FIELD_CHARS]


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    """登录: the only page open to anonymous users besides error pages and static files."""
    next_url = _safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("pages.home"))
    error = None
    username = ""
    if request.method == "POST":
        username = _field("username").strip()
        try:
            user = authenticate(db(), username, _field("password"), ip=request.remote_addr,
                                settings=app_settings())
        except AuthError as exc:
            db().commit()
            error = exc.message
        else:
            session.clear()
            log_in(user)
            flash(f"欢迎，{user.display_name or user.username}。", "success")
            return redirect(next_url or url_for("pages.home"))
    return render_template("auth/login.html", error=error, username=username, next_url=next_url)


@bp.route("/logout", methods=["POST"])
@requires("session")
def logout() -> Any:
    """退出: ends this and every copied session by bumping the user's session epoch."""
    from reviewer.audit import chain as audit

    row = current_user.row
    end_sessions(db(), row)
    audit.record(db(), "logout", actor_id=row.id, actor_name=row.username, ip=request.remote_addr)
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@requires("session")
def password() -> Any:
    """修改密码: on success every other session of the user ends; this one continues."""
    error = None
    if request.method == "POST":
        new = _field("new_password")
        if new != _field("confirm_password"):
            error = "两次输入的新密码不一致。"
        else:
            row = current_user.row
            try:
                change_password(db(), row, _field("old_password"), new, ip=request.remote_addr)
            except AuthError as exc:
                error = exc.message
            else:
                session.clear()
                log_in(row)
                flash("密码已修改，其他设备上的登录均已失效。", "success")
                return redirect(url_for("pages.home"))
    return render_template("auth/password.html", error=error), (422 if error else 200)
