"""Auditor views: the audit log in the browser and ``GET /api/v1/audit`` for auditors' tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
api_bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")
