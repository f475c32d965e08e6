"""The JSON API after publishing: what became of a draft, 更正, 撤稿 and the 双向反馈 check.

A CMS that publishes through the API records what happens to the post afterwards the same way:
each route validates its body against a schema of ``reviewer.web.review_schemas`` (published in
the OpenAPI document) and calls the use case the 发布后处理 page calls (``reviewer.aftercare``),
so the rules, the refusals and their stable codes are the page's. Every answer that is not a new
draft is the draft's after-publishing state (``aftercare.state.post_state``).
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from reviewer import workflow
from reviewer.aftercare import actions
from reviewer.aftercare.state import post_state
from reviewer.web import db_session
from reviewer.web.api import bp, json_body
from reviewer.web.apiauth import require_token


def _state(draft_id: int) -> dict[str, Any]:
    session = db_session()
    return {"id": draft_id, **post_state(session, g.api_user, workflow.get_draft(session, g.api_user, draft_id))}


@bp.get("/drafts/<int:draft_id>/after", endpoint="post_after")
@require_token("draft.read")
def after(draft_id: int) -> Any:
    """What became of the draft once published (在线, 已更正, 已撤稿, 已删除) and what the caller may do now."""
    return jsonify(_state(draft_id))


@bp.post("/drafts/<int:draft_id>/correct", endpoint="post_correct")
@require_token("draft.write")
def correct(draft_id: int) -> Any:
    """更正: a new draft linked to the published one; it goes through the whole review."""
    data = json_body("CorrectionRequest")
    correction = workflow.retrying(db_session(), actions.start_correction, g.api_user, draft_id, data["reason"],
                                   data.get("title"), data.get("body"), ip=request.remote_addr)
    return jsonify({"id": correction.id, "corrects": draft_id, "version": correction.current_version,
                    "status": correction.status}), 201


@bp.post("/drafts/<int:draft_id>/withdraw-post", endpoint="post_withdraw")
@require_token("post.withdraw")
def withdraw_post(draft_id: int) -> Any:
    """撤稿: record who took the published item down, why and when."""
    data = json_body("PostWithdrawalRequest")
    workflow.retrying(db_session(), actions.withdraw_post, g.api_user, draft_id, data["reason"], ip=request.remote_addr)
    return jsonify(_state(draft_id))


@bp.post("/drafts/<int:draft_id>/check", endpoint="post_check")
@require_token("post.check")
def check(draft_id: int) -> Any:
    """双向反馈: the publisher's check of the live post, item by item (once)."""
    data = json_body("PostCheckRequest")
    workflow.retrying(db_session(), actions.record_check, g.api_user, draft_id, data["items"], ip=request.remote_addr)
    return jsonify(_state(draft_id)), 201
