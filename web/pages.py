"""The browser pages of the review workflow: editor, queue, review, publish and history."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
