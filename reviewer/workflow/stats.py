"""Statistics of the review work of the actor's units: what was submitted, approved, returned and
published in a date range, how long review took, and the findings by gate and category over time.

Computed from the rows that already exist: submissions and returns from the audit log (the only
record of when they happened), approvals from the sign-offs, publications from their table,
findings from the versions that were submitted. Nothing is stored; every number can be recounted.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit.chain import AuditEntry
from reviewer.errors import fail
from reviewer.storage import Account, Draft, DraftVersion, FindingRow, Publication, SignOff, User
from reviewer.vocabulary import GATES
from reviewer.workflow.listing import LOCAL_TZ, ListFilter, list_accounts

#: Ranges up to this many days are counted per week, longer ones per month.
WEEKLY_UP_TO_DAYS = 92
#: The longest range one page counts (three years of months still fit a chart).
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Statistics:
    """The numbers of one statistics page; ``series`` values are counts per bucket, in ``buckets`` order."""

    since: date
    until: date
    bucket: str
    buckets: list[str]
    submitted: int
    approved: int
    returned: int
    published: int
    cycles: int
    median_hours: float | None
    p90_hours: float | None
    activity: dict[str, list[int]]
    by_gate: dict[str, list[int]]
    by_category: dict[str, list[int]]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def bucket_of(day: date, unit: str) -> date:
    """The first day of the week (Monday) or month that ``day`` falls in."""
    return day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)


def bucket_label(start: date, unit: str) -> str:
    """``10月6日起`` for a week, ``2026年10月`` for a month."""
    return f"{start.month}月{start.day}日起" if unit == "week" else f"{start.year}年{start.month}月"


def _bucket_starts(since: date, until: date, unit: str) -> list[date]:
    starts, day = [], bucket_of(since, unit)
    while day <= until:
        starts.append(day)
        day = day + timedelta(days=7) if unit == "week" else (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def percentile(values: list[float], share: int) -> float | None:
    """The ``share``-th percentile (linear between the nearest ranks); None without values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def review_statistics(session: Session, actor: User, flt: ListFilter, *, today: date | None = None) -> Statistics:
    """The statistics of the accounts of the actor's units (or the one account ``flt`` names) over its dates."""
    today = today or datetime.now(LOCAL_TZ).date()
    until = flt.until or today
    since = flt.since or until - timedelta(days=89)
    if (until - since).days > MAX_DAYS:
        raise fail("invalid_filter", "统计的日期范围不能超过三年，请缩短后重试。")
    if since > until:
        raise fail("invalid_filter", "起始日期不能晚于结束日期（未填结束日期时为今天）。")
    unit = "week" if (until - since).days < WEEKLY_UP_TO_DAYS else "month"
    starts = _bucket_starts(since, until, unit)
    index = {start: i for i, start in enumerate(starts)}
    start, end = ListFilter(since=since, until=until).bounds()
    accounts = {a.id: a for a in list_accounts(session, actor) if flt.account_id in (None, a.id)}

    def slot(moment: datetime) -> int:
        return index[bucket_of(_local_day(moment), unit)]

    def events(name: str) -> list[AuditEntry]:
        if not accounts:
            return []
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.event == name, AuditEntry.account_id.in_(accounts), AuditEntry.created_at >= start,
            AuditEntry.created_at < end).order_by(AuditEntry.seq)))

    submits = events("draft.submit")
    returns = {(e.draft_id, e.version): e.created_at for e in reversed(events("draft.return"))}
    approvals = _approvals(session, accounts, end)
    approved = {key: moment for key, moment in approvals.items() if start <= moment < end}
    published = [] if not accounts else list(session.scalars(
        select(Publication.published_at).join(Draft, Draft.id == Publication.draft_id)
        .where(Draft.account_id.in_(accounts), Publication.published_at >= start, Publication.published_at < end)))

    submitted_at = _submission_times(session, accounts, end)
    hours = []
    for key, finished in [*returns.items(), *approved.items()]:
        began = max((t for t in submitted_at.get(key, []) if t <= finished), default=None)
        if began is not None:
            hours.append((finished - began).total_seconds() / 3600)
    hours.sort()

    activity = {name: [0] * len(starts) for name in ("submitted", "approved", "returned", "published")}
    for e in submits:
        activity["submitted"][slot(e.created_at)] += 1
    for moment in approved.values():
        activity["approved"][slot(moment)] += 1
    for moment in returns.values():
        activity["returned"][slot(moment)] += 1
    for moment in published:
        activity["published"][slot(moment)] += 1

    by_gate = {g: [0] * len(starts) for g in GATES}
    categories: dict[str, list[int]] = defaultdict(lambda: [0] * len(starts))
    first_submit: dict[tuple[int, int], datetime] = {}
    for e in submits:
        first_submit.setdefault((e.draft_id, e.version), e.created_at)
    for (draft_id, number), gate, category in _findings(session, list(first_submit)):
        i = slot(first_submit[(draft_id, number)])
        if gate in by_gate:
            by_gate[gate][i] += 1
        categories[category][i] += 1
    totals = Counter({c: sum(v) for c, v in categories.items()})
    return Statistics(
        since=since, until=until, bucket=unit, buckets=[bucket_label(s, unit) for s in starts],
        submitted=len(submits), approved=len(approved), returned=len(returns), published=len(published),
        cycles=len(hours), median_hours=statistics.median(hours) if hours else None, p90_hours=percentile(hours, 90),
        activity=activity, by_gate=by_gate, by_category={c: categories[c] for c, _ in totals.most_common()},
    )


def _submission_times(session: Session, accounts: dict[int, Account], end: datetime) -> dict[tuple[int, int], list[datetime]]:
    if not accounts:
        return {}
    found: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for draft_id, version, moment in session.execute(select(AuditEntry.draft_id, AuditEntry.version, AuditEntry.created_at)
                                                     .where(AuditEntry.event == "draft.submit",
                                                            AuditEntry.account_id.in_(accounts), AuditEntry.created_at < end)):
        found[(draft_id, version)].append(moment)
    return found


def _approvals(session: Session, accounts: dict[int, Account], end: datetime) -> dict[tuple[int, int], datetime]:
    """(draft, version) -> when its last missing gate was approved, for versions every level approved."""
    if not accounts:
        return {}
    rows = session.execute(
        select(Draft.id, Draft.account_id, DraftVersion.number, SignOff.level, SignOff.gate, SignOff.created_at)
        .join(DraftVersion, DraftVersion.id == SignOff.version_id).join(Draft, Draft.id == DraftVersion.draft_id)
        .where(Draft.account_id.in_(accounts), SignOff.decision == "approve", SignOff.lapsed_at.is_(None),
               SignOff.created_at < end))
    slots: dict[tuple[int, int], set[tuple[int, str]]] = defaultdict(set)
    last: dict[tuple[int, int], datetime] = {}
    levels: dict[tuple[int, int], int] = {}
    for draft_id, account_id, number, level, gate, moment in rows:
        key = (draft_id, number)
        slots[key].add((level, gate))
        last[key] = max(last.get(key, moment), moment)
        levels[key] = accounts[account_id].review_levels
    return {key: last[key] for key, done in slots.items() if len(done) >= levels[key] * len(GATES)}


def _findings(session: Session, versions: list[tuple[int, int]]) -> list[tuple[tuple[int, int], str, str]]:
    """The findings of the given (draft, version) pairs: (key, gate, category)."""
    if not versions:
        return []
    drafts = {d for d, _ in versions}
    wanted = set(versions)
    rows = session.execute(select(DraftVersion.draft_id, DraftVersion.number, FindingRow.gate, FindingRow.category)
                           .join(FindingRow, FindingRow.version_id == DraftVersion.id)
                           .where(DraftVersion.draft_id.in_(drafts)))
    return [((d, n), gate, category) for d, n, gate, category in rows if (d, n) in wanted]
