"""API tokens a user holds: listing and revoking them (their own; an admin anyone's).

A token is live while it is not revoked, not expired, and its user's session epoch is still the
one it was issued under: logging out, changing or resetting the password ends every token too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.errors import WorkflowError
from reviewer.storage import MAX_ID, ApiToken, User, utcnow


@dataclass(frozen=True)
class TokenInfo:
    """What a person sees about one token (never the token itself, which is stored only hashed)."""

    id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    live: bool

    def to_dict(self) -> dict:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {"id": self.id, "created_at": iso(self.created_at), "last_used_at": iso(self.last_used_at),
                "expires_at": iso(self.expires_at), "revoked_at": iso(self.revoked_at), "live": self.live}


def is_live(token: ApiToken, user: User, now: datetime | None = None) -> bool:
    """The one rule for a working token (the API's authentication asks the same in SQL)."""
    now = now or utcnow()
    return (token.revoked_at is None and user.active and (token.session_epoch or 0) == (user.session_epoch or 0)
            and (token.expires_at is None or token.expires_at > now))


def list_tokens(session: Session, user: User) -> list[TokenInfo]:
    """The user's tokens, newest first."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    now = utcnow()
    return [TokenInfo(t.id, t.created_at, t.last_used_at, t.expires_at, t.revoked_at, is_live(t, user, now))
            for t in rows]


def revoke(session: Session, actor: User | None, owner: User, token_id: int | None = None, *,
           actor_name: str | None = None, ip: str | None = None) -> int:
    """Revoke one token of ``owner`` (or all live ones when ``token_id`` is None); returns how many.

    An unknown id, or one of another user's tokens, is ``not_found`` (the caller decides who may
    name another owner: users revoke their own, admins anyone's).
    """
    if token_id is not None and not 1 <= token_id <= MAX_ID:
        raise WorkflowError("not_found", "令牌不存在，或不属于该用户。")
    query = select(ApiToken).where(ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    tokens = list(session.scalars(query))
    if token_id is not None and not tokens:
        exists = session.scalar(select(ApiToken.id).where(ApiToken.id == token_id, ApiToken.user_id == owner.id))
        if exists is None:
            raise WorkflowError("not_found", "令牌不存在，或不属于该用户。")
        return 0
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    session.flush()
    if tokens:
        audit.record(session, "token.revoke", actor_id=actor.id if actor else None,
                     actor_name=actor.username if actor else actor_name, ip=ip,
                     details={"user_id": owner.id, "username": owner.username, "token_ids": [t.id for t in tokens]},
                     subject_user_id=owner.id)
    return len(tokens)
