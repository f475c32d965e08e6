"""How far a version got: per level, one distinct approver of all five gates, levels in order.

Recomputed from the sign-off rows every time it is needed (publish, the queue, the pages), so no
stored flag can disagree with the signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from reviewer.permissions import DISQUALIFIES_APPROVAL, separation_refusal
from reviewer.storage import Account, Draft, DraftVersion, SignOff, User
from reviewer.vocabulary import GATE_NAMES, GATES, level_name
from reviewer.workflow.access import participation, signing_authority, signoffs_of, writer_ids
from reviewer.workflow.lifecycle import PUBLISHABLE, SIGNABLE


@dataclass(frozen=True)
class Approval:
    """Who signed each level, and which (level, gate) still lack a valid approval."""

    levels: int
    signers: dict[int, int | None]
    missing: list[tuple[int, str]]
    #: level -> why its signer's approval no longer counts (they lost the authority to sign).
    lapsed: dict[int, str] = field(default_factory=dict)

    @property
    def open_level(self) -> int | None:
        """The one level that may be signed now: the lowest not fully approved (None when all are)."""
        return min((level for level, _ in self.missing), default=None)

    def describe_missing(self) -> str:
        """``缺少：第 1 级政治关、…。`` (and why a level must be signed again), or empty."""
        if not self.missing:
            return ""
        text = "缺少：" + "、".join(f"{level_name(lv)}{GATE_NAMES[g]}" for lv, g in self.missing) + "。"
        return text + "".join(f"{level_name(lv)}须重新签署：{why}。" for lv, why in sorted(self.lapsed.items()))


def approval(session: Session, draft: Draft, version: DraftVersion,
             rows: list[SignOff] | None = None) -> Approval:
    """Whether ``version`` has, per level, one distinct approver of all gates.

    A level counts only when one reviewer approved all five gates, that reviewer is not
    disqualified (``permissions.DISQUALIFIES_APPROVAL``: they wrote a version), and no other level
    of this version was signed by the same person. Levels are signed in order (初审 → 复审 → 终审).
    """
    account = session.get(Account, draft.account_id)
    disqualified = writer_ids(session, draft) if "wrote" in DISQUALIFIES_APPROVAL else set()
    rows = rows if rows is not None else signoffs_of(session, version)
    missing: list[tuple[int, str]] = []
    signers: dict[int, int | None] = {}
    lapsed: dict[int, str] = {}
    for level in range(1, account.review_levels + 1):
        at_level = [r for r in rows if r.level == level]
        people = {r.reviewer_id for r in at_level}
        signers[level] = next(iter(people)) if len(people) == 1 else None
        approved = {r.gate for r in at_level if r.decision == "approve"}
        valid = len(people) == 1 and not people & disqualified
        if valid and (why := signing_authority(session, session.get(User, signers[level]), account)):
            lapsed[level] = why
            valid = False
        missing.extend((level, g) for g in GATES if not valid or g not in approved)
    chosen = [s for s in signers.values() if s is not None]
    if len(chosen) != len(set(chosen)):
        missing.extend((level, g) for level in signers for g in GATES if (level, g) not in missing)
    return Approval(account.review_levels, signers, missing, lapsed)


def signable(session: Session, draft: Draft, version: DraftVersion, state: Approval | None = None) -> bool:
    """In review, or approved while a level's signer has since lost the authority to sign.

    Such a level must be signed again, so an approved draft goes back to review when it is.
    ``state`` is the version's approval when the caller has it already.
    """
    if draft.status == SIGNABLE:
        return True
    return draft.status == PUBLISHABLE and bool((state or approval(session, draft, version)).lapsed)


def sign_refusal(session: Session, actor: User, draft: Draft, version: DraftVersion,
                 rows: list[SignOff] | None = None, state: Approval | None = None) -> str | None:
    """Why ``actor`` cannot sign the open level of ``version`` now; None when they can.

    ``rows`` and ``state`` are the version's sign-offs and approval when the caller has read them
    (the queue asks this of every draft, and each read is a query).
    """
    rows = rows if rows is not None else signoffs_of(session, version)
    state = state or approval(session, draft, version, rows)
    if not signable(session, draft, version, state):
        return "稿件不在审核中。"
    level = state.open_level
    if level is None:
        return "各级审核均已完成。"
    refusal = separation_refusal("sign", participation(session, actor, draft, version, level, signed=rows))
    if refusal:
        return refusal
    at_level = [r for r in rows if r.level == level]
    account = session.get(Account, draft.account_id)
    if at_level and signing_authority(session, session.get(User, at_level[0].reviewer_id), account):
        return None  # the level's signer lost their authority: anyone else may sign it again
    if any(r.reviewer_id != actor.id for r in at_level):
        return f"{level_name(level)}审核已由其他审核员签署，每一级由一人完成五关审核。"
    if len(at_level) >= len(GATES):
        return f"您已签完{level_name(level)}的全部五关。"
    return None


def open_levels(session: Session, actor: User, draft: Draft) -> list[int]:
    """The level of the current version the actor could sign now, as a list (empty or one level)."""
    from reviewer.workflow.access import current_version

    if draft.status not in (SIGNABLE, PUBLISHABLE):
        return []
    version = current_version(session, draft)
    rows = signoffs_of(session, version)
    state = approval(session, draft, version, rows)
    if sign_refusal(session, actor, draft, version, rows, state) is not None:
        return []
    return [state.open_level] if state.open_level is not None else []
