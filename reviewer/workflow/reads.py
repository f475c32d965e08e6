"""What the pages and the API show: a draft's full state, lists of drafts and the review queue.

Read models only: nothing here changes a row. Every list is confined to the actor's units.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.errors import fail
from reviewer.permissions import allows
from reviewer.storage import (
    Account,
    Draft,
    DraftRemoval,
    DraftVersion,
    FindingRow,
    PostWithdrawal,
    Publication,
    SignOff,
    SignOffConsent,
    SignOffOverride,
    Unit,
    User,
)
from reviewer.vocabulary import GATE_NAMES, GATES, POST_STATE_NAMES, STATUS_NAMES
from reviewer.workflow.access import roles_of, visible_unit_ids
from reviewer.workflow.approval import approval, open_levels
from reviewer.workflow.lifecycle import PUBLISHABLE, SIGNABLE


def _user_brief(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def draft_state(session: Session, draft: Draft) -> dict:
    """Everything a page or API client shows about a draft, computed for its current version."""
    account = session.get(Account, draft.account_id)
    unit = session.get(Unit, account.unit_id)
    versions = list(session.scalars(select(DraftVersion).where(DraftVersion.draft_id == draft.id)
                                    .order_by(DraftVersion.number)))
    by_id = {v.id: v for v in versions}
    users = {u.id: u for u in _users(session, {draft.author_id} | {v.editor_id for v in versions})}
    findings: dict[int, list[FindingRow]] = {v.id: [] for v in versions}
    for f in session.scalars(select(FindingRow).where(FindingRow.version_id.in_(by_id)).order_by(FindingRow.id)):
        findings[f.version_id].append(f)
    signoffs = list(session.scalars(select(SignOff).where(SignOff.version_id.in_(by_id)).order_by(SignOff.id)))
    overrides: dict[int, list[SignOffOverride]] = {}
    if signoffs:
        for o in session.scalars(select(SignOffOverride).where(
                SignOffOverride.signoff_id.in_([s.id for s in signoffs])).order_by(SignOffOverride.id)):
            overrides.setdefault(o.signoff_id, []).append(o)
    consents: dict[int, list[SignOffConsent]] = {}
    if signoffs:
        for c in session.scalars(select(SignOffConsent).where(
                SignOffConsent.signoff_id.in_([s.id for s in signoffs])).order_by(SignOffConsent.id)):
            consents.setdefault(c.signoff_id, []).append(c)
    users.update({u.id: u for u in _users(session, {s.reviewer_id for s in signoffs})})
    current = next(v for v in versions if v.number == draft.current_version)
    state = approval(session, draft, current)
    publication = session.scalar(select(Publication).where(Publication.draft_id == draft.id))
    if publication is not None:
        users.update({u.id: u for u in _users(session, {publication.publisher_id})})

    def signoff_dict(s: SignOff) -> dict:
        return {"id": s.id, "version": by_id[s.version_id].number, "level": s.level, "gate": s.gate,
                "gate_name": GATE_NAMES.get(s.gate, s.gate), "decision": s.decision, "comment": s.comment,
                "reviewer": _user_brief(users.get(s.reviewer_id)), "created_at": _iso(s.created_at),
                "overrides": [{"finding_id": o.finding_id, "reason": o.reason} for o in overrides.get(s.id, [])],
                "consents": [{"finding_id": c.finding_id, "approver": c.approver,
                              "approved_on": c.approved_on.isoformat()} for c in consents.get(s.id, [])],
                "lapsed_at": _iso(s.lapsed_at), "lapse_reason": s.lapse_reason}

    current_signoffs = [signoff_dict(s) for s in signoffs if s.version_id == current.id and s.lapsed_at is None]
    matrix = {str(level): {g: None for g in GATES} for level in range(1, account.review_levels + 1)}
    for s in current_signoffs:
        if str(s["level"]) in matrix:
            matrix[str(s["level"])][s["gate"]] = s
    rejected = [signoff_dict(s) for s in signoffs if s.decision == "reject"]
    return {
        "id": draft.id,
        "kind": draft.kind,
        "status": draft.status,
        "status_name": STATUS_NAMES[draft.status],
        "account": {"id": account.id, "name": account.name, "platform": account.platform,
                    "unit": unit.name if unit else None, "review_levels": account.review_levels},
        "author": _user_brief(users.get(draft.author_id)),
        "version": draft.current_version,
        "created_at": _iso(draft.created_at),
        "updated_at": _iso(draft.updated_at),
        "title": current.title,
        "body": current.body,
        "citizen_message": current.citizen_message,
        "sha256": current.sha256,
        "versions": [
            {"number": v.number, "title": v.title, "body": v.body, "citizen_message": v.citizen_message,
             "sha256": v.sha256, "editor": _user_brief(users.get(v.editor_id)), "created_at": _iso(v.created_at),
             "findings": [f.to_dict() for f in findings[v.id]]}
            for v in versions
        ],
        "findings": [f.to_dict() for f in findings[current.id]],
        "signoffs": [signoff_dict(s) for s in signoffs],
        "matrix": matrix,
        "missing": [{"level": level, "gate": g, "gate_name": GATE_NAMES[g]} for level, g in state.missing],
        "open_level": state.open_level if draft.status == SIGNABLE or state.lapsed else None,
        "lapsed": [{"level": level, "reason": why} for level, why in sorted(state.lapsed.items())],
        "return_comments": rejected,
        "publication": None if publication is None else {
            "version": by_id[publication.version_id].number, "url": publication.url,
            "publisher": _user_brief(users.get(publication.publisher_id)),
            "published_at": _iso(publication.published_at)},
    }


def _users(session: Session, ids: Iterable[int]) -> list[User]:
    ids = set(ids)
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids))))


def _summaries(session: Session, drafts: list[Draft]) -> list[dict]:
    if not drafts:
        return []
    accounts = {a.id: a for a in session.scalars(select(Account).where(
        Account.id.in_({d.account_id for d in drafts})))}
    versions = {(v.draft_id, v.number): v for v in session.scalars(select(DraftVersion).where(
        DraftVersion.draft_id.in_([d.id for d in drafts])))}
    authors = {u.id: u for u in _users(session, {d.author_id for d in drafts})}
    withdrawn = set(session.scalars(select(PostWithdrawal.draft_id).where(
        PostWithdrawal.draft_id.in_([d.id for d in drafts]))))
    out = []
    for d in drafts:
        version = versions[(d.id, d.current_version)]
        account = accounts[d.account_id]
        name = POST_STATE_NAMES["withdrawn"] if d.id in withdrawn else STATUS_NAMES[d.status]
        out.append({"id": d.id, "title": version.title, "kind": d.kind, "status": d.status,
                    "status_name": name, "withdrawn": d.id in withdrawn, "version": d.current_version,
                    "account": {"id": account.id, "name": account.name, "platform": account.platform,
                                "review_levels": account.review_levels},
                    "author": _user_brief(authors.get(d.author_id)), "updated_at": _iso(d.updated_at)})
    return out


def list_drafts(session: Session, actor: User, status: str | None = None) -> list[dict]:
    """Summaries of the drafts in the actor's units, newest change first."""
    if status is not None and status not in STATUS_NAMES:
        raise fail("invalid_input", "稿件状态无效，应为 " + "、".join(STATUS_NAMES) + " 之一。")
    units = visible_unit_ids(session, actor)
    if not units:
        return []
    query = (select(Draft).join(Account, Account.id == Draft.account_id)
             .where(Account.unit_id.in_(units), Draft.id.not_in(select(DraftRemoval.draft_id))))
    if status is not None:
        query = query.where(Draft.status == status)
    return _summaries(session, list(session.scalars(query.order_by(Draft.updated_at.desc(), Draft.id.desc()))))


def review_queue(session: Session, actor: User) -> list[dict]:
    """In-review drafts the actor may sign now, each with the one level open to them (``levels``)."""
    if not allows(roles_of(session, actor), "draft.sign"):
        return []
    units = visible_unit_ids(session, actor)
    if not units:
        return []
    drafts = list(session.scalars(
        select(Draft).join(Account, Account.id == Draft.account_id)
        .where(Account.unit_id.in_(units), Draft.status.in_((SIGNABLE, PUBLISHABLE)),
               Draft.id.not_in(select(DraftRemoval.draft_id))).order_by(Draft.updated_at)))
    queue = []
    for summary, draft in zip(_summaries(session, drafts), drafts, strict=True):
        levels = open_levels(session, actor, draft)
        if levels:
            queue.append({**summary, "levels": levels})
    return queue


def publish_queue(session: Session, actor: User) -> list[dict]:
    """Approved drafts of the actor's units, each saying whether the actor may publish it (``publish``)
    and, when not, why (``publish_refusal``): the same ``allowed_actions`` the draft page offers."""
    from reviewer.workflow.actions import allowed_actions

    units = visible_unit_ids(session, actor)
    if not units:
        return []
    drafts = list(session.scalars(
        select(Draft).join(Account, Account.id == Draft.account_id)
        .where(Account.unit_id.in_(units), Draft.status == PUBLISHABLE, Draft.id.not_in(select(DraftRemoval.draft_id)))
        .order_by(Draft.updated_at.desc(), Draft.id.desc())))
    out = []
    for summary, draft in zip(_summaries(session, drafts), drafts, strict=True):
        actions = allowed_actions(session, actor, draft)
        out.append({**summary, "publish": actions.publish, "publish_refusal": actions.reasons.get("publish")})
    return out
