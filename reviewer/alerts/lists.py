"""The daily list per unit (what must be cleared to zero) and the 2-4-6 escalation it feeds.

A day's list holds every alert still open that was raised on or before the day, and the alerts
raised or cleared that day, so the office sees both what is left and what was done. Escalation
counts a unit's alerts raised within the counting period (``[escalation]`` of
``lexicons/inspection.toml``) whether open or cleared: clearing an alert fixes it, it does not
undo the violation. The levels are ``reviewer.inspection.escalation``'s.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from reviewer.calendar import BEIJING
from reviewer.inspection.escalation import Escalation, escalations, policy
from reviewer.storage import Account, Alert, Unit, User
from reviewer.vocabulary import ALERT_SOURCE_NAMES, ALERT_STATE_NAMES
from reviewer.workflow.access import require, visible_unit_ids

#: The states an alert counts in for escalation (data: a deployment may leave 不予认定 out).
COUNTED_STATES: frozenset[str] = frozenset({"open", "rectified", "dismissed"})


@dataclass
class UnitList:
    """One unit's alerts of a day, and where the unit stands for escalation."""

    unit_id: int
    unit: str
    alerts: list[dict[str, Any]] = field(default_factory=list)
    counted: int = 0
    escalation: Escalation | None = None

    @property
    def open(self) -> int:
        return sum(1 for a in self.alerts if a["state"] == "open")


def _local(moment: Any) -> str | None:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else None


def alert_dict(alert: Alert, accounts: dict[int, Account], users: dict[int, User]) -> dict[str, Any]:
    """An alert as pages, exports and the command line show it (names, not codes)."""
    account = accounts.get(alert.account_id) if alert.account_id else None
    cleared_by = users.get(alert.cleared_by) if alert.cleared_by else None
    return {"id": alert.id, "source": alert.source, "source_name": ALERT_SOURCE_NAMES[alert.source],
            "day": alert.day.isoformat(), "summary": alert.summary, "state": alert.state,
            "state_name": ALERT_STATE_NAMES[alert.state], "draft_id": alert.draft_id,
            "account": f"{account.name}（{account.platform}）" if account else "",
            "raised_at": _local(alert.raised_at), "cleared_at": _local(alert.cleared_at),
            "cleared_by": cleared_by.display_name if cleared_by else "", "note": alert.note or ""}


def _names(session: Session, alerts: list[Alert]) -> tuple[dict[int, Account], dict[int, User]]:
    account_ids = {a.account_id for a in alerts if a.account_id}
    user_ids = {a.cleared_by for a in alerts if a.cleared_by}
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids or {-1})))}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids or {-1})))}
    return accounts, users


def counts(session: Session, unit_ids: set[int], day: date) -> Counter:
    """Alerts per unit id raised in the counting period that ends with ``day``."""
    period_days, _ = policy()
    since = day - timedelta(days=period_days - 1)
    rows = session.execute(select(Alert.unit_id, func.count()).where(
        Alert.unit_id.in_(sorted(unit_ids) or [-1]), Alert.day >= since, Alert.day <= day,
        Alert.state.in_(sorted(COUNTED_STATES))).group_by(Alert.unit_id))
    return Counter({unit_id: n for unit_id, n in rows})


def _units(session: Session, actor: User | None) -> set[int]:
    """The actor's units and those below; every unit for the command line (``actor`` None)."""
    if actor is None:
        return set(session.scalars(select(Unit.id)))
    require(session, actor, "alerts.handle")
    return visible_unit_ids(session, actor)


def daily(session: Session, actor: User | None, day: date, unit_id: int | None = None) -> list[UnitList]:
    """The day's list of each of the actor's units that has alerts (or only ``unit_id``), by unit."""
    units = _units(session, actor)
    if unit_id is not None:
        units &= {unit_id}
    day_start = datetime.combine(day, time(), BEIJING)
    alerts = list(session.scalars(select(Alert).where(
        Alert.unit_id.in_(sorted(units) or [-1]), Alert.day <= day,
        or_(Alert.state == "open", Alert.day == day, Alert.cleared_at >= day_start))
        .order_by(Alert.unit_id, Alert.state != "open", Alert.day, Alert.id)))
    alerts = [a for a in alerts if a.state == "open" or a.day == day
              or (a.cleared_at is not None and a.cleared_at.astimezone(BEIJING).date() == day)]
    accounts, users = _names(session, alerts)
    names = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.id.in_(units or {-1})))}
    counted = counts(session, units, day)
    by_name = {names[u]: n for u, n in counted.items()}
    levels = {e.unit: e for e in escalations(by_name)}
    out: dict[int, UnitList] = {}
    for alert in alerts:
        entry = out.setdefault(alert.unit_id, UnitList(alert.unit_id, names.get(alert.unit_id, "")))
        entry.alerts.append(alert_dict(alert, accounts, users))
    for unit, n in counted.items():
        entry = out.setdefault(unit, UnitList(unit, names.get(unit, "")))
        entry.counted = n
        entry.escalation = levels.get(names.get(unit, ""))
    return sorted(out.values(), key=lambda e: (-e.open, e.unit))


def unit_alerts(session: Session, actor: User | None, unit_id: int, first: date, last: date) -> list[dict[str, Any]]:
    """Every alert of one unit raised from ``first`` to ``last``: the rectification report's rows."""
    if unit_id not in _units(session, actor):
        return []
    alerts = list(session.scalars(select(Alert).where(Alert.unit_id == unit_id, Alert.day >= first, Alert.day <= last)
                                  .order_by(Alert.day, Alert.id)))
    accounts, users = _names(session, alerts)
    return [alert_dict(a, accounts, users) for a in alerts]
