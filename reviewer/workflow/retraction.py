"""An editor takes back a draft that is not published: 撤回 (out of review, back to editing) or 删除.

The moves are data (``lifecycle.EDITOR_MOVES``); each is audited in the caller's transaction.
Deletion is soft: the draft, its versions, findings and sign-offs stay (the audit chain, the
monthly register and reconciliation refer to them, and a deleted draft's history must still be
readable by auditors); a ``draft_removals`` row hides it from the lists and from editing.
Also here: the block findings a submission would carry, so the pages can ask for confirmation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.errors import fail
from reviewer.storage import Account, Draft, DraftRemoval, FindingRow, SignOff, User, utcnow
from reviewer.vocabulary import STATUS_NAMES
from reviewer.workflow import lifecycle
from reviewer.workflow.access import current_version, get_draft, require
from reviewer.workflow.commands import _audit_context, _expect_version, _touch
from reviewer.workflow.validation import labelled_text

#: Longest reason or note accepted, in characters.
NOTE_LIMIT = 2_000


def note_text(label: str, value: Any, *, required: bool = True) -> str | None:
    """A person's reason or note: text within its limit, storable, trimmed; blank is None (refused when required)."""
    checked = labelled_text(label, value, NOTE_LIMIT, required=required, missing="请填写{label}。")
    return checked.strip() if checked is not None else None


def _move(draft: Draft, act: str, verb: str) -> str | None:
    sources, target = lifecycle.EDITOR_MOVES[act]
    if draft.status not in sources:
        if draft.status == lifecycle.AFTER_PUBLISH_FROM:
            raise fail("invalid_state", f"稿件已发布，不能{verb}；如需处理请使用“更正”或“撤稿”。")
        raise fail("invalid_state", f"稿件当前状态为“{STATUS_NAMES[draft.status]}”，不能{verb}。")
    return target


def withdraw_draft(session: Session, actor: User, draft_id: Any, version: Any, reason: Any = None, *,
                   ip: str | None = None) -> Draft:
    """撤回: take the draft out of review back to editing; live sign-offs of its version lapse."""
    require(session, actor, "draft.write")
    draft = get_draft(session, actor, draft_id)  # a deleted draft is not found
    number = _expect_version(draft, version)
    target = _move(draft, "withdraw", "撤回")
    reason = note_text("撤回原因", reason, required=False)
    current = current_version(session, draft)
    now = utcnow()
    lapsed = list(session.scalars(select(SignOff).where(SignOff.version_id == current.id, SignOff.lapsed_at.is_(None))))
    for row in lapsed:
        row.lapsed_at, row.lapse_reason = now, "编辑已撤回稿件，此前的签署不再有效"
    _touch(session, draft, status=target)
    account = session.get(Account, draft.account_id)
    audit.record(session, "draft.withdraw", details={"reason": reason, "signoff_ids": [r.id for r in lapsed]},
                 **_audit_context(actor, account, draft, number, ip))
    return draft


def delete_draft(session: Session, actor: User, draft_id: Any, version: Any, reason: Any, *,
                 ip: str | None = None) -> DraftRemoval:
    """删除: hide an unpublished draft for good; every row stays for the audit trail."""
    require(session, actor, "draft.write")
    draft = get_draft(session, actor, draft_id)  # a deleted draft is not found
    number = _expect_version(draft, version)
    _move(draft, "delete", "删除")
    reason = note_text("删除原因", reason)
    _touch(session, draft)
    removal = DraftRemoval(draft_id=draft.id, removed_by=actor.id, reason=reason, removed_at=utcnow())
    session.add(removal)
    session.flush()
    account = session.get(Account, draft.account_id)
    audit.record(session, "draft.delete", details={"reason": reason, "status": draft.status},
                 **_audit_context(actor, account, draft, number, ip))
    return removal


def block_findings(session: Session, draft: Draft) -> list[FindingRow]:
    """The block (禁止发布) findings of the draft's current version: what a submitter must confirm."""
    version = current_version(session, draft)
    return list(session.scalars(select(FindingRow).where(FindingRow.version_id == version.id,
                                                         FindingRow.severity == "block").order_by(FindingRow.id)))
