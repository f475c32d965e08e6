"""The messages API: ``POST /api/v1/messages`` takes one citizen's message, ``GET`` lists the queue.

Bodies are validated against ``MessageCreate`` (``reviewer.web.api.SCHEMAS``, published in the
OpenAPI document); the work is ``reviewer.messages.inbox``, as on the pages and the command line.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from reviewer.calendar import BEIJING
from reviewer.errors import ReviewerError, fail
from reviewer.messages import inbox
from reviewer.storage import MessageRow, utcnow
from reviewer.vocabulary import MESSAGE_STATES
from reviewer.web import db_session
from reviewer.web.api import json_body
from reviewer.web.apiauth import api_error, require_token
from reviewer.web.errors import status_of

bp = Blueprint("messages_api", __name__, url_prefix="/api/v1/messages")
MAX_PAGE_SIZE = 100


@bp.errorhandler(ReviewerError)
def _reviewer_error(exc: ReviewerError) -> Any:
    return api_error(exc.code, exc.message, status_of(exc))


def shown(row: MessageRow, at: Any = None) -> dict[str, Any]:
    """A message as the API shows it: masked text, marks, deadline, and whether it is overdue at ``at``."""
    at = at or utcnow()
    return {"id": row.id, "account_id": row.account_id, "unit_id": row.unit_id, "handler_id": row.handler_id,
            "state": row.state, "received_at": row.received_at.astimezone(BEIJING).isoformat(),
            "due_at": row.due_at.astimezone(BEIJING).isoformat(), "text": row.shown_text, "masked": row.masked,
            "marks": [{"start": s, "end": e, "kind": k} for s, e, k in row.marks],
            "overdue": row.state in inbox.OPEN_STATES and at > row.due_at}


@bp.post("")
@require_token("message.handle")
def create() -> Any:
    """Receive one message: checked, screened, its deadline fixed from the account's type."""
    data = json_body("MessageCreate")
    row = inbox.receive(db_session(), g.api_user, inbox.Incoming(data["account_id"], data["received_at"], data["text"],
                                                                 data.get("contact")), via="api", ip=request.remote_addr)
    return jsonify(shown(row)), 201


def _int_arg(name: str, default: int, top: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw[:9]) <= top:
        raise fail("invalid_value", f"参数 {name} 应为 1 至 {top} 的整数。")
    return int(raw)


@bp.get("")
@require_token("message.read")
def queue() -> Any:
    """The caller's units' messages, open ones first by deadline (``?state=``, ``?page=``, ``?size=``)."""
    state = request.args.get("state") or None
    if state is not None and state not in MESSAGE_STATES:
        return api_error("invalid_value", f"参数 state 的取值应为：{'、'.join(MESSAGE_STATES)}。", 422)
    now = utcnow()
    page = inbox.queue(db_session(), g.api_user, now, state=state, page=_int_arg("page", 1, 100000),
                       size=_int_arg("size", 20, MAX_PAGE_SIZE))
    return jsonify({"total": page.total, "page": page.page, "items": [shown(i.message, now) for i in page.items]})
