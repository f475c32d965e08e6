"""Inspection jobs: submitted by the supervising office, run by the background runner, kept in the database.

A job is queued with its files and an audit entry, run to done with the counts of its report, and
every step of its life is in the audit log; an office's earlier inspections count towards its
escalations; a run whose job was given to another run cannot overwrite it; and a job whose
heartbeat stopped is queued again or, after the last attempt, failed with the reason.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import openpyxl
import pytest
from inspection_helpers import FIRST, LAST, STALE, finished, quarter_rows, submitted, supervisor_of, user
from sqlalchemy import select

from reviewer.audit import chain as audit
from reviewer.audit.keys import session_keys
from reviewer.bootstrap import bootstrap
from reviewer.errors import WorkflowError
from reviewer.storage import InspectionJob, utcnow
from reviewer.supervision import jobs
from reviewer.supervision.runner import INTERRUPTED, JobRunner, claim, recover, run_job


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def events_of(session, job_id: int) -> list[str]:
    """The audit events of one job, oldest first."""
    rows = session.execute(select(audit.AuditEntry.event, audit.AuditEntry.details)
                           .where(audit.AuditEntry.event.like("inspection.%")).order_by(audit.AuditEntry.seq))
    return [event for event, details in rows if json.loads(details)["job"] == job_id]


def test_a_submitted_inspection_is_queued_with_its_files_and_an_audit_entry(session, settings):
    job_id = submitted(session)
    job = session.get(InspectionJob, job_id)
    assert (job.status, job.attempts, job.file_names) == ("queued", 0, ["账号历史.csv"])
    assert (job.window_first, job.window_last) == (FIRST, LAST)
    stored = jobs.data_root(settings) / job.input_paths[0]
    assert stored.name == "账号历史.csv" and stored.stat().st_size == job.input_bytes > 0
    assert events_of(session, job_id) == ["inspection.submit"]
    entry = session.scalar(select(audit.AuditEntry).where(audit.AuditEntry.event == "inspection.submit"))
    assert (entry.actor_name, entry.unit_id) == ("supervisor1", job.unit_id)
    assert entry.details_dict["window"] == "2026-11-02..2026-11-29"


def test_the_runner_runs_a_job_to_done_with_the_counts_and_files_of_its_report(services, session, settings):
    job_id = finished(services, session)
    job = session.get(InspectionJob, job_id)
    rows = quarter_rows()
    assert (job.status, job.attempts, job.error) == ("done", 1, None)
    assert (job.accounts, job.failing, job.records, job.bad_rows) == (2, 1, len(rows) - 1, 1)
    assert job.rows_done == len(rows) and job.rows_total == len(rows)
    assert jobs.pass_rate(job) == 50.0
    assert job.alerts == {"示例市交通运输局": 1} and job.escalations == []
    assert job.failing_accounts == [{"name": "沉默账号", "platform": "微信", "unit": "示例市交通运输局",
                                     "problems": [STALE]}]
    root = jobs.data_root(settings)
    sheet = openpyxl.load_workbook(root / job.report_path)["检查不合格名单"]
    listed = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[3], r[4], r[5], r[6]) for r in listed] == [("沉默账号", "示例市交通运输局", "不合格", STALE)]
    assert "政务新媒体检查情况" in (root / job.html_path).read_text("utf-8")
    assert "正文为空" in (root / job.errors_path).read_text("utf-8-sig")
    assert events_of(session, job_id) == ["inspection.submit", "inspection.start", "inspection.finish"]
    assert audit.verify(session, session_keys(session)).ok


def test_unreadable_rows_are_counted_but_an_unreadable_workbook_fails_the_job(services, session):
    job_id = finished(services, session, rows=[{"id": "1", "account": "示例文旅", "published_at": "昨天",
                                                "text": "市图书馆开放。"}])
    job = session.get(InspectionJob, job_id)
    assert (job.status, job.accounts, job.bad_rows) == ("done", 0, 1)  # a bad row is not a failure of the run
    broken = submitted(session, name="坏表.xlsx", data=b"PK\x03\x04 the head of a zip file, and nothing else")
    JobRunner(services).run_pending()
    session.expire_all()
    job = session.get(InspectionJob, broken)
    assert (job.status, job.error) == ("failed", "无法读取上传的文件：其中的 .xlsx 文件不是有效的 Excel 工作簿。")
    assert events_of(session, broken)[-1] == "inspection.fail"


def test_earlier_inspections_of_the_same_office_within_the_period_count_towards_escalation(services, session):
    supervisor_of(session, "邻县人民政府办公室", "supervisor_other")
    august = (date(2026, 8, 3), date(2026, 8, 30))  # ended 91 days before 11-29: outside the 90-day period
    september = (date(2026, 9, 7), date(2026, 10, 4))
    finished(services, session, first=august[0], last=august[1], rows=quarter_rows(*august))
    finished(services, session, first=september[0], last=september[1], rows=quarter_rows(*september))
    finished(services, session, username="supervisor_other", rows=quarter_rows())  # another office's
    job = session.get(InspectionJob, finished(services, session))
    assert job.alerts == {"示例市交通运输局": 1}
    assert job.escalations == [{"unit": "示例市交通运输局", "alerts": 2, "earlier": 1, "talk": "约谈联络员",
                                "by": "政务公开事务中心"}]


def test_the_office_sees_only_its_own_inspections(services, session):
    supervisor_of(session, "邻县人民政府办公室", "supervisor_other")
    ours = submitted(session)
    theirs = submitted(session, username="supervisor_other")
    assert [j.id for j in jobs.visible_jobs(session, user(session, "supervisor1"))] == [ours]
    with pytest.raises(WorkflowError) as refused:
        jobs.get_job(session, user(session, "supervisor1"), theirs)
    assert refused.value.code == "not_found"
    with pytest.raises(WorkflowError) as refused:
        jobs.visible_jobs(session, user(session, "auditor1"))
    assert refused.value.code == "forbidden_role" and "监管员" in refused.value.message


def _claimed(session) -> tuple[int, int]:
    claimed = claim(session)
    session.commit()
    return claimed


def _stop_heartbeat(session, job_id: int, seconds_ago: int) -> None:
    session.get(InspectionJob, job_id).heartbeat_at = utcnow() - timedelta(seconds=seconds_ago)
    session.commit()


def test_a_running_job_whose_heartbeat_stopped_is_queued_again(session, settings):
    job_id = submitted(session)
    _claimed(session)
    _stop_heartbeat(session, job_id, seconds_ago=settings.inspection_stale_seconds - 5)
    assert recover(session, settings) == []  # still beating recently: another process may be running it
    _stop_heartbeat(session, job_id, seconds_ago=settings.inspection_stale_seconds + 5)
    assert recover(session, settings) == [(job_id, "queued")]
    session.commit()
    job = session.get(InspectionJob, job_id)
    assert (job.status, job.attempts, job.heartbeat_at) == ("queued", 1, None)
    assert events_of(session, job_id) == ["inspection.submit", "inspection.start", "inspection.resume"]


def test_a_job_interrupted_on_its_last_attempt_is_failed_with_the_reason(session, settings):
    limited = replace(settings, inspection_max_attempts=2)
    job_id = submitted(session)
    for expected in ("queued", "failed"):
        _claimed(session)
        _stop_heartbeat(session, job_id, seconds_ago=limited.inspection_stale_seconds + 1)
        assert recover(session, limited) == [(job_id, expected)]
        session.commit()
    job = session.get(InspectionJob, job_id)
    assert (job.status, job.attempts, job.error) == ("failed", 2, INTERRUPTED)
    assert INTERRUPTED == "服务重启时任务中断，已达最大重试次数"
    assert events_of(session, job_id)[-1] == "inspection.fail"
    assert claim(session) is None  # a failed job is never picked up again


def test_a_run_that_lost_its_job_to_recovery_does_not_overwrite_the_run_that_took_it(services, session, settings):
    job_id = submitted(session)
    _, first = _claimed(session)
    _stop_heartbeat(session, job_id, seconds_ago=settings.inspection_stale_seconds + 1)
    recover(session, settings)
    session.commit()
    _, second = _claimed(session)
    assert run_job(services, job_id, first) == "lost"
    session.expire_all()
    job = session.get(InspectionJob, job_id)
    assert (job.status, job.attempts, job.report_path) == ("running", second, None)
    assert run_job(services, job_id, second) == "done"


def test_the_runner_thread_picks_up_a_job_when_woken(settings, engine, session):
    import time

    services = bootstrap(settings, database=engine)
    runner = JobRunner(services, poll_seconds=30)
    runner.start()
    try:
        job_id = submitted(session)
        runner.wake()
        deadline = time.monotonic() + 60
        while session.get(InspectionJob, job_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
            session.expire_all()
    finally:
        runner.stop(timeout=30)
    assert session.get(InspectionJob, job_id).status == "done"
