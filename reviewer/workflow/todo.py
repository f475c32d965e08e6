"""待办: what waits for the actor now, and since when. Drafts returned to them, drafts whose level
they may sign, drafts they may publish.

Who may act is never decided here: the lists come from ``review_queue`` and ``publish_queue``
(``open_levels`` and ``allowed_actions``, i.e. ``reviewer.permissions``), and a returned draft is the
actor's when they wrote it and still hold ``draft.write``. This module only adds how long each waited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer.audit.chain import AuditEntry
from reviewer.permissions import allows
from reviewer.storage import Account, Draft, DraftRemoval, DraftVersion, SignOff, User, utcnow
from reviewer.workflow.access import roles_of, visible_unit_ids
from reviewer.workflow.lifecycle import AFTER_REJECT
from reviewer.workflow.reads import _summaries, publish_queue, review_queue

#: The kinds of to-do, in the order the page lists them, with their Chinese headings.
KINDS: tuple[tuple[str, str], ...] = (
    ("returned", "退回给我修改的稿件"),
    ("review", "等待我审核的稿件"),
    ("publish", "等待我发布的稿件"),
)
#: The capability (``reviewer.permissions``) whose holders have each kind of to-do at all.
CAPABILITY: dict[str, str] = {"returned": "draft.write", "review": "draft.sign", "publish": "draft.publish"}


@dataclass(frozen=True)
class Todo:
    """The actor's to-do lists (kind -> rows, oldest waiting first); each row has ``waiting_since``."""

    lists: dict[str, list[dict]]

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.lists.values())


def waited_text(since: datetime | None, now: datetime | None = None) -> str:
    """``已等待 3 小时``, ``已等待 2 天``: how long a row waited, in the largest whole unit."""
    if since is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    if seconds < 60:
        return "已等待不到 1 分钟"
    if seconds < 3600:
        return f"已等待 {seconds // 60} 分钟"
    if seconds < 86400:
        return f"已等待 {seconds // 3600} 小时"
    return f"已等待 {seconds // 86400} 天"


def _returned(session: Session, actor: User) -> list[dict]:
    """Returned drafts the actor wrote (author or editor of a version), in their units."""
    units = visible_unit_ids(session, actor)
    if not units:
        return []
    edited = select(DraftVersion.draft_id).where(DraftVersion.editor_id == actor.id)
    drafts = list(session.scalars(
        select(Draft).join(Account, Account.id == Draft.account_id)
        .where(Account.unit_id.in_(units), Draft.status == AFTER_REJECT, Draft.id.not_in(select(DraftRemoval.draft_id)),
               (Draft.author_id == actor.id) | Draft.id.in_(edited))))
    rows = []
    for summary, draft in zip(_summaries(session, drafts), drafts, strict=True):
        since = session.scalar(select(func.max(SignOff.created_at)).join(DraftVersion, DraftVersion.id == SignOff.version_id)
                               .where(DraftVersion.draft_id == draft.id, DraftVersion.number == draft.current_version,
                                      SignOff.decision == "reject"))
        rows.append({**summary, "waiting_since": since or draft.updated_at})
    return rows


def _level_open_since(session: Session, draft: Draft, level: int) -> datetime:
    """When ``level`` of the current version became signable: the lower level's last signature, or the submission."""
    version_id = select(DraftVersion.id).where(DraftVersion.draft_id == draft.id,
                                               DraftVersion.number == draft.current_version).scalar_subquery()
    if level > 1:
        lower = session.scalar(select(func.max(SignOff.created_at)).where(
            SignOff.version_id == version_id, SignOff.level == level - 1, SignOff.lapsed_at.is_(None)))
        if lower is not None:
            return lower
    return _submitted_at(session, draft) or draft.updated_at


def _submitted_at(session: Session, draft: Draft) -> datetime | None:
    return session.scalar(select(func.max(AuditEntry.created_at)).where(
        AuditEntry.event == "draft.submit", AuditEntry.draft_id == draft.id,
        AuditEntry.version == draft.current_version))


def todo(session: Session, actor: User) -> Todo:
    """Everything waiting for ``actor`` (only the kinds their roles have), each row with when it started waiting."""
    roles = roles_of(session, actor)
    held = [kind for kind, _ in KINDS if allows(roles, CAPABILITY[kind])]
    review = []
    for row in review_queue(session, actor):
        draft = session.get(Draft, row["id"])
        review.append({**row, "waiting_since": _level_open_since(session, draft, row["levels"][0])})
    publish = []
    for row in publish_queue(session, actor):
        if not row["publish"]:
            continue
        draft = session.get(Draft, row["id"])
        since = session.scalar(select(func.max(SignOff.created_at)).join(DraftVersion, DraftVersion.id == SignOff.version_id)
                               .where(DraftVersion.draft_id == draft.id, DraftVersion.number == draft.current_version,
                                      SignOff.lapsed_at.is_(None)))
        publish.append({**row, "waiting_since": since or draft.updated_at})
    lists = {"returned": _returned(session, actor) if "returned" in held else [], "review": review, "publish": publish}
    return Todo({kind: sorted(lists[kind], key=lambda r: r["waiting_since"]) for kind in held})


def todo_count(session: Session, actor: User) -> int:
    """How many drafts wait for ``actor`` (the number in the navigation bar)."""
    return todo(session, actor).count

