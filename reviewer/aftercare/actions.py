"""The after-publishing use cases: 更正, 撤稿 and the 双向反馈 check, each audited in the caller's transaction.

A correction is a new draft on the same account, starting from the published text (or the
corrected text the editor gives), linked to the original: it is written, checked, reviewed at
every level and published like any draft, so nothing reaches the public unreviewed. A withdrawal
keeps the publication row (what was published stays on record) and adds who took it down, why
and when. The check is recorded once per publication; a check after the deadline is kept, marked
late, and the missing check stays an alert.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewer.aftercare.state import check_deadline, open_correction, publication_of
from reviewer.audit import chain as audit
from reviewer.errors import fail
from reviewer.storage import Account, Draft, DraftVersion, PostCheck, PostCorrection, PostWithdrawal, Publication, User, settings_of, utcnow
from reviewer.vocabulary import POST_CHECK_ITEM_NAMES, POST_CHECK_ITEMS
from reviewer.workflow import create_draft, get_draft, lifecycle
from reviewer.workflow.access import require
from reviewer.workflow.retraction import note_text


def _context(actor: User, account: Account, draft: Draft, ip: str | None) -> dict[str, Any]:
    return {"actor_id": actor.id, "actor_name": actor.username, "unit_id": account.unit_id,
            "account_id": account.id, "draft_id": draft.id, "version": draft.current_version, "ip": ip}


def _published(session: Session, actor: User, draft_id: Any, verb: str) -> tuple[Draft, Publication]:
    """The actor's published draft and its publication, not withdrawn; refused otherwise."""
    draft = get_draft(session, actor, draft_id)
    publication = publication_of(session, draft.id)
    if publication is None or draft.status != lifecycle.AFTER_PUBLISH_FROM:
        raise fail("not_published", f"稿件尚未发布，不能{verb}；未发布的稿件可以撤回或删除。")
    if session.scalar(select(PostWithdrawal.id).where(PostWithdrawal.publication_id == publication.id)):
        raise fail("post_withdrawn", f"稿件已撤稿，不能再{verb}。")
    return draft, publication


def start_correction(session: Session, actor: User, draft_id: Any, reason: Any, title: Any = None,
                     body: Any = None, *, ip: str | None = None) -> Draft:
    """更正: a new draft linked to the published one, to be reviewed in full before it is published."""
    require(session, actor, "draft.write")
    original, publication = _published(session, actor, draft_id, "更正")
    reason = note_text("更正原因", reason)
    if open_correction(session, original.id) is not None:
        raise fail("correction_open", "这篇稿件已有一篇更正稿在处理中，请先完成或删除那一篇。")
    published = session.get(DraftVersion, publication.version_id)
    title = title if isinstance(title, str) and title.strip() else f"【更正】{published.title}"
    body = body if isinstance(body, str) and body.strip() else published.body
    correction = create_draft(session, actor, original.account_id, title, body, original.kind,
                              published.citizen_message, ip=ip)
    session.add(PostCorrection(original_draft_id=original.id, correction_draft_id=correction.id,
                               requested_by=actor.id, reason=reason, created_at=utcnow()))
    try:
        session.flush()
    except IntegrityError as exc:
        raise fail("correction_open", "更正稿刚被他人创建，请刷新后查看。", race=True) from exc
    account = session.get(Account, original.account_id)
    audit.record(session, "post.correct", details={"reason": reason, "correction_draft_id": correction.id},
                 **_context(actor, account, original, ip))
    return correction


def withdraw_post(session: Session, actor: User, draft_id: Any, reason: Any, *, ip: str | None = None) -> PostWithdrawal:
    """撤稿: record that the published item was taken down, by whom, why and when."""
    require(session, actor, "post.withdraw")
    draft, publication = _published(session, actor, draft_id, "撤稿")
    reason = note_text("撤稿原因", reason)
    row = PostWithdrawal(publication_id=publication.id, draft_id=draft.id, withdrawn_by=actor.id, reason=reason,
                         withdrawn_at=utcnow())
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise fail("post_withdrawn", "稿件刚被他人撤稿。", race=True) from exc
    account = session.get(Account, draft.account_id)
    audit.record(session, "post.withdraw", details={"reason": reason, "publication_id": publication.id},
                 **_context(actor, account, draft, ip))
    return row


def _results(results: Any) -> dict[str, dict[str, Any]]:
    """Every check item with ``ok`` (bool) and its note; a problem found needs a note saying what."""
    if not isinstance(results, dict):
        raise fail("invalid_input", "核查结果应逐项填写：" + "、".join(POST_CHECK_ITEM_NAMES.values()) + "。")
    out: dict[str, dict[str, Any]] = {}
    for item in POST_CHECK_ITEMS:
        name = POST_CHECK_ITEM_NAMES[item]
        entry = results.get(item)
        if not isinstance(entry, dict) or not isinstance(entry.get("ok"), bool):
            raise fail("invalid_input", f"请核查“{name}”并选择正常或有问题。")
        note = note_text(f"“{name}”的说明", entry.get("note"), required=not entry["ok"])
        out[item] = {"ok": entry["ok"], "note": note}
    unknown = sorted(set(results) - set(POST_CHECK_ITEMS))
    if unknown:
        raise fail("invalid_input", "核查项目无效：" + "、".join(map(str, unknown)) + "。")
    return out


def record_check(session: Session, actor: User, draft_id: Any, results: Any, *, ip: str | None = None) -> PostCheck:
    """双向反馈: the publisher's check of the live post, item by item (once per publication)."""
    require(session, actor, "post.check")
    draft, publication = _published(session, actor, draft_id, "核查")
    checked = _results(results)
    if session.scalar(select(PostCheck.id).where(PostCheck.publication_id == publication.id)):
        raise fail("already_checked", "这篇稿件的双向反馈核查已经记录过。")
    now = utcnow()
    row = PostCheck(publication_id=publication.id, checked_by=actor.id, checked_at=now, results=checked)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise fail("already_checked", "双向反馈核查刚被他人记录。", race=True) from exc
    account = session.get(Account, draft.account_id)
    late = now > check_deadline(settings_of(session), publication)
    audit.record(session, "post.check", details={"results": checked, "publication_id": publication.id,
                                                 "late_check": late},
                 **_context(actor, account, draft, ip))
    return row
