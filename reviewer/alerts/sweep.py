"""The daily sweep that raises alerts, and clearing one: both audited in the caller's transaction.

The sweep for a day looks at the state at the end of that day (Beijing time; now, for today) and
inserts the candidates not raised before; an item already raised, whatever its state, is left
alone, so running it twice, or again the next day, adds nothing. One audit entry says what a
sweep raised. Clearing needs a note (整改完成: what was rectified) or a reason (不予认定: why it
is no violation) and is refused for an alert already cleared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewer.alerts.sources import SOURCES
from reviewer.audit import chain as audit
from reviewer.calendar import BEIJING
from reviewer.errors import fail
from reviewer.storage import MAX_ID, Alert, User, utcnow
from reviewer.vocabulary import ALERT_STATE_NAMES
from reviewer.workflow.access import require, visible_unit_ids
from reviewer.workflow.retraction import note_text

#: Who the audit log names for a sweep run by the service or the command line without a user.
SWEEP_ACTOR = "警报巡查"
#: How an alert may be cleared: state -> what the note is called.
CLEARING: dict[str, str] = {"rectified": "整改情况", "dismissed": "不予认定的理由"}


@dataclass(frozen=True)
class SweepResult:
    day: date
    raised: list[Alert]
    seen: int

    def by_source(self) -> dict[str, int]:
        return dict(Counter(a.source for a in self.raised))


def today() -> date:
    """Today in Beijing."""
    return utcnow().astimezone(BEIJING).date()


def moment_of(day: date) -> datetime:
    """The moment a day's sweep looks at: the end of the day in Beijing, or now for today."""
    end = datetime.combine(day + timedelta(days=1), time(), BEIJING) - timedelta(microseconds=1)
    return min(end, utcnow())


def parse_day(value: Any) -> date:
    """A day typed by a person (YYYY-MM-DD); blank is today."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return today()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise fail("invalid_input", f"日期“{value}”无效，应为 YYYY-MM-DD，例如 2026-12-01。") from None


def sweep(session: Session, day: date | None = None, *, actor: User | None = None,
          actor_name: str | None = None) -> SweepResult:
    """Raise the alerts of ``day`` (default today) that were not raised before.

    ``actor`` is the supervisor who asked in the browser; the service and the command line pass
    only the name the audit log shows (``actor_name``).
    """
    if actor is not None:
        require(session, actor, "alerts.handle")
    day = day or today()
    if day > today():
        raise fail("invalid_input", "不能为未来的日期生成警报。")
    at = moment_of(day)
    known = {(s, k) for s, k in session.execute(select(Alert.source, Alert.subject))}
    raised: list[Alert] = []
    seen = 0
    for source, find in SOURCES.items():
        for candidate in find(session, at):
            seen += 1
            if (source, candidate.subject) in known:
                continue
            known.add((source, candidate.subject))
            raised.append(Alert(source=source, subject=candidate.subject, day=day, unit_id=candidate.unit_id,
                                account_id=candidate.account_id, draft_id=candidate.draft_id, summary=candidate.summary,
                                details=candidate.details, raised_at=utcnow(), state="open"))
    session.add_all(raised)
    try:
        session.flush()
    except IntegrityError as exc:
        raise fail("conflict", "另一次警报巡查正在进行，请稍后重试。", race=True) from exc
    result = SweepResult(day, raised, seen)
    audit.record(session, "alerts.sweep", actor_id=actor.id if actor else None,
                 actor_name=actor.username if actor else (actor_name or SWEEP_ACTOR),
                 details={"day": day.isoformat(), "raised": len(raised), "by_source": result.by_source(),
                          "alert_ids": [a.id for a in raised][:200]})
    return result


def get_alert(session: Session, actor: User, alert_id: Any) -> Alert:
    """An alert of the actor's units, else 404."""
    require(session, actor, "alerts.handle")
    ok = isinstance(alert_id, int) and not isinstance(alert_id, bool) and 0 < alert_id <= MAX_ID
    alert = session.get(Alert, alert_id) if ok else None
    if alert is None or alert.unit_id not in visible_unit_ids(session, actor):
        raise fail("not_found", "警报不存在，或不属于您所在的单位。")
    return alert


def clear(session: Session, actor: User, alert_id: Any, outcome: Any, note: Any, *, ip: str | None = None) -> Alert:
    """Clear an open alert as 整改完成 (with what was done) or 不予认定 (with why)."""
    alert = get_alert(session, actor, alert_id)
    if outcome not in CLEARING:
        raise fail("invalid_input", "处理结果无效，应为“整改完成”或“不予认定”。")
    text = note_text(CLEARING[outcome], note)
    if alert.state != "open":
        raise fail("alert_cleared", f"这条警报已于之前处理为“{ALERT_STATE_NAMES[alert.state]}”。")
    done = session.execute(update(Alert).where(Alert.id == alert.id, Alert.state == "open")
                           .values(state=outcome, note=text, cleared_by=actor.id, cleared_at=utcnow()))
    if done.rowcount != 1:  # another person cleared it a moment ago
        raise fail("alert_cleared", "这条警报刚被他人处理，请刷新后查看。")
    session.refresh(alert)
    audit.record(session, "alert.rectify" if outcome == "rectified" else "alert.dismiss",
                 actor_id=actor.id, actor_name=actor.username, unit_id=alert.unit_id, account_id=alert.account_id,
                 draft_id=alert.draft_id, ip=ip,
                 details={"alert_id": alert.id, "source": alert.source, "day": alert.day.isoformat(), "note": text})
    return alert
