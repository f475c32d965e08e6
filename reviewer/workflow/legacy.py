"""The review workflow: who may write, sign and publish which version of a draft, and when.

Every rule of the two-person, multi-level, five-gate review lives here once, for the browser
pages and the JSON API alike. Functions work on the caller's Session, write their audit entries
in the same transaction and never commit: the request or command commits once, or rolls back.

Concurrency: each change to a draft bumps ``drafts.lock_version`` through SQLAlchemy's
optimistic version counter (``UPDATE ... WHERE lock_version = <seen>``). Two requests that read
the same draft state cannot both act on it; the loser gets ``stale_version`` (409). The unique
constraints (one sign-off per version, level and gate; one row per version number; one
publication per version) back this up inside the database.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from reviewer.audit import chain as audit
from reviewer.engine.findings import GATE_NAMES, GATES, KINDS, Finding, Report, verdict
from reviewer.storage import (
    DECISIONS,
    FINDING_FIELDS,
    Account,
    Draft,
    DraftVersion,
    FindingRow,
    Publication,
    SignOff,
    SignOffOverride,
    Unit,
    User,
    UserRole,
    UserUnit,
    utcnow,
)

T = TypeVar("T")

#: Longest accepted value per text field, in characters.
LIMITS: dict[str, int] = {
    "title": 500,
    "body": 200_000,
    "citizen_message": 20_000,
    "comment": 2_000,
    "reason": 2_000,
    "url": 2_000,
}
FIELD_NAMES: dict[str, str] = {
    "title": "标题",
    "body": "正文",
    "citizen_message": "群众留言",
    "comment": "审核意见",
    "reason": "放行理由",
    "url": "发布链接",
}
#: Largest id a database integer column holds; larger ids cannot exist, so they are "not found".
MAX_ID = 2**31 - 1
#: Error code -> HTTP status, so every caller maps a refusal the same way.
STATUS: dict[str, int] = {
    "invalid_input": 422,
    "override_required": 422,
    "invalid_override": 422,
    "comment_required": 422,
    "forbidden_role": 403,
    "separation_of_duties": 403,
    "not_found": 404,
    "stale_version": 409,
    "already_signed": 409,
    "level_taken": 409,
    "level_not_open": 409,
    "invalid_state": 409,
    "revision_required": 409,
    "not_publishable": 409,
}
#: Draft statuses in which an edit is allowed, and the status after the edit.
EDIT_STATUS: dict[str, str] = {
    "draft": "draft",
    "returned": "returned",
    "in_review": "in_review",
    "approved": "in_review",
}
SUBMITTABLE: frozenset[str] = frozenset({"draft", "returned"})


class WorkflowError(Exception):
    """A refused action: ``code`` is stable, ``message`` is Chinese, ``status`` is the HTTP status."""

    def __init__(self, code: str, message: str, status: int | None = None, *, race: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS.get(code, 422)
        #: True when another transaction won a race; re-running the whole action is then safe.
        self.race = race

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def fail(code: str, message: str, *, race: bool = False) -> WorkflowError:
    """Build the error for ``code`` with its registered status."""
    return WorkflowError(code, message, STATUS[code], race=race)


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


# ---------------------------------------------------------------------------------------------
# Who the actor is and what they may see


def roles_of(session: Session, user: User) -> frozenset[str]:
    """The user's roles, read fresh from the database."""
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))


def require_role(session: Session, user: User, role: str) -> None:
    """Refuse with 403 unless ``user`` holds ``role``."""
    if role not in roles_of(session, user):
        names = {"editor": "编辑", "reviewer": "审核员", "publisher": "发布员", "auditor": "审计员",
                 "admin": "管理员"}
        raise fail("forbidden_role", f"此操作需要“{names.get(role, role)}”角色。")


def visible_unit_ids(session: Session, user: User) -> set[int]:
    """The user's units and every unit below them in the tree."""
    own = set(session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id)))
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    seen: set[int] = set()
    stack = list(own)
    while stack:
        unit_id = stack.pop()
        if unit_id not in seen:
            seen.add(unit_id)
            stack.extend(children.get(unit_id, ()))
    return seen


def visible_accounts(session: Session, user: User) -> list[Account]:
    """Active accounts of the user's units (and their descendants), by name."""
    units = visible_unit_ids(session, user)
    if not units:
        return []
    return list(session.scalars(
        select(Account).where(Account.unit_id.in_(units), Account.active.is_(True)).order_by(Account.id)
    ))


def _valid_id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def get_account(session: Session, actor: User, account_id: Any) -> Account:
    """An active account of the actor's units, else 404 (whether it exists elsewhere or not)."""
    account_id = _valid_id(account_id)
    account = session.get(Account, account_id) if account_id else None
    if account is None or not account.active or account.unit_id not in visible_unit_ids(session, actor):
        raise fail("not_found", "账号不存在，或不属于您所在的单位。")
    return account


def get_draft(session: Session, actor: User, draft_id: Any) -> Draft:
    """The draft if it belongs to the actor's units; 404 otherwise, so ids reveal nothing."""
    draft_id = _valid_id(draft_id)
    draft = session.get(Draft, draft_id) if draft_id else None
    if draft is None:
        raise fail("not_found", "稿件不存在，或不属于您所在的单位。")
    account = session.get(Account, draft.account_id)
    if account is None or account.unit_id not in visible_unit_ids(session, actor):
        raise fail("not_found", "稿件不存在，或不属于您所在的单位。")
    return draft


# ---------------------------------------------------------------------------------------------
# Validation


def _text(name: str, value: Any, *, required: bool = True) -> str | None:
    label = FIELD_NAMES[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise fail("invalid_input", f"{label}不能为空。")
        return None
    if not isinstance(value, str):
        raise fail("invalid_input", f"{label}必须是文本。")
    if len(value) > LIMITS[name]:
        raise fail("invalid_input", f"{label}过长：{len(value)} 字，上限 {LIMITS[name]} 字。")
    return value


def _kind(value: Any) -> str:
    if value not in KINDS:
        raise fail("invalid_input", "稿件类型无效，应为 post（发布内容）或 reply（留言回复）。")
    return value


def _citizen_message(kind: str, value: Any) -> str | None:
    message = _text("citizen_message", value, required=False)
    if kind == "post" and message is not None:
        raise fail("invalid_input", "只有留言回复类稿件（reply）才能填写群众留言。")
    return message


def content_sha256(title: str, body: str, citizen_message: str | None) -> str:
    """sha256 of the canonical content: sorted-key compact JSON of title, body, citizen_message."""
    canonical = json.dumps(
        {"title": title, "body": body, "citizen_message": citizen_message},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Versions and findings


#: Per reviewed field, whether the classifier runs on it. It judges a whole piece against the
#: account's duty; on a title's few characters it guesses (a plain title such as 路线巡检稿件 came out
#: off-topic for a 文旅 account), and the body already carries the piece, so titles get the lexicon
#: and patterns only.
CLASSIFY_FIELD: dict[str, bool] = {"title": False, "body": True}


@dataclass(frozen=True)
class TextCheck:
    """The engine's report for each reviewed field; each finding's offsets point into its own field."""

    reports: dict[str, Report]

    @property
    def findings(self) -> list[tuple[str, Finding]]:
        """(field, finding) pairs in display order: title first, then body."""
        return [(name, f) for name, report in self.reports.items() for f in report.findings]

    @property
    def verdict(self) -> str:
        """The verdict over every field: a block in the title blocks the piece like one in the body."""
        return verdict([f for _, f in self.findings])


def duty_of(account: Account) -> str | None:
    """The duty the classifier judges an account's texts against: its description, else its department."""
    return account.duty or account.department


def _review_fields(texts: dict[str, str | None], kind: str, duty: str | None) -> TextCheck:
    from reviewer.engine.core import default_engine
    from reviewer.errors import ReviewerError

    engine = default_engine()
    reports: dict[str, Report] = {}
    try:
        for name in FINDING_FIELDS:
            if texts.get(name) is not None:
                reports[name] = engine.review(texts[name], kind=kind, duty=duty, classify=CLASSIFY_FIELD[name])
    except ReviewerError as exc:
        raise fail("invalid_input", exc.message) from exc
    return TextCheck(reports)


def check_text(session: Session, actor: User, account_id: Any, title: Any, body: Any, kind: Any, *,
               duty: str | None = None) -> TextCheck:
    """Review unsaved text exactly as saving it would, without storing anything.

    With an account (one of the actor's units, else 404) the classifier judges against that
    account's duty, as it will when the draft is saved; without one, against ``duty`` if given.
    A title or body given as None is not reviewed (a blank one passes); a reply's citizen message
    never is.
    """
    kind = _kind(kind)
    texts = {"title": title, "body": body}
    for name, value in texts.items():
        _text(name, value, required=False)
    if account_id is not None:
        duty = duty_of(get_account(session, actor, account_id))
    return _review_fields(texts, kind, duty)


def _add_version(session: Session, draft: Draft, account: Account, number: int, actor: User, title: str,
                 body: str, citizen_message: str | None, found: TextCheck, ip: str | None) -> DraftVersion:
    """Insert version ``number`` with the engine's findings ``found``, and audit both."""
    version = DraftVersion(draft_id=draft.id, number=number, title=title, body=body,
                           citizen_message=citizen_message,
                           sha256=content_sha256(title, body, citizen_message), editor_id=actor.id,
                           created_at=utcnow())
    session.add(version)
    _flush_or_conflict(session, "stale_version", "该版本号已被他人占用，请刷新后重试。", race=True)
    rows = [
        FindingRow(version_id=version.id, field=field, start=f.start, end=f.end, text=f.text,
                   category=f.category, gate=f.gate, severity=f.severity, rule=f.rule, suggestion=f.suggestion,
                   source=f.source, note=f.note)
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


def _audit_context(actor: User, account: Account, draft: Draft, version: int | None,
                   ip: str | None) -> dict[str, Any]:
    return {"actor_id": actor.id, "actor_name": actor.username, "unit_id": account.unit_id,
            "account_id": account.id, "draft_id": draft.id, "version": version, "ip": ip}


def _current(session: Session, draft: Draft) -> DraftVersion:
    version = session.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft.id,
                                                        DraftVersion.number == draft.current_version))
    if version is None:
        raise fail("not_found", "稿件版本不存在。")
    return version


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


def _flush_or_conflict(session: Session, code: str, message: str, *, race: bool = True) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise fail(code, message, race=race) from exc
    except (StaleDataError, OperationalError) as exc:
        raise fail("stale_version", "稿件已被他人修改，请刷新后重试。", race=True) from exc


def _expect_version(draft: Draft, version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise fail("invalid_input", "版本号必须是整数。")
    if version != draft.current_version:
        raise fail("stale_version",
                   f"版本 {version} 已不是最新版本（当前为第 {draft.current_version} 版），请刷新后重试。")
    return version


# ---------------------------------------------------------------------------------------------
# Writing


def create_draft(session: Session, actor: User, account_id: Any, title: Any, body: Any, kind: Any,
                 citizen_message: Any = None, *, ip: str | None = None) -> Draft:
    """Create a draft with version 1 and its findings, on an account of the actor's units."""
    require_role(session, actor, "editor")
    kind = _kind(kind)
    title = _text("title", title)
    body = _text("body", body)
    citizen_message = _citizen_message(kind, citizen_message)
    account = get_account(session, actor, account_id)
    now = utcnow()
    draft = Draft(account_id=account.id, author_id=actor.id, kind=kind, status="draft", current_version=1,
                  created_at=now, updated_at=now)
    found = _review_fields({"title": title, "body": body}, kind, duty_of(account))
    session.add(draft)
    session.flush()
    _add_version(session, draft, account, 1, actor, title, body, citizen_message, found, ip)
    return draft


def edit_draft(session: Session, actor: User, draft_id: Any, title: Any, body: Any, base_version: Any,
               citizen_message: Any = None, *, ip: str | None = None) -> DraftVersion:
    """Save an edit as a new version; sign-offs of earlier versions stop counting at once."""
    require_role(session, actor, "editor")
    draft = get_draft(session, actor, draft_id)
    title = _text("title", title)
    body = _text("body", body)
    citizen_message = _citizen_message(draft.kind, citizen_message)
    base = _expect_version(draft, base_version)
    if draft.status not in EDIT_STATUS:
        raise fail("invalid_state", "稿件已发布，不能再修改；如需更正请新建稿件。")
    account = session.get(Account, draft.account_id)
    found = _review_fields({"title": title, "body": body}, draft.kind, duty_of(account))
    _touch(session, draft, current_version=base + 1, status=EDIT_STATUS[draft.status])
    return _add_version(session, draft, account, base + 1, actor, title, body, citizen_message, found, ip)


def submit(session: Session, actor: User, draft_id: Any, *, ip: str | None = None) -> Draft:
    """Send the current version to review (first time, or after revising a returned draft)."""
    require_role(session, actor, "editor")
    draft = get_draft(session, actor, draft_id)
    if draft.status not in SUBMITTABLE:
        raise fail("invalid_state", f"稿件当前状态为“{STATUS_NAMES[draft.status]}”，不能提交审核。")
    version = _current(session, draft)
    rejected = session.scalar(select(SignOff.id).where(SignOff.version_id == version.id,
                                                       SignOff.decision == "reject").limit(1))
    if rejected is not None:
        raise fail("revision_required", "稿件被退回后需先修改，生成新版本后才能重新提交。")
    account = session.get(Account, draft.account_id)
    _touch(session, draft, status="in_review")
    audit.record(session, "draft.submit", details={"sha256": version.sha256},
                 **_audit_context(actor, account, draft, version.number, ip))
    return draft


def _clean_overrides(overrides: Any) -> dict[int, str]:
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise fail("invalid_override", "放行理由必须是“问题编号 → 理由”的对应表。")
    cleaned: dict[int, str] = {}
    for key, reason in overrides.items():
        try:
            finding_id = int(key)
        except (TypeError, ValueError):
            raise fail("invalid_override", f"问题编号“{str(key)[:20]}”无效。") from None
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            continue
        cleaned[finding_id] = _text("reason", reason).strip()
    return cleaned


def sign_off(session: Session, actor: User, draft_id: Any, version: Any, level: Any, gate: Any,
             decision: Any, comment: Any = None, overrides: Any = None, *, ip: str | None = None) -> SignOff:
    """Record one reviewer's decision at one level and gate of the current version."""
    require_role(session, actor, "reviewer")
    draft = get_draft(session, actor, draft_id)
    account = session.get(Account, draft.account_id)
    if gate not in GATES:
        raise fail("invalid_input", "审核关口无效，应为 " + "、".join(f"{g}（{GATE_NAMES[g]}）" for g in GATES) + "。")
    if decision not in DECISIONS:
        raise fail("invalid_input", "审核结论无效，应为 approve（通过）或 reject（退回）。")
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= account.review_levels:
        raise fail("invalid_input", f"审核级别无效：该账号实行 {account.review_levels} 级审核，级别应为 1 至 "
                                    f"{account.review_levels}。")
    comment = _text("comment", comment, required=False)
    if decision == "reject" and comment is None:
        raise fail("comment_required", "退回稿件时必须填写审核意见，告诉作者需要修改什么。")
    reasons = _clean_overrides(overrides)
    _expect_version(draft, version)
    if draft.status != "in_review":
        raise fail("invalid_state", f"稿件当前状态为“{STATUS_NAMES[draft.status]}”，不在审核中。")
    current = _current(session, draft)
    writers = set(session.scalars(select(DraftVersion.editor_id).where(DraftVersion.draft_id == draft.id)))
    if actor.id == draft.author_id or actor.id in writers:
        raise fail("separation_of_duties", "您撰写或修改过这篇稿件，不能审核它（严禁同一人撰稿、同一人审核）。")
    signed = list(session.scalars(select(SignOff).where(SignOff.version_id == current.id)))
    if any(s.reviewer_id == actor.id and s.level != level for s in signed):
        raise fail("separation_of_duties", "您已在另一审核级别签署过此版本，同一人不能签署两个级别。")
    if any(s.level == level and s.gate == gate for s in signed):
        raise fail("already_signed", f"第 {level} 级的{GATE_NAMES[gate]}已经签署过，不能重复签署。")
    if any(s.level == level and s.reviewer_id != actor.id for s in signed):
        raise fail("level_taken", f"第 {level} 级审核已由其他审核员签署，每一级由一人完成五关审核。")
    progress = approval(session, draft, current)
    if progress.open_level is not None and level > progress.open_level:
        lower = [GATE_NAMES[g] for lv, g in progress.missing if lv == progress.open_level]
        raise fail("level_not_open", f"第 {level} 级暂不能签署：各级审核依次进行，须先由一名审核员通过第 "
                                     f"{progress.open_level} 级全部五关（尚缺{'、'.join(lower)}）。")
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
    status = "returned" if decision == "reject" else draft.status
    _touch(session, draft, status=status)
    row = SignOff(version_id=current.id, level=level, gate=gate, reviewer_id=actor.id, decision=decision,
                  comment=comment, created_at=utcnow())
    session.add(row)
    _flush_or_conflict(session, "already_signed", f"第 {level} 级的{GATE_NAMES[gate]}刚被他人签署。")
    session.add_all(SignOffOverride(signoff_id=row.id, finding_id=fid, reason=reason)
                    for fid, reason in sorted(reasons.items()))
    session.flush()
    context = _audit_context(actor, account, draft, current.number, ip)
    audit.record(session, "signoff", level=level, gate=gate,
                 details={"decision": decision, "comment": comment,
                          "overrides": {str(k): v for k, v in sorted(reasons.items())}}, **context)
    if decision == "reject":
        audit.record(session, "draft.return", level=level, gate=gate, details={"comment": comment}, **context)
    elif not approval(session, draft, current).missing:
        draft.status = "approved"
        session.flush()
    return row


def publish(session: Session, actor: User, draft_id: Any, version: Any, url: Any = None, *,
            ip: str | None = None) -> Publication:
    """Publish a fully approved version; nobody who signed it may publish it."""
    require_role(session, actor, "publisher")
    draft = get_draft(session, actor, draft_id)
    url = _url(url)
    _expect_version(draft, version)
    current = _current(session, draft)
    if draft.status == "published":
        raise fail("invalid_state", "稿件已经发布。")
    signers = set(session.scalars(select(SignOff.reviewer_id).where(SignOff.version_id == current.id)))
    if actor.id in signers:
        raise fail("separation_of_duties", "您签署过此版本的审核，不能再发布它（严禁同一人审核、同一人发布）。")
    state = approval(session, draft, current)
    if draft.status != "approved" or state.missing:
        raise fail("not_publishable", "此版本尚未完成全部审核，不能发布。" + state.describe_missing())
    _touch(session, draft, status="published")
    publication = Publication(version_id=current.id, draft_id=draft.id, publisher_id=actor.id, url=url,
                              published_at=utcnow())
    session.add(publication)
    _flush_or_conflict(session, "invalid_state", "此版本已被他人发布。")
    account = session.get(Account, draft.account_id)
    audit.record(session, "publish", details={"url": url, "sha256": current.sha256},
                 **_audit_context(actor, account, draft, current.number, ip))
    return publication


def _url(value: Any) -> str | None:
    url = _text("url", value, required=False)
    if url is None:
        return None
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise fail("invalid_input", "发布链接必须是以 http:// 或 https:// 开头的网址。")
    return url


# ---------------------------------------------------------------------------------------------
# Reading


STATUS_NAMES: dict[str, str] = {
    "draft": "草稿",
    "in_review": "审核中",
    "returned": "已退回",
    "approved": "审核通过",
    "published": "已发布",
}


@dataclass(frozen=True)
class Approval:
    """How far one version got: who signed each level, and which (level, gate) still lack approval."""

    levels: int
    signers: dict[int, int | None]
    missing: list[tuple[int, str]]

    @property
    def open_level(self) -> int | None:
        """The one level that may be signed now: the lowest not fully approved (None when all are)."""
        return min((level for level, _ in self.missing), default=None)

    def describe_missing(self) -> str:
        if not self.missing:
            return ""
        return "缺少：" + "、".join(f"第 {lv} 级{GATE_NAMES[g]}" for lv, g in self.missing) + "。"


def approval(session: Session, draft: Draft, version: DraftVersion) -> Approval:
    """Recompute from the rows whether ``version`` has, per level, one distinct approver of all gates.

    A level counts only when one reviewer approved all five gates, that reviewer did not write any
    version of the draft, and no other level of this version was signed by the same person. Levels
    are signed in order (初审 → 复审 → 终审): ``open_level`` is the only one that may be signed.
    """
    account = session.get(Account, draft.account_id)
    writers = set(session.scalars(select(DraftVersion.editor_id).where(DraftVersion.draft_id == draft.id)))
    writers.add(draft.author_id)
    rows = list(session.scalars(select(SignOff).where(SignOff.version_id == version.id)))
    missing: list[tuple[int, str]] = []
    signers: dict[int, int | None] = {}
    for level in range(1, account.review_levels + 1):
        at_level = [r for r in rows if r.level == level]
        people = {r.reviewer_id for r in at_level}
        signers[level] = next(iter(people)) if len(people) == 1 else None
        approved = {r.gate for r in at_level if r.decision == "approve"}
        valid = len(people) == 1 and not people & writers
        missing.extend((level, g) for g in GATES if not valid or g not in approved)
    chosen = [s for s in signers.values() if s is not None]
    if len(chosen) != len(set(chosen)):
        missing.extend((level, g) for level in signers for g in GATES if (level, g) not in missing)
    return Approval(account.review_levels, signers, missing)


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
                "overrides": [{"finding_id": o.finding_id, "reason": o.reason} for o in overrides.get(s.id, [])]}

    current_signoffs = [signoff_dict(s) for s in signoffs if s.version_id == current.id]
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
        "open_level": state.open_level if draft.status == "in_review" else None,
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
    out = []
    for d in drafts:
        version = versions[(d.id, d.current_version)]
        account = accounts[d.account_id]
        out.append({"id": d.id, "title": version.title, "kind": d.kind, "status": d.status,
                    "status_name": STATUS_NAMES[d.status], "version": d.current_version,
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
    query = select(Draft).join(Account, Account.id == Draft.account_id).where(Account.unit_id.in_(units))
    if status is not None:
        query = query.where(Draft.status == status)
    return _summaries(session, list(session.scalars(query.order_by(Draft.updated_at.desc(), Draft.id.desc()))))


def review_queue(session: Session, actor: User) -> list[dict]:
    """In-review drafts the actor may sign now, each with the one level open to them (``levels``)."""
    if "reviewer" not in roles_of(session, actor):
        return []
    units = visible_unit_ids(session, actor)
    if not units:
        return []
    drafts = list(session.scalars(
        select(Draft).join(Account, Account.id == Draft.account_id)
        .where(Account.unit_id.in_(units), Draft.status == "in_review").order_by(Draft.updated_at)))
    queue = []
    for summary, draft in zip(_summaries(session, drafts), drafts, strict=True):
        levels = open_levels(session, actor, draft)
        if levels:
            queue.append({**summary, "levels": levels})
    return queue


def open_levels(session: Session, actor: User, draft: Draft) -> list[int]:
    """The level of the current version the actor could sign now, as a list (empty or one level).

    Only the lowest level not yet fully approved is open; the actor may take it unless they wrote
    the draft, signed another level of this version, or someone else already signs this level.
    """
    writers = set(session.scalars(select(DraftVersion.editor_id).where(DraftVersion.draft_id == draft.id)))
    if actor.id == draft.author_id or actor.id in writers or draft.status != "in_review":
        return []
    current = _current(session, draft)
    level = approval(session, draft, current).open_level
    if level is None:
        return []
    rows = list(session.scalars(select(SignOff).where(SignOff.version_id == current.id)))
    if any(r.reviewer_id == actor.id and r.level != level for r in rows):
        return []
    at_level = [r for r in rows if r.level == level]
    if any(r.reviewer_id != actor.id for r in at_level) or len(at_level) >= len(GATES):
        return []
    return [level]
