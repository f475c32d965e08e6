"""Reviewers' feedback on the engine, and the admins' queue of suggestions made from it.

A reviewer marks a stored finding 误报 (with a reason), or selects text of a version the tool
missed and names its family (漏报). Open feedback is grouped by (kind, family, compact text, unit):
a group is an allow-list candidate (误报) or a new-term candidate (漏报), ranked by how many
different reviewers raised it. Accepting a group creates the allow phrase or the term for the
unit (or the deployment) through ``entries.add_entry`` and closes the group; rejecting closes it.
The same rows are the classifier's training feedback (``training_rows``, read by ``reviewer train
--feedback`` in the JSONL shape it expects).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.curation import entries as entry_admin
from reviewer.engine.normalize import view
from reviewer.errors import WorkflowError
from reviewer.storage import Account, Draft, DraftVersion, FindingFeedback, FindingRow, User, utcnow
from reviewer.vocabulary import FEEDBACK_KINDS, FINDING_FIELDS
from reviewer.workflow.access import get_draft

MAX_REASON = 500
#: Families the classifier learns (its labels); other families' feedback only feeds the lexicon queue.
CLASSIFIER_LABELS = ("commercial", "off_topic", "entertainment", "rude")


def _reason(reason: Any, required: bool) -> str | None:
    if not isinstance(reason, str) or not reason.strip():
        if required:
            raise WorkflowError("reason_required", "请写明为何是误报。")
        return None
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise WorkflowError("field_too_long", f"理由过长（上限 {MAX_REASON} 字）。")
    return reason


def _record(session: Session, actor: User, item: FindingFeedback, draft: Draft) -> None:
    audit.record(session, "feedback.submit", actor_id=actor.id, actor_name=actor.username, unit_id=item.unit_id,
                 account_id=draft.account_id, draft_id=draft.id,
                 details={"kind": item.kind, "after": {"text": item.text, "category": item.family, "reason": item.reason,
                                                        "finding_id": item.finding_id}})


def false_alarm(session: Session, actor: User, finding_id: Any, reason: Any) -> FindingFeedback:
    """误报: the finding ``finding_id`` (of a draft of the actor's units) should not have fired."""
    finding = session.get(FindingRow, finding_id) if isinstance(finding_id, int) and 0 < finding_id < 2**31 else None
    if finding is None:
        raise WorkflowError("not_found", "没有这条检测结果，或它不属于您所在的单位。")
    version = session.get(DraftVersion, finding.version_id)
    draft = get_draft(session, actor, version.draft_id)
    if session.scalar(select(FindingFeedback.id).where(FindingFeedback.finding_id == finding.id,
                                                       FindingFeedback.user_id == actor.id)) is not None:
        raise WorkflowError("duplicate_feedback", "您已对这条检测结果提交过反馈。")
    item = FindingFeedback(kind="false_alarm", finding_id=finding.id, version_id=version.id, field=finding.field,
                           text=finding.text, key=view(finding.text, "compact").text or finding.text,
                           family=finding.category, reason=_reason(reason, True),
                           unit_id=session.get(Account, draft.account_id).unit_id, user_id=actor.id)
    session.add(item)
    session.flush()
    _record(session, actor, item, draft)
    return item


def missed(session: Session, actor: User, version_id: Any, field: Any, text: Any, family: Any,
           reason: Any = None) -> FindingFeedback:
    """漏报: ``text`` (selected in ``field`` of version ``version_id``) is a ``family`` problem the tool missed."""
    version = session.get(DraftVersion, version_id) if isinstance(version_id, int) and 0 < version_id < 2**31 else None
    if version is None:
        raise WorkflowError("not_found", "稿件版本不存在，或不属于您所在的单位。")
    draft = get_draft(session, actor, version.draft_id)
    if field not in FINDING_FIELDS:
        raise WorkflowError("invalid_field", "只能在标题或正文中选取漏报的文字。")
    if not isinstance(text, str) or not text.strip():
        raise WorkflowError("missing_field", "请先在稿件中选中漏报的文字。")
    text = text.strip()
    if text not in getattr(version, field):
        raise WorkflowError("invalid_selection", "选中的文字不在这一版稿件中。")
    families = entry_admin.categories(session)
    if family not in families:
        raise WorkflowError("unknown_category", "请选择漏报的问题类别。")
    key = entry_admin.compact_key(text)
    if len(text) > entry_admin.MAX_TERM:
        raise WorkflowError("field_too_long", f"选中的文字过长（上限 {entry_admin.MAX_TERM} 字）。")
    item = FindingFeedback(kind="missed", version_id=version.id, field=field, text=text, key=key, family=family,
                           reason=_reason(reason, False), unit_id=session.get(Account, draft.account_id).unit_id,
                           user_id=actor.id)
    session.add(item)
    session.flush()
    _record(session, actor, item, draft)
    return item


@dataclass(frozen=True)
class Suggestion:
    """Open feedback of one (kind, family, text, unit): what accepting it would add."""

    kind: str
    family: str
    key: str
    unit_id: int | None
    text: str
    reviewers: int
    count: int
    reasons: tuple[str, ...]
    ids: tuple[int, ...]

    @property
    def ref(self) -> str:
        """A stable handle for the group in forms: the ids of its feedback."""
        return ",".join(map(str, self.ids))


def queue(session: Session, actor: User, kind: str | None = None) -> list[Suggestion]:
    """Open suggestions of the units the admin manages, most reviewers first."""
    scope = sorted(entry_admin.admin_units(session, actor)) or [-1]
    query = select(FindingFeedback).where(FindingFeedback.status == "open", FindingFeedback.unit_id.in_(scope))
    if kind in FEEDBACK_KINDS:
        query = query.where(FindingFeedback.kind == kind)
    groups: dict[tuple, list[FindingFeedback]] = {}
    for item in session.scalars(query.order_by(FindingFeedback.id)):
        groups.setdefault((item.kind, item.family, item.key, item.unit_id), []).append(item)
    found = [Suggestion(k, f, key, unit, items[0].text, len({i.user_id for i in items}), len(items),
                        tuple(dict.fromkeys(i.reason for i in items if i.reason)), tuple(i.id for i in items))
             for (k, f, key, unit), items in groups.items()]
    return sorted(found, key=lambda s: (-s.reviewers, -s.count, s.ids[0]))


def _group(session: Session, actor: User, ref: str) -> list[FindingFeedback]:
    ids = [int(x) for x in ref.split(",") if x.isdigit() and len(x) < 10]
    scope = entry_admin.admin_units(session, actor)
    items = list(session.scalars(select(FindingFeedback).where(FindingFeedback.id.in_(ids or [-1]),
                                                               FindingFeedback.status == "open")))
    if not items or any(i.unit_id not in scope for i in items):
        raise WorkflowError("not_found", "这条建议不存在、已处理，或不属于您管理的单位。")
    return items


def decide(session: Session, actor: User, ref: str, accept: bool, *, everywhere: bool = False) -> FindingFeedback:
    """Accept (adds the allow phrase or the term, for the unit or with ``everywhere`` the deployment) or reject."""
    items = _group(session, actor, ref)
    first = items[0]
    entry = None
    if accept:
        fields = {"term": first.text, "kind": "allow" if first.kind == "false_alarm" else "term",
                  "category": first.family, "unit_id": None if everywhere else first.unit_id,
                  "note": "；".join(dict.fromkeys(i.reason for i in items if i.reason)) or None}
        entry = entry_admin.add_entry(session, actor, fields)
    now = utcnow()
    for item in items:
        item.status, item.decided_by, item.decided_at = ("accepted" if accept else "rejected"), actor.username, now
        item.entry_id = entry.id if entry is not None else None
    session.flush()
    audit.record(session, "feedback.decide", actor_id=actor.id, actor_name=actor.username, unit_id=first.unit_id,
                 details={"action": "accept" if accept else "reject", "kind": first.kind,
                          "feedback_ids": [i.id for i in items], "before": {"status": "open"},
                          "after": {"status": items[0].status, "lexicon_entry_id": entry.id if entry else None}})
    return first


def feedback_of(session: Session, user: User, finding_ids: Iterable[int]) -> dict[int, FindingFeedback]:
    """The user's feedback on the given findings, so a page shows what was already said."""
    ids = list(finding_ids)
    if not ids:
        return {}
    return {f.finding_id: f for f in session.scalars(select(FindingFeedback).where(
        FindingFeedback.user_id == user.id, FindingFeedback.finding_id.in_(ids)))}


def training_rows(session: Session) -> list[dict[str, Any]]:
    """The feedback on the classifier's families as ``reviewer train --feedback`` reads it (JSONL rows)."""
    rows = []
    query = (select(FindingFeedback, DraftVersion, Draft).join(DraftVersion, DraftVersion.id == FindingFeedback.version_id)
             .join(Draft, Draft.id == DraftVersion.draft_id).where(FindingFeedback.family.in_(CLASSIFIER_LABELS),
                                                                   FindingFeedback.status != "rejected")
             .order_by(FindingFeedback.id))
    for item, version, draft in session.execute(query):
        rows.append({"text": getattr(version, item.field), "label": item.family, "decision": item.kind,
                     "kind": draft.kind})
    return rows
