"""The service's own daily sweep: once at start-up and then every day at ``alert_sweep_at`` (Beijing).

An office PC on an intranet often has no cron; the running service raises the day's alerts itself.
The sweep is idempotent, so several service processes may each run it: the second finds nothing
new, and one that loses a race with another (the unique alert rows) just leaves it to the winner.
``alert_sweep_at`` is "HH:MM"; empty switches the service's own sweep off (cron runs
``reviewer alerts sweep`` instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from reviewer.alerts.sweep import SweepResult, sweep
from reviewer.calendar import BEIJING
from reviewer.errors import ReviewerError, fail

_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
#: Who the audit log names for the service's own sweep.
SERVICE_SWEEP_ACTOR = "警报巡查（服务定时）"


def sweep_time(value: str | None) -> time | None:
    """The configured time of day, or None when the service does not sweep by itself."""
    text = (value or "").strip()
    if not text:
        return None
    found = _CLOCK.fullmatch(text)
    if found is None:
        raise fail("invalid_config", f"配置项 alert_sweep_at 应为“时:分”（如 07:30），而不是“{text}”。")
    return time(int(found.group(1)), int(found.group(2)))


def next_sweep(now: datetime, at: time) -> datetime:
    """The first moment after ``now`` that is ``at`` o'clock in Beijing."""
    local = now.astimezone(BEIJING)
    candidate = datetime.combine(local.date(), at, BEIJING)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, BEIJING)
    return candidate


def sweep_now(session_factory: Callable[[], Session]) -> SweepResult | None:
    """Today's sweep in its own transaction; None when another process's sweep won the race."""
    with session_factory() as session:
        try:
            result = sweep(session, actor_name=SERVICE_SWEEP_ACTOR)
        except ReviewerError as exc:
            if exc.code == "conflict":
                return None
            raise
        session.commit()
        return result
