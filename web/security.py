"""Request-level security for the browser app: login sessions, CSRF, headers, limits, errors."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install session login, CSRF protection, security headers and Chinese error pages."""
