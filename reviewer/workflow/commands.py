"""The workflow's commands: create, edit, submit, sign off and publish a draft.

Every command works on the caller's Session, writes its audit entries in the same transaction and
never commits: the request or command commits once, or rolls back. Concurrency: each change to a
draft bumps ``drafts.lock_version`` through SQLAlchemy's optimistic version counter, so two
requests that read the same state cannot both act on it; the loser gets ``stale_version``. The
unique constraints (one sign-off per version, level and gate; one row per version number; one
publication per version) back this up inside the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reviewer.audit import chain as audit
from reviewer.errors import WorkflowError, fail
from reviewer.permissions import separation_refusal
from reviewer.storage import Account, Draft, DraftVersion, FindingRow, Publication, SignOff, SignOffConsent, SignOffOverride, User, utcnow
from reviewer.vocabulary import DECISIONS, GATE_NAMES, GATES, STATUS_NAMES, level_name
from reviewer.workflow import lifecycle, replies, validation
from reviewer.workflow.access import current_version, get_account, get_draft, participation, require, signing_authority, signoffs_of
from reviewer.workflow.approval import approval, signable
from reviewer.workflow.checking import TextCheck, account_fields

#: The lifecycle state (lexicons/registry.toml) in which an account may publish.
LIVE_STATE = "live"

T = TypeVar("T")

#: How often ``retrying`` re-runs an action that lost a race before giving the 409 to the caller.
RACE_ATTEMPTS = 3


def retrying(session: Session, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``action(session, ...)``; if it lost a race, roll back and re-run it on fresh state.

    Safe because every action re-reads and re-checks everything it relies on: a client whose
    version really is stale still gets its 409, while two reviewers signing different gates at
    the same moment both succeed. Only for callers whose transaction holds nothing else.
    """
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return action(session, *args, **kwargs)
        except WorkflowError as exc:
            if not exc.race or attempt == RACE_ATTEMPTS:
                raise
            session.rollback()
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class SignOffRequest:
    """One reviewer's decision on one gate at one level of a version, as a client sends it."""

    version: Any
    level: Any
    gate: Any
    decision: Any
    comment: Any = None
    overrides: Any = None
    #: finding id -> {"approver": who in the unit consented, "approved_on": "YYYY-MM-DD"}
    consents: Any = None


def _audit_context(actor: User, account: Account, draft: Draft, version: int | None,
                   ip: str | None) -> dict[str, Any]:
    return {"actor_id": actor.id, "actor_name": actor.username, "unit_id": account.unit_id,
            "account_id": account.id, "draft_id": draft.id, "version": version, "ip": ip}


def _touch(session: Session, draft: Draft, **changes: Any) -> None:
    """Apply ``changes`` and bump the draft's lock version; a concurrent change makes this 409."""
    for name, value in changes.items():
        setattr(draft, name, value)
    draft.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise fail("stale_version", "稿件已被他人修改，请刷新后基于最新版本重试。", race=True) from exc
    except OperationalError as exc:
        raise fail("stale_version", "稿件正被他人修改（数据库忙），请稍后重试。", race=True) from exc


def _flush_or_conflict(session: Session, code: str, message: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise fail(code, message, race=True) from exc
    except (StaleDataError, OperationalError) as exc:
        raise fail("stale_version", "稿件已被他人修改，请刷新后重试。", race=True) from exc


def _expect_version(draft: Draft, version: Any) -> int:
    version = validation.version_number(version)
    if version != draft.current_version:
        raise fail("stale_version",
                   f"版本 {version} 已不是最新版本（当前为第 {draft.current_version} 版），请刷新后重试。")
    return version


def _add_version(session: Session, draft: Draft, account: Account, number: int, actor: User, title: str,
                 body: str, citizen_message: str | None, found: TextCheck, ip: str | None) -> DraftVersion:
    """Insert version ``number`` with the engine's findings ``found``, and audit both."""
    version = DraftVersion(draft_id=draft.id, number=number, title=title, body=body,
                           citizen_message=citizen_message,
                           sha256=validation.content_sha256(title, body, citizen_message), editor_id=actor.id,
                           created_at=utcnow())
    session.add(version)
    _flush_or_conflict(session, "stale_version", "该版本号已被他人占用，请刷新后重试。")
    rows = [
        FindingRow(version_id=version.id, field=field, start=f.start, end=f.end, text=f.text,
                   category=f.category, gate=f.gate, severity=f.severity, rule=f.rule, suggestion=f.suggestion,
                   source=f.source, note=f.note, lexicon_version=found.lexicon_version)
        for field, f in found.findings
    ]
    session.add_all(rows)
    session.flush()
    common = _audit_context(actor, account, draft, number, ip)
    audit.record(session, "draft.create" if number == 1 else "draft.edit",
                 details={"sha256": version.sha256, "title": title, "kind": draft.kind}, **common)
    counts = Counter(f"{r.gate}/{r.severity}" for r in rows)
    fields = Counter(r.field for r in rows)
    audit.record(session, "findings.attach", details={"total": len(rows), "by_gate_severity": dict(counts),
                                                      "by_field": dict(fields)}, **common)
    return version


def create_draft(session: Session, actor: User, account_id: Any, title: Any, body: Any, kind: Any,
                 citizen_message: Any = None, *, ip: str | None = None) -> Draft:
    """Create a draft with version 1 and its findings, on an account of the actor's units."""
    require(session, actor, "draft.write")
    kind = validation.kind(kind)
    title = validation.text("title", title)
    body = validation.text("body", body)
    citizen_message = validation.citizen_message(kind, citizen_message)
    account = get_account(session, actor, account_id)
    now = utcnow()
    draft = Draft(account_id=account.id, author_id=actor.id, kind=kind, status="draft", current_version=1,
                  created_at=now, updated_at=now)
    found = account_fields(session, {"title": title, "body": body}, kind, account)
    session.add(draft)
    session.flush()
    _add_version(session, draft, account, 1, actor, title, body, citizen_message, found, ip)
    return draft


def edit_draft(session: Session, actor: User, draft_id: Any, title: Any, body: Any, base_version: Any,
               citizen_message: Any = None, *, ip: str | None = None) -> DraftVersion:
    """Save an edit as a new version; sign-offs of earlier versions stop counting at once."""
    require(session, actor, "draft.write")
    draft = get_draft(session, actor, draft_id)
    title = validation.text("title", title)
    body = validation.text("body", body)
    citizen_message = validation.citizen_message(draft.kind, citizen_message)
    base = _expect_version(draft, base_version)
    if draft.status not in lifecycle.EDIT_STATUS:
        raise fail("invalid_state", "稿件已发布，不能再修改；如需更正请新建稿件。")
    account = session.get(Account, draft.account_id)
    found = account_fields(session, {"title": title, "body": body}, draft.kind, account)
    _touch(session, draft, current_version=base + 1, status=lifecycle.EDIT_STATUS[draft.status])
    return _add_version(session, draft, account, base + 1, actor, title, body, citizen_message, found, ip)


def submit(session: Session, actor: User, draft_id: Any, *, ip: str | None = None,
           confirm_blocks: bool | None = None) -> Draft:
    """Send the current version to review (first time, or after revising a returned draft).

    ``confirm_blocks=False`` refuses (``blocks_unconfirmed``) while the version still has block
    findings, so the page can show them and ask; True or None (a caller that does not ask) submits.
    """
    require(session, actor, "draft.write")
    draft = get_draft(session, actor, draft_id)
    if draft.status not in lifecycle.SUBMITTABLE:
        raise fail("invalid_state", f"稿件当前状态为“{STATUS_NAMES[draft.status]}”，不能提交审核。")
    version = current_version(session, draft)
    if confirm_blocks is False:
        blocks = session.scalars(select(FindingRow.text).where(FindingRow.version_id == version.id,
                                                               FindingRow.severity == "block")).all()
        if blocks:
            raise fail("blocks_unconfirmed", f"此版本仍有 {len(blocks)} 处“禁止发布”问题（"
                       + "、".join(f"“{t}”" for t in blocks[:5]) + "），确认仍要提交审核吗？")
    rejected = session.scalar(select(SignOff.id).where(SignOff.version_id == version.id,
                                                       SignOff.decision == "reject").limit(1))
    if rejected is not None:
        raise fail("revision_required", "稿件被退回后需先修改，生成新版本后才能重新提交。")
    account = session.get(Account, draft.account_id)
    _touch(session, draft, status=lifecycle.AFTER_SUBMIT)
    audit.record(session, "draft.submit", details={"sha256": version.sha256},
                 **_audit_context(actor, account, draft, version.number, ip))
    return draft


def _checked_request(account: Account, request: SignOffRequest
                     ) -> tuple[int, str, str, str | None, dict[int, str], dict[int, tuple[str, date]]]:
    """The request's level, gate, decision, comment and reasons, each validated."""
    if request.gate not in GATES:
        raise fail("invalid_input", "审核关口无效，应为 " + "、".join(f"{g}（{GATE_NAMES[g]}）" for g in GATES) + "。")
    if request.decision not in DECISIONS:
        raise fail("invalid_input", "审核结论无效，应为 approve（通过）或 reject（退回）。")
    level = request.level
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise fail("invalid_input", "审核级别必须是正整数。")
    if level > account.review_levels:  # a real level, but not one this account has: a conflict with its setup
        raise fail("no_such_level", f"该账号实行 {account.review_levels} 级审核，没有第 {level} 级，级别应为 1 至 "
                                    f"{account.review_levels}。")
    comment = validation.text("comment", request.comment, required=False)
    if request.decision == "reject" and comment is None:
        raise fail("comment_required", "退回稿件时必须填写审核意见，告诉作者需要修改什么。")
    return (level, request.gate, request.decision, comment, validation.overrides(request.overrides),
            validation.consents(request.consents))


def _lapse_unauthorized(session: Session, account: Account, version: DraftVersion, level: int,
                        signed: list[SignOff], ip: str | None) -> list[SignOff]:
    """Mark the sign-offs at ``level`` whose signer lost the authority to sign; return the live rest.

    Their slots become free, so another reviewer can sign the level again; the rows stay on record
    with the reason, and each lapse is an audit entry.
    """
    at_level = [s for s in signed if s.level == level]
    if not at_level:
        return signed
    why = signing_authority(session, session.get(User, at_level[0].reviewer_id), account)
    if why is None:
        return signed
    now = utcnow()
    for row in at_level:
        row.lapsed_at, row.lapse_reason = now, why
    session.flush()
    audit.record(session, "signoff.lapse", unit_id=account.unit_id, account_id=account.id, draft_id=version.draft_id,
                 version=version.number, level=level, ip=ip,
                 details={"signoff_ids": [r.id for r in at_level], "reason": why})
    return [s for s in signed if s not in at_level]


@dataclass(frozen=True)
class CheckedSignOff:
    """A sign-off that passed every rule (``check_signoff``), ready to be recorded."""

    version: DraftVersion
    level: int
    gate: str
    decision: str
    comment: str | None
    reasons: dict[int, str]
    consents: dict[int, tuple[str, date]]


def sign_off(session: Session, actor: User, draft_id: Any, request: SignOffRequest, *,
             ip: str | None = None) -> SignOff:
    """Record one reviewer's decision at one level and gate of the current version."""
    require(session, actor, "draft.sign")
    draft = get_draft(session, actor, draft_id)
    checked = check_signoff(session, actor, draft, request, ip=ip)
    _touch(session, draft, status=lifecycle.AFTER_REJECT if checked.decision == "reject" else lifecycle.SIGNABLE)
    row = record_signoff(session, actor, draft, checked, ip=ip)
    if checked.decision == "reject":
        audit.record(session, "draft.return", level=checked.level, gate=checked.gate, details={"comment": checked.comment},
                     **_audit_context(actor, session.get(Account, draft.account_id), draft, checked.version.number, ip))
    else:
        settle(session, draft, checked.version)
    return row


def check_signoff(session: Session, actor: User, draft: Draft, request: SignOffRequest, *,
                  ip: str | None = None) -> CheckedSignOff:
    """Every rule one gate's sign-off must pass, refused the same way for one gate or a whole level.

    Writes nothing but the lapse of sign-offs whose signer lost the authority to sign.
    """
    account = session.get(Account, draft.account_id)
    level, gate, decision, comment, reasons, consents = _checked_request(account, request)
    _expect_version(draft, request.version)
    current = current_version(session, draft)
    if not signable(session, draft, current):
        raise fail("invalid_state", f"稿件当前状态为“{STATUS_NAMES[draft.status]}”，不在审核中。")
    signed = _lapse_unauthorized(session, account, current, level, signoffs_of(session, current), ip)
    refusal = separation_refusal("sign", participation(session, actor, draft, current, level, signed=signed))
    if refusal:
        raise fail("separation_of_duties", refusal)
    if any(s.level == level and s.gate == gate for s in signed):
        raise fail("already_signed", f"{level_name(level)}的{GATE_NAMES[gate]}已经签署过，不能重复签署。")
    if any(s.level == level and s.reviewer_id != actor.id for s in signed):
        raise fail("level_taken", f"{level_name(level)}审核已由其他审核员签署，每一级由一人完成五关审核。")
    progress = approval(session, draft, current, signed)
    if progress.open_level is not None and level > progress.open_level:
        lower = [GATE_NAMES[g] for lv, g in progress.missing if lv == progress.open_level]
        raise fail("level_not_open", f"{level_name(level)}暂不能签署：各级审核依次进行，须先由一名审核员通过"
                                     f"{level_name(progress.open_level)}全部五关（尚缺{'、'.join(lower)}）。")
    findings = {f.id: f for f in session.scalars(select(FindingRow).where(FindingRow.version_id == current.id))}
    for finding_id in reasons:
        finding = findings.get(finding_id)
        if finding is None or finding.gate != gate:
            raise fail("invalid_override", f"问题编号 {finding_id} 不是此版本{GATE_NAMES[gate]}下的问题。")
    if decision == "reject" and reasons:
        raise fail("invalid_override", "退回时无需填写放行理由。")
    if decision == "approve":
        missing = [f.id for f in findings.values() if f.gate == gate and f.severity == "block" and f.id not in reasons]
        if missing:
            raise fail("override_required", f"{GATE_NAMES[gate]}下有“禁止发布”级问题（编号 "
                                            f"{', '.join(map(str, sorted(missing)))}），通过前须逐条填写放行理由。")
    for finding_id in consents:
        finding = findings.get(finding_id)
        if finding is None or finding.gate != gate or finding.category not in lifecycle.CONSENT_REQUIRED:
            raise fail("invalid_consent", f"问题编号 {finding_id} 不是此版本{GATE_NAMES[gate]}下需单位同意的问题。")
    if decision == "approve":
        unconsented = [f.id for f in findings.values() if f.gate == gate
                       and f.category in lifecycle.CONSENT_REQUIRED and f.id not in consents]
        if unconsented:
            raise fail("consent_required", f"{GATE_NAMES[gate]}下有须经单位同意才能发布的内容（编号 "
                                           f"{', '.join(map(str, sorted(unconsented)))}），通过前须逐条写明同意人和同意日期。")
    return CheckedSignOff(current, level, gate, decision, comment, reasons, consents)


def record_signoff(session: Session, actor: User, draft: Draft, checked: CheckedSignOff, *,
                   ip: str | None = None) -> SignOff:
    """Insert a checked sign-off with its reasons and consents and audit it; the caller sets the status."""
    account = session.get(Account, draft.account_id)
    current, level, gate, decision, comment = checked.version, checked.level, checked.gate, checked.decision, checked.comment
    reasons, consents = checked.reasons, checked.consents
    row = SignOff(version_id=current.id, level=level, gate=gate, reviewer_id=actor.id, decision=decision,
                  comment=comment, created_at=utcnow())
    session.add(row)
    _flush_or_conflict(session, "already_signed", f"{level_name(level)}的{GATE_NAMES[gate]}刚被他人签署。")
    session.add_all(SignOffOverride(signoff_id=row.id, finding_id=fid, reason=reason)
                    for fid, reason in sorted(reasons.items()))
    session.add_all(SignOffConsent(signoff_id=row.id, finding_id=fid, approver=who, approved_on=day)
                    for fid, (who, day) in sorted(consents.items()))
    session.flush()
    context = _audit_context(actor, account, draft, current.number, ip)
    audit.record(session, "signoff", level=level, gate=gate,
                 details={"decision": decision, "comment": comment,
                          "overrides": {str(k): v for k, v in sorted(reasons.items())},
                          **({"consents": {str(k): {"approver": who, "approved_on": day.isoformat()}
                                           for k, (who, day) in sorted(consents.items())}} if consents else {})},
                 **context)
    return row


def settle(session: Session, draft: Draft, version: DraftVersion) -> None:
    """After approvals: the draft is approved once every level of ``version`` is fully signed."""
    if not approval(session, draft, version).missing:
        draft.status = lifecycle.AFTER_ALL_APPROVED
        session.flush()


def _require_live(account: Account) -> None:
    """Only an account that is 已上线 publishes (issue 13): not one applied for, offline, closing or closed."""
    from reviewer.registry import default_rules

    if account.state != LIVE_STATE:
        states = default_rules().states
        raise fail("account_not_live", f"账号“{account.name}”当前为「{states.get(account.state, account.state)}」，"
                                       f"不是「{states[LIVE_STATE]}」，不能发布稿件。")


def publish(session: Session, actor: User, draft_id: Any, version: Any, url: Any = None, *,
            ip: str | None = None) -> Publication:
    """Publish a fully approved version; the separation rules decide who may not publish it."""
    require(session, actor, "draft.publish")
    draft = get_draft(session, actor, draft_id)
    url = validation.url(url)
    _expect_version(draft, version)
    current = current_version(session, draft)
    if draft.status == lifecycle.AFTER_PUBLISH:
        raise fail("invalid_state", "稿件已经发布。")
    refusal = separation_refusal("publish", participation(session, actor, draft, current))
    if refusal:
        raise fail("separation_of_duties", refusal)
    _require_live(session.get(Account, draft.account_id))
    state = approval(session, draft, current)
    if draft.status != lifecycle.PUBLISHABLE or state.missing:
        raise fail("not_publishable", "此版本尚未完成全部审核，不能发布。" + state.describe_missing())
    _touch(session, draft, status=lifecycle.AFTER_PUBLISH)
    publication = Publication(version_id=current.id, draft_id=draft.id, publisher_id=actor.id, url=url,
                              published_at=utcnow())
    session.add(publication)
    _flush_or_conflict(session, "invalid_state", "此版本已被他人发布。")
    account = session.get(Account, draft.account_id)
    audit.record(session, "publish", details={"url": url, "sha256": current.sha256},
                 **_audit_context(actor, account, draft, current.number, ip))
    replies.answer_message_of(session, draft, publication, actor, ip)
    return publication
