"""The browser pages of the review workflow: editor, queue, review, publish and history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for

from reviewer.web.security import roles_required

bp = Blueprint("pages", __name__)

#: Where each role starts, first match wins.
HOME_BY_ROLE: tuple[tuple[str, str], ...] = (
    ("reviewer", "pages.queue"),
    ("editor", "pages.drafts"),
    ("publisher", "pages.publish_queue"),
    ("auditor", "pages.all_drafts"),
    ("admin", "pages.all_drafts"),
)


@bp.route("/")
@roles_required()
def home() -> Any:
    """首页: send each user to the list their role works from."""
    from flask_login import current_user

    for role, endpoint in HOME_BY_ROLE:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return redirect(url_for("auth.password"))
