"""Drafting the reply to a message: a draft of kind ``reply`` linked to it, reviewed like any draft.

The draft carries the citizen's words as shown to handlers (personal data masked) as its
``citizen_message``, so reviewers see what was asked without the citizen's ID or phone number.
Drafting takes the message in hand (待办 → 办理中) if nobody had; publishing the reviewed reply
(``reviewer.workflow``) answers it (已答复).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer import workflow
from reviewer.errors import fail
from reviewer.messages import handling
from reviewer.messages.inbox import OPEN_STATES, audit_message, get_message, move, require_capability
from reviewer.storage import Draft, MessageStep, User, utcnow

TITLE_CHARS = 24


def default_title(shown_text: str) -> str:
    """“答复：” and the start of the citizen's (masked) words."""
    head = " ".join(shown_text.split())
    return "答复：" + (head[:TITLE_CHARS] + "…" if len(head) > TITLE_CHARS else head)


def draft_reply(session: Session, actor: User, message_id: Any, title: Any, body: Any, *, submit: bool = False,
                ip: str | None = None) -> Draft:
    """Create the reply draft for a message (and submit it when asked), in one transaction."""
    require_capability(session, actor, "message.handle")
    row = get_message(session, actor, message_id)
    if row.state not in OPEN_STATES:
        raise fail("message_move_not_allowed",
                   f"留言已{handling.default_rules().states[row.state]}，不能再起草答复。")
    if row.state == "pending":
        move(session, actor, row.id, "take", ip=ip)
    draft = workflow.create_draft(session, actor, row.account_id, title, body, "reply", row.shown_text, ip=ip)
    draft.message_id = row.id
    session.flush()
    session.add(MessageStep(message_id=row.id, move="reply", state=row.state, at=utcnow(), actor_name=actor.username,
                            unit_id=row.unit_id, handler_id=row.handler_id, draft_id=draft.id))
    session.flush()
    audit_message(session, "message.reply", actor, row, ip, draft_id=draft.id)
    if submit:
        workflow.submit(session, actor, draft.id, ip=ip)
    return draft


def replies_of(session: Session, actor: User, message_id: Any) -> list[Draft]:
    """The reply drafts written for a message, oldest first."""
    row = get_message(session, actor, message_id)
    return list(session.scalars(select(Draft).where(Draft.message_id == row.id).order_by(Draft.id)))
