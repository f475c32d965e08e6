"""Login, logout and password change for the browser (session cookies, CSRF-protected forms)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
