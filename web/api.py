"""The JSON API for CMS integration (issue 4 section 4), authenticated by bearer tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
