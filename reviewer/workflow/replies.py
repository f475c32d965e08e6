"""A published reply answers the citizen's message it was drafted for (issue 15).

Publishing stays the workflow's; this is the one thing it does for messages, in the same
transaction as the publication: the message moves to 已答复 with a history step naming the
publisher and the draft, and an audit entry. Which states may be answered is the ``answer`` move
of ``lexicons/messages.toml`` (the message rules' own data, read here so the workflow need not
import the messages part, which itself drafts replies through the workflow).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.storage import Draft, MessageRow, MessageStep, Publication, User


@lru_cache(maxsize=1)
def _answer_move() -> tuple[frozenset[str], str]:
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("messages.toml").read_text("utf-8"))
    move = data["moves"]["answer"]
    return frozenset(move["from"]), move["to"]


def answer_message_of(session: Session, draft: Draft, publication: Publication, actor: User, ip: str | None) -> None:
    """Mark the draft's message answered by this publication; nothing for a draft without one,
    or a message already answered (by an earlier reply) or closed."""
    if draft.message_id is None:
        return
    message = session.get(MessageRow, draft.message_id)
    sources, target = _answer_move()
    if message is None or message.state not in sources:
        return
    message.state, message.answered_at = target, publication.published_at
    session.add(MessageStep(message_id=message.id, move="answer", state=target, at=publication.published_at,
                            actor_name=actor.username, unit_id=message.unit_id, handler_id=message.handler_id,
                            draft_id=draft.id))
    session.flush()
    audit.record(session, "message.answer", actor_id=actor.id, actor_name=actor.username, unit_id=message.unit_id,
                 account_id=message.account_id, draft_id=draft.id, ip=ip,
                 details={"message_id": message.id, "late": publication.published_at > message.due_at})
