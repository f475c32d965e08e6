"""The JSON API's level action (issue 16): sign the gates of one level at once, as the review page does.

The request is checked against ``LevelSignOffRequest`` (``reviewer.web.review_schemas``, one of the
API's schemas, so the OpenAPI document publishes it) and handed to ``workflow.sign_level``, the use case the page calls;
a refusal of some gates answers ``{"error", "message", "gates": {gate: {"error", "message"}}}``.
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from reviewer import workflow
from reviewer.web import db_session
from reviewer.web.api import bp, json_body
from reviewer.web.apiauth import require_token
from reviewer.web.errors import status_of


@bp.errorhandler(workflow.LevelRefused)
def _level_refused(exc: workflow.LevelRefused) -> Any:
    body = {"error": exc.code, "message": exc.message,
            "gates": {gate: {"error": e.code, "message": e.message} for gate, e in exc.by_gate.items()}}
    return jsonify(body), status_of(exc)


@bp.post("/drafts/<int:draft_id>/levels")
@require_token("draft.sign")
def sign_level(draft_id: int) -> Any:
    """Sign several gates of one level of the current version at once (本级五关全部通过, or 退回 with comments)."""
    from flask import request

    data = json_body("LevelSignOffRequest")
    session = db_session()
    request_ = workflow.LevelRequest(data["version"], data["level"], data["gates"], data.get("comment"), data.get("notes"))
    rows = workflow.retrying(session, workflow.sign_level, g.api_user, draft_id, request_, ip=request.remote_addr)
    draft = workflow.get_draft(session, g.api_user, draft_id)
    return jsonify({"id": draft_id, "version": data["version"], "level": data["level"], "status": draft.status,
                    "signoffs": [{"id": r.id, "gate": r.gate, "decision": r.decision} for r in rows]}), 201

