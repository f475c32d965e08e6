"""The service's own daily sweep: at start-up and then every day at ``alert_sweep_at`` in Beijing,
idempotent, named in the audit log, and switched off by an empty setting."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from alert_helpers import BLOCK_BODY, publish_draft
from sqlalchemy import select

from reviewer.alerts.schedule import SERVICE_SWEEP_ACTOR, next_sweep, sweep_now, sweep_time
from reviewer.audit.chain import AuditEntry
from reviewer.calendar import BEIJING
from reviewer.config import load_settings
from reviewer.errors import ReviewerError
from reviewer.storage import Alert


def test_before_the_set_time_the_next_sweep_is_today_in_beijing():
    now = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 06:00 on 2 December in Beijing
    assert next_sweep(now, time(7, 30)) == datetime(2026, 12, 2, 7, 30, tzinfo=BEIJING)


def test_at_or_after_the_set_time_the_next_sweep_is_tomorrow():
    at = datetime(2026, 12, 2, 7, 30, tzinfo=BEIJING)
    assert next_sweep(at, time(7, 30)) == datetime(2026, 12, 3, 7, 30, tzinfo=BEIJING)
    assert next_sweep(datetime(2026, 12, 31, 23, 0, tzinfo=BEIJING), time(7, 30)) == datetime(2027, 1, 1, 7, 30, tzinfo=BEIJING)


def test_the_sweep_time_is_hours_and_minutes_or_empty_for_none():
    assert sweep_time("7:05") == time(7, 5)
    assert sweep_time(" ") is None
    assert load_settings().alert_sweep_at == "07:30"


@pytest.mark.parametrize("value", ["25:00", "7点半", "07:60"])
def test_a_sweep_time_that_is_no_time_of_day_is_refused_in_chinese(value):
    with pytest.raises(ReviewerError) as refused:
        sweep_time(value)
    assert refused.value.code == "invalid_config" and "时:分" in refused.value.message


def test_the_service_sweep_raises_an_alert_once_and_names_itself_in_the_audit_log(services, db, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, BLOCK_BODY)
    first = sweep_now(services.session_factory)
    again = sweep_now(services.session_factory)
    assert [a.source for a in first.raised] == ["block_published"] and again.raised == []
    assert db.scalar(select(AuditEntry.actor_name).where(AuditEntry.event == "alerts.sweep")) == SERVICE_SWEEP_ACTOR
    assert len(list(db.scalars(select(Alert)))) == 1
