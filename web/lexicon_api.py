"""The lexicon's JSON API for admin tokens: ``GET/POST /api/v1/lexicon/entries``, ``PUT/DELETE
/api/v1/lexicon/entries/<id>``, with the TSV columns as fields (``term category gate severity
suggestion note``) plus ``kind`` and ``unit_id``. The same functions as the 词库管理 pages; refusals
are ``{"error": <stable code>, "message": <Chinese>}``. DELETE switches an entry off (the audit
trail keeps it); a switched-off ``disable`` row lets the shipped term fire again.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from jsonschema import Draft202012Validator

from reviewer.curation import catalog
from reviewer.curation import entries as entry_admin
from reviewer.errors import ReviewerError, WorkflowError
from reviewer.web import db_session
from reviewer.web.apiauth import api_error, require_token
from reviewer.web.errors import status_of
from reviewer.web.lexicon_schema import SCHEMAS

bp = Blueprint("lexicon_api", __name__, url_prefix="/api/v1/lexicon")
VALIDATORS = {name: Draft202012Validator(schema) for name, schema in SCHEMAS.items()}


@bp.errorhandler(ReviewerError)
def _reviewer_error(exc: ReviewerError) -> Any:
    return api_error(exc.code, exc.message, status_of(exc))


def _body(schema: str) -> dict:
    from reviewer.web.api import _describe

    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise WorkflowError("invalid_json", "请求体必须是有效的 JSON 对象（UTF-8 编码）。")
    error = next(iter(sorted(VALIDATORS[schema].iter_errors(data), key=lambda e: e.path)), None)
    if error is not None:
        code, message = _describe(error)
        raise WorkflowError(code, message)
    return data


@bp.get("/entries")
@require_token("lexicon.manage")
def list_entries() -> Any:
    """Every entry the admin sees (shipped and the database's), filtered like the page; paged by ``limit``/``offset``."""
    args = request.args
    filters = catalog.Filters(**{n: (args.get(n) or "").strip()[:100] for n in catalog.Filters.__dataclass_fields__})
    rows = catalog.search(db_session(), g.api_user, filters)
    limit = min(int(args["limit"]) if (args.get("limit") or "").isdigit() and len(args["limit"]) < 6 else 100, 1000)
    offset = int(args["offset"]) if (args.get("offset") or "").isdigit() and len(args["offset"]) < 9 else 0
    items = [{"id": r.id, "kind": r.kind, "term": r.term, "category": r.category, "gate": r.gate, "severity": r.severity,
              "suggestion": r.suggestion, "note": r.note, "unit_id": r.unit_id, "enabled": r.enabled, "source": r.source,
              "origin": r.origin, "state": r.state or None} for r in rows[offset:offset + limit]]
    return jsonify({"total": len(rows), "items": items})


@bp.post("/entries")
@require_token("lexicon.manage")
def create_entry() -> Any:
    """Add an entry; it fires on the next check of every process."""
    entry = entry_admin.add_entry(db_session(), g.api_user, _body("LexiconEntryCreate"))
    return jsonify(entry.to_dict()), 201


@bp.put("/entries/<int:entry_id>")
@require_token("lexicon.manage")
def update_entry(entry_id: int) -> Any:
    """Change a database entry's columns (``enabled`` switches it on or off)."""
    entry = entry_admin.update_entry(db_session(), g.api_user, entry_id, _body("LexiconEntryUpdate"))
    return jsonify(entry.to_dict())


@bp.delete("/entries/<int:entry_id>")
@require_token("lexicon.manage")
def delete_entry(entry_id: int) -> Any:
    """Switch a database entry off."""
    entry = entry_admin.set_enabled(db_session(), g.api_user, entry_id, False)
    return jsonify(entry.to_dict())
