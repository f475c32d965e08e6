"""Request-level security for the browser app: login sessions, CSRF, headers, limits, errors.

A session cookie names the user as "id:session_epoch" (flask-login's alternative-token idea):
logout and a password change bump the epoch in the database, so every copy of an older cookie
stops loading a user, even though Flask's cookie sessions live on the client.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import BuildError

from reviewer.config import Settings, load_settings
from reviewer.errors import strings_in, unstorable_character
from reviewer.permissions import roles_for
from reviewer.vocabulary import ROLE_NAMES, template_globals
from reviewer.web import uploads
from reviewer.workflow.lifecycle import CONSENT_REQUIRED

F = TypeVar("F", bound=Callable[..., Any])

#: Blueprints authenticated by bearer tokens instead of cookies, so CSRF cannot apply to them.
TOKEN_API_BLUEPRINTS: frozenset[str] = frozenset({"api", "audit_api", "messages_api", "lexicon_api"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

#: A login lasts this long without activity; every request renews it (Flask refreshes the cookie).
SESSION_LIFETIME = timedelta(hours=8)
#: Sent only when cookies are Secure, i.e. the deployment is served over HTTPS.
HSTS = "max-age=31536000"

#: HTTP status -> (stable error code, Chinese title, Chinese explanation) for error pages and JSON.
ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求有误", "提交的内容无法处理，请检查后重试。"),
    401: ("unauthorized", "需要登录", "请先登录后再访问。"),
    403: ("forbidden", "无权访问", "您的角色或所属单位无权进行此操作。"),
    404: ("not_found", "页面不存在", "您访问的页面或稿件不存在，或不属于您所在的单位。"),
    405: ("method_not_allowed", "请求方式不支持", "该地址不支持此请求方式。"),
    409: ("conflict", "内容已变化", "稿件已被他人修改或状态已变化，请刷新后重试。"),
    413: ("payload_too_large", "提交内容过大", "提交的内容超过了大小上限（{limit}），请删减后重试。"),
    415: ("unsupported_media_type", "内容类型不支持", "请求的内容类型不受支持。"),
    422: ("invalid_input", "内容不符合要求", "提交的内容不符合要求，请检查后重试。"),
    500: ("internal_error", "系统出错", "系统内部出错，本次操作未保存。请稍后重试或联系管理员。"),
}
#: Used only when error.html itself cannot render (it reads the logged-in user from the database).
PLAIN_ERROR = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{{ title }}</title>'
    "<h1>{{ status }} {{ title }}</h1><p>{{ message }}</p><p><a href=\"/\">返回首页</a></p></html>"
)
CSRF_ERROR = ("csrf_failed", "安全校验失败", "页面已过期或缺少安全令牌，请刷新页面后重新提交。")

#: Navigation: (endpoint, Chinese label). A link is shown to whoever holds its view's capability.
NAV: tuple[tuple[str, str], ...] = (
    ("pages.drafts", "我的稿件"),
    ("pages.new_draft", "新建稿件"),
    ("pages.queue", "审核队列"),
    ("pages.publish_queue", "待发布"),
    ("pages.all_drafts", "全部稿件"),
    ("messages.queue", "群众留言"),
    ("worklists.statistics_page", "统计"),
    ("audit.index", "审计日志"),
    ("inspections.index", "账号巡检"),
    ("alerts.index", "违规警报"),
    ("register_forms.dashboard", "管理首页"),
    ("registry.accounts", "备案台账"),
    ("operators.index", "托管单位"),
    ("admin.units", "单位"),
    ("admin.people", "用户管理"),
    ("admin.users", "登录限制"),
    ("lexicons.index", "词库管理"),
)

login_manager = LoginManager()
csrf = CSRFProtect()


class LoginUser:
    """The logged-in user for flask-login: the ORM row of this request plus its roles."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, row: Any, roles: frozenset[str]) -> None:
        self.row = row
        self.roles = roles

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def username(self) -> str:
        return self.row.username

    @property
    def display_name(self) -> str:
        return self.row.display_name or self.row.username

    @property
    def is_active(self) -> bool:
        return bool(self.row.active)

    def get_id(self) -> str:
        return f"{self.row.id}:{self.row.session_epoch or 0}"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class AnonymousUser(AnonymousUserMixin):
    """Nobody logged in: no roles, so role checks need no special case."""

    roles: frozenset[str] = frozenset()
    row = None

    def has_role(self, *roles: str) -> bool:
        return False


def app_settings() -> Settings:
    """The Settings the running app was created with."""
    found = current_app.config.get("REVIEWER_SETTINGS")
    return found if isinstance(found, Settings) else load_settings()


def db() -> Any:
    """The SQLAlchemy session of the current request (opened and committed by create_app)."""
    from reviewer.web import db_session

    return db_session()


def user_roles(session: Any, user_id: int) -> frozenset[str]:
    """The roles a user holds, read fresh so a role change applies from the next request."""
    from reviewer.storage import UserRole

    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def load_login_user(token: str) -> LoginUser | None:
    """flask-login's loader: the user only while the cookie's epoch matches the database."""
    from reviewer.storage import User

    user_id, _, epoch = (token or "").partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    session = db()
    row = session.get(User, int(user_id))
    if row is None or not row.active or int(row.session_epoch or 0) != int(epoch):
        return None
    return LoginUser(row, user_roles(session, row.id))


def log_in(row: Any) -> LoginUser:
    """Start a browser session for an authenticated user row."""
    user = LoginUser(row, user_roles(db(), row.id))
    session.permanent = True
    login_user(user)
    return user


def current_actor() -> Any:
    """The ORM user acting in this request, as reviewer.workflow expects it."""
    return current_user.row


def wants_json() -> bool:
    """API paths answer errors in JSON; everything else gets a Chinese HTML page."""
    return request.path.startswith("/api/")


def requires(capability: str) -> Callable[[F], F]:
    """Require a logged-in user holding ``capability`` (``reviewer.permissions``).

    The capability is kept on the view (``view.capability``), so a test can walk every route of
    the app against the permission table and a route without a rule cannot go unnoticed.
    """
    roles = roles_for(capability)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                return error_response(403)
            return view(*args, **kwargs)

        wrapper.capability = capability  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as open to everyone (login, health check, the API description)."""
    view.capability = None  # type: ignore[attr-defined]
    return view


def _limit_text() -> str:
    size = g.get("upload_limit") or app_settings().max_request_bytes
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def error_response(status: int, message: str | None = None, code: str | None = None,
                   title: str | None = None) -> Any:
    """A Chinese error page (or JSON body under /api/) for ``status``; never a traceback."""
    default_code, default_title, default_message = ERRORS.get(status, ERRORS[500])
    code = code or default_code
    message = message or default_message.format(limit=_limit_text())
    if wants_json():
        response = jsonify({"error": code, "message": message})
    else:
        try:
            body = render_template("error.html", status=status, code=code, title=title or default_title,
                                   message=message, back_url=_back_url())
        except Exception:  # noqa: BLE001 - the page itself failed (e.g. database down): stay plain
            current_app.logger.exception("错误页渲染失败")
            body = render_template_string(PLAIN_ERROR, status=status, title=title or default_title,
                                          message=message)
        response = make_response(body)
    response.status_code = status
    return response


def _back_url() -> str | None:
    """The page the user came from, when it is on this site, for a “返回上一页” link."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and referrer.rstrip("/") != request.url.rstrip("/"):
        return referrer
    return None


def _handle_http(exc: HTTPException) -> Any:
    status = exc.code or 500
    if status not in ERRORS:
        status = 500 if status >= 500 else 400
    response = error_response(status)
    allowed = getattr(exc, "valid_methods", None)
    if status == 405 and allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))  # RFC 9110: a 405 names what is allowed
    return response


def _handle_csrf(exc: CSRFError) -> Any:
    code, title, message = CSRF_ERROR
    return error_response(400, message, code, title)


def _handle_500(exc: Exception) -> Any:
    if isinstance(exc, InternalServerError) and exc.original_exception is not None:
        current_app.logger.error("未处理的异常", exc_info=exc.original_exception)
    return error_response(500)


def _unauthorized() -> Any:
    if wants_json():
        return error_response(401)
    flash("请先登录。", "info")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))


def _add_headers(response: Any) -> Any:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _refuse_unstorable_characters() -> Any:
    """Refuse NUL and lone surrogates anywhere in a request (path, query, form, JSON) before any work."""
    sources: list[tuple[str, Any]] = [("地址", request.path)]
    sources += [("查询参数", text) for pair in request.args.items(multi=True) for text in pair]
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype == "multipart/form-data":
        sources += [("表单", text) for pair in request.form.items(multi=True) for text in pair]
    if request.is_json or request.path.startswith("/api/"):
        try:
            body = request.get_json(force=True, silent=True)
        except RecursionError:
            body = None
        with contextlib.suppress(RecursionError):  # too deep: the API's own body check refuses it
            sources += [("请求体", text) for text in strings_in(body)]
    for where, text in sources:
        bad = unstorable_character(text)
        if bad:
            return error_response(422, f"{where}含有不能保存的字符：{bad}。请删除后重试。", "invalid_characters")
    return None


def _check_csrf() -> None:
    if request.blueprint in TOKEN_API_BLUEPRINTS:
        return
    csrf.protect(apply_exemptions=True)


def nav_items() -> list[tuple[str, str, bool]]:
    """The navigation links the current user's roles open: (url, label, active)."""
    items = []
    views = current_app.view_functions
    for endpoint, label in NAV:
        capability = getattr(views.get(endpoint), "capability", None)
        if capability is None or not current_user.has_role(*roles_for(capability)):
            continue
        try:
            url = url_for(endpoint)
        except BuildError:
            continue
        items.append((url, label, request.endpoint == endpoint))
    return items


def _template_context() -> dict[str, Any]:
    return {"nav_items": nav_items, "role_names": ROLE_NAMES}


def init_app(app: Flask) -> None:
    """Install session login, CSRF protection, security headers and Chinese error pages."""
    settings = app.config.get("REVIEWER_SETTINGS")
    if not isinstance(settings, Settings):
        settings = load_settings()
    app.config.update(
        SESSION_COOKIE_NAME="reviewer_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key
    if not app.config.get("SECRET_KEY"):
        app.logger.warning("未设置 REVIEWER_SECRET_KEY，使用临时会话密钥：重启后所有用户需重新登录。")
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    login_manager.init_app(app)
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(load_login_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"

    csrf.init_app(app)
    app.before_request(uploads.apply_limit)  # first: the checks below read the body
    app.before_request(_refuse_unstorable_characters)
    app.before_request(_check_csrf)
    app.after_request(_add_headers)
    app.context_processor(_template_context)
    app.jinja_env.globals.update(template_globals())  # globals, so imported macros see the names too
    app.jinja_env.globals["CONSENT_REQUIRED"] = CONSENT_REQUIRED

    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(500, _handle_500)
