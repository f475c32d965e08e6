"""Re-review from what changed: which version a reviewer saw last, the last signed version, the
override reasons given on earlier versions, and the comments reviewers left on a level.

``record_view`` is the only writer: opening the review page of a new version moves the reviewer's
mark (and is audited once per version); reloading the page changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.storage import Account, Draft, DraftVersion, DraftView, FindingRow, ReviewNote, SignOff, SignOffOverride, User, utcnow
from reviewer.vocabulary import GATE_NAMES
from reviewer.workflow.access import current_version


@dataclass(frozen=True)
class Baseline:
    """The versions worth comparing the current one with (None when there is none)."""

    #: The version this reviewer had open before the current one.
    seen: int | None
    #: The newest earlier version anyone signed (approved or returned).
    signed: int | None


def record_view(session: Session, actor: User, draft: Draft, *, ip: str | None = None) -> Baseline:
    """Note that ``actor`` opened the current version on the review page; return what to compare it with."""
    version = draft.current_version
    row = session.scalar(select(DraftView).where(DraftView.draft_id == draft.id, DraftView.user_id == actor.id))
    moved = row is None or row.version != version
    if row is None:
        row = DraftView(draft_id=draft.id, user_id=actor.id, version=version, previous_version=None, seen_at=utcnow())
        session.add(row)
    elif moved:
        row.previous_version, row.version, row.seen_at = row.version, version, utcnow()
    if moved:
        session.flush()
        account = session.get(Account, draft.account_id)
        audit.record(session, "draft.view", actor_id=actor.id, actor_name=actor.username, unit_id=account.unit_id,
                     account_id=account.id, draft_id=draft.id, version=version, ip=ip,
                     details={"previous_version": row.previous_version})
    seen = row.previous_version if row.previous_version is not None and row.previous_version < version else None
    return Baseline(seen, last_signed_version(session, draft))


def last_signed_version(session: Session, draft: Draft) -> int | None:
    """The newest version before the current one that carries any sign-off."""
    return session.scalar(select(func.max(DraftVersion.number)).join(SignOff, SignOff.version_id == DraftVersion.id)
                          .where(DraftVersion.draft_id == draft.id, DraftVersion.number < draft.current_version))


def earlier_reasons(session: Session, draft: Draft) -> dict[int, list[str]]:
    """Block finding id of the current version -> the override reasons given to the same finding before.

    “The same finding” is the same words under the same rule, gate and field in an earlier
    version; reasons come newest first, each once.
    """
    current = current_version(session, draft)
    now = [f for f in session.scalars(select(FindingRow).where(FindingRow.version_id == current.id))
           if f.severity == "block"]
    if not now:
        return {}
    rows = session.execute(
        select(FindingRow.field, FindingRow.rule, FindingRow.gate, FindingRow.text, SignOffOverride.reason)
        .join(SignOffOverride, SignOffOverride.finding_id == FindingRow.id)
        .join(DraftVersion, DraftVersion.id == FindingRow.version_id)
        .where(DraftVersion.draft_id == draft.id, DraftVersion.number < current.number)
        .order_by(DraftVersion.number.desc(), SignOffOverride.id.desc()))
    given: dict[tuple, list[str]] = {}
    for field, rule, gate, text, reason in rows:
        reasons = given.setdefault((field, rule, gate, text), [])
        if reason not in reasons:
            reasons.append(reason)
    found = {f.id: given.get((f.field, f.rule, f.gate, f.text), []) for f in now}
    return {fid: reasons for fid, reasons in found.items() if reasons}


def notes_of(session: Session, draft: Draft) -> list[dict]:
    """Every level comment left on the draft (summaries and remarks on selected words), oldest first."""
    rows = session.execute(
        select(ReviewNote, DraftVersion.number, User.display_name)
        .join(DraftVersion, DraftVersion.id == ReviewNote.version_id)
        .join(User, User.id == ReviewNote.reviewer_id)
        .where(DraftVersion.draft_id == draft.id).order_by(ReviewNote.id))
    return [{"id": n.id, "version": number, "level": n.level, "reviewer": name, "gate": n.gate,
             "gate_name": GATE_NAMES.get(n.gate, "") if n.gate else "", "field": n.field, "start": n.start,
             "end": n.end, "quote": n.quote, "comment": n.comment, "created_at": n.created_at.isoformat()}
            for n, number, name in rows]
