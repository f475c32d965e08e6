"""What each kind of alert is raised for, as of a moment: one ``Candidate`` per item.

Each source names its item in ``subject`` (unique within the source), so the sweep raises an item
once, on the first day it is seen, however often it runs: a block finding (by finding id), a missed
update deadline (by account and the day of the last live update it is counted from), an overdue
message (by message id), an account failing an inspection (by job and account), a missing
双向反馈 check (by publication id). Thresholds are the inspection's data (``lexicons/inspection.toml``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.aftercare.history import last_live_update
from reviewer.aftercare.state import check_deadline, live_publications
from reviewer.calendar import BEIJING
from reviewer.inspection.accounts import default_rules
from reviewer.storage import (
    Account,
    AccountEvent,
    Draft,
    DraftVersion,
    FindingRow,
    InspectionJob,
    PostCheck,
    Publication,
    Unit,
    settings_of,
)
from reviewer.vocabulary import GATE_NAMES

#: The register's lifecycle state of an account that must keep updating.
LIVE_STATE = "live"


@dataclass(frozen=True)
class Candidate:
    """An alert the sweep would raise: its source and item, where it belongs, and what to say."""

    source: str
    subject: str
    unit_id: int
    summary: str
    account_id: int | None = None
    draft_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def update_limits() -> tuple[int, int]:
    """(days an account may go without a live update, the same for a high-attention account)."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("inspection.toml").read_text("utf-8"))
    return default_rules().update_days, int(data["thresholds"]["high_attention_update_days"])


def _day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def _local(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def block_published(session: Session, at: datetime) -> Iterator[Candidate]:
    """Every block (禁止发布) finding of a published version (it was signed off with an override)."""
    rows = session.execute(
        select(FindingRow, Publication, DraftVersion, Account)
        .join(DraftVersion, DraftVersion.id == FindingRow.version_id)
        .join(Publication, Publication.version_id == DraftVersion.id)
        .join(Draft, Draft.id == Publication.draft_id)
        .join(Account, Account.id == Draft.account_id)
        .where(FindingRow.severity == "block", Publication.published_at <= at)
        .order_by(FindingRow.id))
    for finding, publication, version, account in rows:
        yield Candidate("block_published", f"finding:{finding.id}", account.unit_id,
                        f"“{version.title}”发布时含“禁止发布”问题“{finding.text}”（{GATE_NAMES.get(finding.gate, finding.gate)}，"
                        f"已放行），{_local(publication.published_at)} 发布",
                        account.id, publication.draft_id,
                        {"finding_id": finding.id, "publication_id": publication.id, "version": version.number})


def _baseline(session: Session, account: Account, at: datetime) -> tuple[datetime, str] | None:
    """Since when the account's update clock runs: its last live update, else the day it went live."""
    last = last_live_update(session, account.id, at)
    if last is not None:
        return last, "最后一次更新"
    went_live = session.scalar(select(AccountEvent.at).where(
        AccountEvent.account_id == account.id, AccountEvent.state == LIVE_STATE, AccountEvent.at <= at)
        .order_by(AccountEvent.at.desc()).limit(1))
    return (went_live, "上线") if went_live is not None else None


def update_overdue(session: Session, at: datetime) -> Iterator[Candidate]:
    """Every live account past its update deadline: 14 days, or a week for a high-attention account.

    An account with no live update and no record of going live has no clock to count from and is
    not judged (the register's history starts it).
    """
    normal, high = update_limits()
    today = _day(at)
    for account in session.scalars(select(Account).where(Account.active.is_(True), Account.state == LIVE_STATE)
                                   .order_by(Account.id)):
        start = _baseline(session, account, at)
        if start is None:
            continue
        since, what = start
        limit = high if account.high_attention else normal
        silent = (today - _day(since)).days
        if silent > limit:
            rule = f"高关注度账号每 {limit} 天至少更新一条" if account.high_attention else f"{limit} 天内至少更新一条"
            yield Candidate("update_overdue", f"account:{account.id}:{_day(since).isoformat()}", account.unit_id,
                            f"账号“{account.name}”（{account.platform}）自{what}（{_local(since)}）起已 {silent} 天未更新"
                            f"（要求{rule}）", account.id, None,
                            {"since": since.isoformat(), "days": silent, "limit": limit})


def _overdue_messages(session: Session, at: datetime) -> list[Any]:
    """The messages helper's ``overdue_messages`` (reviewer.messages.inbox): the one adapter to it."""
    from reviewer.messages.inbox import overdue_messages

    return overdue_messages(session, at)


def message_overdue(session: Session, at: datetime) -> Iterator[Candidate]:
    """Every citizen's message nobody answered within its limit."""
    for m in _overdue_messages(session, at):
        yield Candidate("message_overdue", f"message:{m.message_id}", m.unit_id,
                        f"账号“{m.account}”（{m.platform}）{_local(m.received_at)} 收到的群众留言（编号 {m.message_id}）"
                        f"超过答复期限（{_local(m.due_at)}）仍未答复", m.account_id, None,
                        {"message_id": m.message_id, "due_at": m.due_at.isoformat()})


def inspection_failed(session: Session, at: datetime) -> Iterator[Candidate]:
    """Every account a finished inspection judged 不合格, with the problems in the notices' wording."""
    accounts = {(a.name, a.platform): a for a in session.scalars(select(Account))}
    units = {u.name: u.id for u in session.scalars(select(Unit))}
    jobs = session.scalars(select(InspectionJob).where(InspectionJob.status == "done", InspectionJob.finished_at <= at)
                           .order_by(InspectionJob.id))
    for job in jobs:
        window = f"{job.window_first.isoformat()} 至 {job.window_last.isoformat()}"
        for failing in job.failing_accounts or []:
            name, platform = str(failing.get("name", "")), str(failing.get("platform", ""))
            account = accounts.get((name, platform))
            unit_id = account.unit_id if account else units.get(str(failing.get("unit") or ""), job.unit_id)
            problems = "；".join(str(p) for p in failing.get("problems", []))
            yield Candidate("inspection_failed", f"job:{job.id}:{name}:{platform}"[:200], unit_id,
                            f"账号“{name}”（{platform or '平台未注明'}）在巡检（监测时间 {window}）中不合格：{problems}",
                            account.id if account else None, None, {"job": job.id, "problems": failing.get("problems", [])})


def check_missing(session: Session, at: datetime) -> Iterator[Candidate]:
    """Every live publication whose 双向反馈 check was not recorded within the set time."""
    settings = settings_of(session)
    checked = {p: t for p, t in session.execute(select(PostCheck.publication_id, PostCheck.checked_at))}
    rows = session.execute(live_publications().add_columns(DraftVersion, Account)
                           .join(DraftVersion, DraftVersion.id == Publication.version_id)
                           .join(Draft, Draft.id == Publication.draft_id)
                           .join(Account, Account.id == Draft.account_id)
                           .order_by(Publication.id))
    for publication, version, account in rows:
        due = check_deadline(settings, publication)
        done = checked.get(publication.id)
        if due < at and (done is None or done > due):
            yield Candidate("check_missing", f"publication:{publication.id}", account.unit_id,
                            f"“{version.title}”{_local(publication.published_at)} 发布后，"
                            f"未在 {settings.post_check_hours} 小时内（{_local(due)} 前）做双向反馈核查",
                            account.id, publication.draft_id, {"publication_id": publication.id, "due_at": due.isoformat()})


#: Every source, in the order the daily list shows them (the codes of vocabulary [alert_sources]).
SOURCES: dict[str, Callable[[Session, datetime], Iterator[Candidate]]] = {
    "block_published": block_published,
    "update_overdue": update_overdue,
    "message_overdue": message_overdue,
    "inspection_failed": inspection_failed,
    "check_missing": check_missing,
}
