"""Bearer-token authentication and JSON errors for the CMS-facing API.

Tokens are stored only as sha256 hashes, so a database dump does not hand out working tokens.
Every API error is ``{"error": <stable code>, "message": <Chinese>}`` with a fitting status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Response, g, jsonify, request
from sqlalchemy import or_, select

from reviewer.permissions import roles_for
from reviewer.storage import ApiToken, User, UserRole, utcnow

F = TypeVar("F", bound=Callable[..., Any])

#: How stale ``last_used_at`` may get before a request refreshes it (saves a write per call).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_error(code: str, message: str, status: int) -> tuple[Response, int]:
    """A JSON error answer; the request's database work is rolled back by the app."""
    return jsonify({"error": code, "message": message}), status


def bearer_token() -> str | None:
    """The token from ``Authorization: Bearer <token>``, or None when absent or malformed."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return token


def require_token(capability: str) -> Callable[[F], F]:
    """Admit requests carrying a live token of an active user holding ``capability``."""
    roles = roles_for(capability)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from reviewer.admin.security import hash_token
            from reviewer.web import db_session

            plain = bearer_token()
            if plain is None:
                return api_error("unauthorized", "缺少访问令牌：请在 Authorization 头提供 Bearer 令牌。", 401)
            session = db_session()
            now = utcnow()
            rows = session.execute(
                select(ApiToken, User, UserRole.role)
                .join(User, User.id == ApiToken.user_id)
                .outerjoin(UserRole, UserRole.user_id == User.id)
                .where(ApiToken.token_hash == hash_token(plain), ApiToken.revoked_at.is_(None),
                       ApiToken.session_epoch == User.session_epoch,
                       or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
            ).all()
            if not rows or not rows[0].User.active:
                return api_error("invalid_token", "访问令牌无效、已过期、已吊销，或所属用户已退出登录、修改密码或被停用。", 401)
            token, user = rows[0].ApiToken, rows[0].User
            user_roles = frozenset(row.role for row in rows if row.role)
            if not user_roles.intersection(roles):
                return api_error("forbidden_role", "您的角色无权进行此操作。", 403)
            if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
                token.last_used_at = now
            g.api_user = user
            g.api_roles = user_roles
            g.api_token = token
            return view(*args, **kwargs)

        wrapper.capability = capability  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
