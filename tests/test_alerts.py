"""Violation alerts: each source raises one alert per item, the sweep is idempotent, clearing needs a
note and is audited in the same transaction, alerts count for the 2-4-6 escalation, and the
rectification report lists them."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from alert_helpers import BLOCK_BODY, age, person, publish_draft
from inspection_helpers import finished
from sqlalchemy import select

from reviewer.aftercare.actions import record_check, withdraw_post
from reviewer.alerts import lists, report
from reviewer.alerts.sweep import clear, sweep, today
from reviewer.audit.chain import AuditEntry
from reviewer.errors import WorkflowError
from reviewer.messages.inbox import Incoming, receive
from reviewer.storage import Account, Alert, Unit, utcnow

ALL_CHECKED = {"display": {"ok": True, "note": ""}, "images": {"ok": True, "note": ""}, "links": {"ok": True, "note": ""}}


def _alerts(db, source: str) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).where(Alert.source == source).order_by(Alert.id)))


def _swept_twice(db, source: str) -> list[Alert]:
    first = sweep(db)
    db.commit()
    second = sweep(db)
    db.commit()
    assert [a.source for a in second.raised] == []
    assert any(a.source == source for a in first.raised)
    return _alerts(db, source)


def test_a_block_finding_published_with_an_override_is_one_alert_however_often_the_sweep_runs(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    alerts = _swept_twice(db, "block_published")
    assert len(alerts) == 1
    assert alerts[0].draft_id == draft_id and "台湾总统" in alerts[0].summary and alerts[0].state == "open"


def test_an_account_silent_for_more_than_fourteen_days_is_one_alert(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    age(db, draft_id, days=15)
    alerts = _swept_twice(db, "update_overdue")
    assert [a.account_id for a in alerts] == [db.scalar(select(Account.id).where(Account.name == "示例文旅"))]
    assert "15 天未更新" in alerts[0].summary


def test_a_normal_account_silent_for_nine_days_raises_nothing(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    age(db, draft_id, days=9)
    sweep(db)
    assert _alerts(db, "update_overdue") == []


def test_a_high_attention_account_must_update_every_week(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    age(db, draft_id, days=9)
    db.scalar(select(Account).where(Account.name == "示例文旅")).high_attention = True
    db.commit()
    sweep(db)
    alerts = _alerts(db, "update_overdue")
    assert len(alerts) == 1 and "高关注度账号每 7 天至少更新一条" in alerts[0].summary


def test_a_withdrawn_post_is_not_the_last_update_the_deadline_counts_from(db, editor, r1, r2, publisher):
    older = publish_draft(editor, r1, r2, publisher)
    newer = publish_draft(editor, r1, r2, publisher)
    age(db, older, days=20)
    age(db, newer, days=3)
    withdraw_post(db, person(db, "publisher1"), newer, "图片使用未获授权，撤下处理")
    db.commit()
    sweep(db)
    alerts = _alerts(db, "update_overdue")
    assert len(alerts) == 1 and "20 天未更新" in alerts[0].summary


def test_a_message_nobody_answered_in_time_is_one_alert(db):
    received = utcnow() - timedelta(days=10)
    receive(db, person(db, "editor1"), Incoming("示例文旅", received.isoformat(), "请问市图书馆春节期间开放吗？"))
    db.commit()
    alerts = _swept_twice(db, "message_overdue")
    assert len(alerts) == 1 and "超过答复期限" in alerts[0].summary


def test_an_account_failing_an_inspection_is_one_alert_for_its_unit(services, db):
    finished(services, db)
    alerts = _swept_twice(db, "inspection_failed")
    assert [a.summary.split("”")[0] for a in alerts] == ["账号“沉默账号"]
    assert alerts[0].unit_id == db.scalar(select(Unit.id).where(Unit.name == "示例市交通运输局"))
    assert "监测时间点前2周内未更新" in alerts[0].summary


def test_a_post_not_checked_within_the_set_time_is_one_alert(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    age(db, draft_id, hours=25)
    alerts = _swept_twice(db, "check_missing")
    assert [a.draft_id for a in alerts] == [draft_id] and "24 小时内" in alerts[0].summary


def test_a_post_checked_in_time_raises_no_check_alert(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    age(db, draft_id, hours=25)
    check = record_check(db, person(db, "publisher1"), draft_id, ALL_CHECKED)
    check.checked_at -= timedelta(hours=20)  # recorded five hours after publishing
    db.commit()
    sweep(db)
    assert _alerts(db, "check_missing") == []


def _one_alert(db, editor, r1, r2, publisher) -> Alert:
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    sweep(db)
    db.commit()
    return _alerts(db, "block_published")[0]


def test_clearing_an_alert_needs_a_note(db, editor, r1, r2, publisher):
    alert = _one_alert(db, editor, r1, r2, publisher)
    with pytest.raises(WorkflowError) as refused:
        clear(db, person(db, "supervisor1"), alert.id, "rectified", "  ")
    assert refused.value.code == "invalid_input" and "整改情况" in refused.value.message


def test_rectifying_an_alert_records_who_and_the_note_with_its_audit_entry_in_one_transaction(db, editor, r1, r2, publisher):
    alert = _one_alert(db, editor, r1, r2, publisher)
    clear(db, person(db, "supervisor1"), alert.id, "rectified", "已约谈编辑，原文已更正")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.event == "alert.rectify"))
    assert entry.details_dict["alert_id"] == alert.id and entry.details_dict["note"] == "已约谈编辑，原文已更正"
    db.rollback()
    assert db.scalar(select(AuditEntry).where(AuditEntry.event == "alert.rectify")) is None
    assert db.get(Alert, alert.id).state == "open"


def test_dismissing_an_alert_keeps_the_reason_and_a_second_clearing_is_refused(db, editor, r1, r2, publisher):
    alert = _one_alert(db, editor, r1, r2, publisher)
    clear(db, person(db, "supervisor1"), alert.id, "dismissed", "经核实为引用外电原文，不属违规")
    db.commit()
    assert (alert.state, alert.note, alert.cleared_by) == ("dismissed", "经核实为引用外电原文，不属违规",
                                                           person(db, "supervisor1").id)
    with pytest.raises(WorkflowError) as refused:
        clear(db, person(db, "supervisor1"), alert.id, "rectified", "再次处理")
    assert refused.value.code == "alert_cleared"


def test_an_editor_may_not_clear_alerts(db, editor, r1, r2, publisher):
    alert = _one_alert(db, editor, r1, r2, publisher)
    with pytest.raises(WorkflowError) as refused:
        clear(db, person(db, "editor1"), alert.id, "rectified", "已整改")
    assert refused.value.code == "forbidden_role"


def test_four_alerts_of_a_unit_call_in_its_deputy_head_and_cleared_ones_still_count(db, editor, r1, r2, publisher):
    for _ in range(4):
        publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    sweep(db)
    db.commit()
    first = _alerts(db, "block_published")[0]
    clear(db, person(db, "supervisor1"), first.id, "rectified", "已整改")
    db.commit()
    unit = next(u for u in lists.daily(db, person(db, "supervisor1"), today()) if u.unit == "示例市文化和旅游局")
    assert unit.counted == 4 and unit.open == 3
    assert unit.escalation.talk == "约谈分管负责人" and unit.escalation.by == "府办分管副主任"


def test_the_rectification_report_has_one_row_per_alert_with_the_note(db, editor, r1, r2, publisher):
    alert = _one_alert(db, editor, r1, r2, publisher)
    clear(db, person(db, "supervisor1"), alert.id, "rectified", "原文已更正并重新发布")
    db.commit()
    rows = lists.unit_alerts(db, person(db, "supervisor1"), alert.unit_id, today() - timedelta(days=7), today())
    target = io.BytesIO()
    report.write_xlsx(rows, "示例市文化和旅游局", today() - timedelta(days=7), today(), target)
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue())).active
    assert [c.value for c in sheet[3]][:3] == ["序号", "警报日期", "警报类型"]
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=4)][0]
    assert data[0] == 1 and data[2] == "禁止发布问题已发布" and data[5] == "整改完成" and data[8] == "原文已更正并重新发布"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$3:$3"
    page = report.html(rows, "示例市文化和旅游局", today() - timedelta(days=7), today())
    assert "原文已更正并重新发布" in page and "单位负责人（签字）" in page and "http" not in page
