"""How domain refusals are answered over HTTP: one table from stable error code to status.

The domain raises ``ReviewerError`` with a code and a Chinese message and knows nothing of HTTP;
the pages and the API both answer through ``status_of``, so a refusal has one status everywhere.
"""

from __future__ import annotations

from reviewer.errors import ReviewerError

#: Error code -> HTTP status. Codes not listed are input problems (422).
STATUS: dict[str, int] = {
    "invalid_json": 400,
    "invalid_input": 422,
    "override_required": 422,
    "invalid_override": 422,
    "comment_required": 422,
    "unauthorized": 401,
    "invalid_token": 401,
    "bad_credentials": 401,
    "account_locked": 401,
    "login_throttled": 401,
    "forbidden_role": 403,
    "separation_of_duties": 403,
    "not_found": 404,
    "file_too_large": 413,
    "unknown_user": 404,
    "stale_version": 409,
    "already_signed": 409,
    "level_taken": 409,
    "level_not_open": 409,
    "no_such_level": 409,
    "invalid_state": 409,
    "revision_required": 409,
    "blocks_unconfirmed": 409,
    "not_published": 409,
    "post_withdrawn": 409,
    "correction_open": 409,
    "already_checked": 409,
    "alert_cleared": 409,
    "not_publishable": 409,
    "conflict": 409,
    "inspection_not_ready": 409,
    # The account register (issue 13): the lifecycle refuses a step that the account's history forbids.
    "transition_not_allowed": 409,
    "offline_limit": 409,
    "notice_required": 409,
    "notice_too_short": 409,
    "event_out_of_order": 409,
    "explanation_required": 409,
    "account_not_live": 409,
    "outsourced_conflict": 409,
    "operator_shared": 403,
    "unknown_account": 404,
    # Citizens' messages (issue 15): a move the message's state does not allow, a reply not yet published.
    "message_move_not_allowed": 409,
    "not_answered": 409,
    "received_in_future": 409,
    "calendar_unknown_year": 409,
    # Lexicon administration (issue 14): an entry that the rules of its family or the existing lists refuse.
    "unknown_category": 404,
    "unknown_unit": 404,
    "duplicate_entry": 409,
    "term_too_short": 409,
    "unit_required": 409,
    "unknown_title": 409,
    "unit_not_allowed": 409,
    "model_invalid": 500,
}
DEFAULT_STATUS = 422


def status_of(error: ReviewerError | str) -> int:
    """The HTTP status for a domain error (or its code)."""
    code = error if isinstance(error, str) else error.code
    return STATUS.get(code, DEFAULT_STATUS)
