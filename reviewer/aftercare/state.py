"""What became of a draft once published (or deleted), and what a person may do with it now.

Read models only. A correction link is shown in both directions: the original lists its
corrections, a correction names the original. Live publications (not withdrawn) are what the
alerts and the inspection count as updates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from reviewer.config import Settings
from reviewer.permissions import allows
from reviewer.storage import (
    Draft,
    DraftRemoval,
    DraftVersion,
    PostCheck,
    PostCorrection,
    PostWithdrawal,
    Publication,
    User,
    settings_of,
    utcnow,
)
from reviewer.vocabulary import POST_CHECK_ITEM_NAMES, POST_STATE_NAMES, STATUS_NAMES
from reviewer.workflow import lifecycle
from reviewer.workflow.access import roles_of


def publication_of(session: Session, draft_id: int) -> Publication | None:
    """The draft's publication, if it was published."""
    return session.scalar(select(Publication).where(Publication.draft_id == draft_id))


def check_deadline(settings: Settings, publication: Publication) -> datetime:
    """By when the publisher must have checked the live post (``post_check_hours`` after publishing)."""
    return publication.published_at + timedelta(hours=settings.post_check_hours)


def live_publications() -> Select:
    """Publications not withdrawn: the live updates of the accounts (add filters as needed)."""
    return select(Publication).where(Publication.id.not_in(select(PostWithdrawal.publication_id)))


def _who(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _title(session: Session, draft: Draft) -> str:
    return session.scalar(select(DraftVersion.title).where(DraftVersion.draft_id == draft.id,
                                                           DraftVersion.number == draft.current_version)) or ""


def _link(session: Session, link: PostCorrection, draft_id: int) -> dict[str, Any]:
    draft = session.get(Draft, draft_id)
    removed = session.get(DraftRemoval, draft_id) is not None
    return {"draft_id": draft_id, "title": _title(session, draft), "status": draft.status,
            "status_name": POST_STATE_NAMES["deleted"] if removed else STATUS_NAMES[draft.status],
            "published": draft.status == lifecycle.AFTER_PUBLISH_FROM, "removed": removed,
            "reason": link.reason, "by": _who(session, link.requested_by), "at": _iso(link.created_at)}


def open_correction(session: Session, draft_id: int) -> PostCorrection | None:
    """A correction of the draft that is neither published nor deleted yet (one at a time)."""
    for link in session.scalars(select(PostCorrection).where(PostCorrection.original_draft_id == draft_id)):
        draft = session.get(Draft, link.correction_draft_id)
        if draft.status != lifecycle.AFTER_PUBLISH_FROM and session.get(DraftRemoval, draft.id) is None:
            return link
    return None


def post_state(session: Session, actor: User, draft: Draft) -> dict[str, Any]:
    """The after-publishing facts of ``draft`` and the actions ``actor`` may take on it now."""
    settings = settings_of(session)
    removal = session.get(DraftRemoval, draft.id)
    publication = publication_of(session, draft.id)
    withdrawal = check = None
    if publication is not None:
        withdrawal = session.scalar(select(PostWithdrawal).where(PostWithdrawal.publication_id == publication.id))
        check = session.scalar(select(PostCheck).where(PostCheck.publication_id == publication.id))
    corrections = [_link(session, link, link.correction_draft_id) for link in session.scalars(
        select(PostCorrection).where(PostCorrection.original_draft_id == draft.id).order_by(PostCorrection.id))]
    origin = session.scalar(select(PostCorrection).where(PostCorrection.correction_draft_id == draft.id))
    if removal is not None:
        state = "deleted"
    elif publication is None:
        state = None
    elif withdrawal is not None:
        state = "withdrawn"
    elif any(c["published"] for c in corrections):
        state = "corrected"
    else:
        state = "live"
    due = check_deadline(settings, publication) if publication is not None else None
    roles = roles_of(session, actor)
    published = publication is not None and withdrawal is None and removal is None
    unpublished = publication is None and removal is None
    can = {
        "correct": published and allows(roles, "draft.write") and open_correction(session, draft.id) is None,
        "withdraw_post": published and allows(roles, "post.withdraw"),
        "check": published and check is None and allows(roles, "post.check"),
        "withdraw_draft": unpublished and allows(roles, "draft.write")
        and draft.status in lifecycle.EDITOR_MOVES["withdraw"][0],
        "delete": unpublished and allows(roles, "draft.write") and draft.status in lifecycle.EDITOR_MOVES["delete"][0],
    }
    return {
        "state": state,
        "state_name": POST_STATE_NAMES[state] if state else None,
        "removal": None if removal is None else {"by": _who(session, removal.removed_by), "reason": removal.reason,
                                                  "at": _iso(removal.removed_at)},
        "withdrawal": None if withdrawal is None else {"by": _who(session, withdrawal.withdrawn_by),
                                                        "reason": withdrawal.reason, "at": _iso(withdrawal.withdrawn_at)},
        "corrections": corrections,
        "corrects": None if origin is None else _link(session, origin, origin.original_draft_id),
        "check": None if check is None else {
            "by": _who(session, check.checked_by), "at": _iso(check.checked_at), "late": due is not None and check.checked_at > due,
            "results": [{"item": k, "name": POST_CHECK_ITEM_NAMES.get(k, k), **v} for k, v in check.results.items()]},
        "check_due_at": _iso(due),
        "check_overdue": bool(published and check is None and due is not None and utcnow() > due),
        "can": can,
    }
