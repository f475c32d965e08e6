"""File uploads: a view that takes files says how large its requests may be, instead of the usual limit.

Every request is limited to ``max_request_bytes`` (2 MiB by default); a view decorated with
``accepts_uploads`` is allowed its own limit, applied before anything reads the body (the checks
of ``reviewer.web.security`` read the form), so an oversized upload is a 413 naming that limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from reviewer.config import Settings

F = TypeVar("F", bound=Callable[..., Any])

#: Room for the form fields and multipart headers around the files.
UPLOAD_OVERHEAD = 64 * 1024


def accepts_uploads(limit: Callable[[Settings], int]) -> Callable[[F], F]:
    """Let a view's requests carry files up to ``limit(settings)`` bytes in all."""

    def decorator(view: F) -> F:
        view.upload_limit = limit  # type: ignore[attr-defined]
        return view

    return decorator


def apply_limit() -> None:
    """Raise this request's size limit to its view's upload limit (``g.upload_limit`` names it in the 413 page)."""
    limit = getattr(current_app.view_functions.get(request.endpoint or ""), "upload_limit", None)
    if limit is not None:
        settings = current_app.config["REVIEWER_SETTINGS"]
        g.upload_limit = limit(settings)
        request.max_content_length = g.upload_limit + UPLOAD_OVERHEAD
