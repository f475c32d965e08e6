"""A job survives the death of its process: killed with SIGKILL mid-run, it is resumed at the next start.

The service (``reviewer serve``, as deployed) or a bare runner process works on a long history; the
test waits until the job has reported progress, kills the process without warning, and shows what
the row says then (still running: nothing could clean up) and what the next start makes of it:
the job queued again and run from the start to the same result, or, on its last attempt, failed
with the reason. The audit chain stays whole through the kill.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import TEST_AUDIT_KEY, TEST_SECRET_KEY
from inspection_helpers import quarter_rows, submitted
from sqlalchemy import select

from reviewer.audit import chain as audit
from reviewer.audit.keys import session_keys
from reviewer.storage import InspectionJob, utcnow
from reviewer.supervision.runner import INTERRUPTED, JobRunner, recover

pytestmark = pytest.mark.slow

#: Pairs of accounts (one passes, one is silent and fails) and one bad row per pair: 15 rows a pair.
PAIRS = 400
RUNNER = ("from reviewer.bootstrap import bootstrap; from reviewer.config import load_settings; "
          "from reviewer.supervision.runner import JobRunner; JobRunner(bootstrap(load_settings())).run_pending()")


def long_history() -> list[dict]:
    rows = []
    for n in range(PAIRS):
        rows += [dict(r, id=f"{r['id']}-{n}", account=f"{r['account']}{n}") for r in quarter_rows()]
    return rows


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def service_env(db_url: str, instance: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWER_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": db_url, "REVIEWER_SECRET_KEY": TEST_SECRET_KEY, "REVIEWER_AUDIT_KEY": TEST_AUDIT_KEY,
                "REVIEWER_INSTANCE": str(instance), "REVIEWER_INSPECTION_STALE_SECONDS": "1", **settings})
    return env


def serve(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return subprocess.Popen([sys.executable, "-c", "from reviewer.cli import main; main()", "serve", "--port", str(port)],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(session, job_id: int, done, process: subprocess.Popen | None = None, timeout: float = 180) -> InspectionJob:
    """Poll the job's row until ``done(job)``; fail early if ``process`` died on its own."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.get(InspectionJob, job_id)
        if done(job):
            return job
        if process is not None and process.poll() is not None:
            pytest.fail(f"进程提前退出（{process.returncode}）：{process.stderr.read()[-2000:]}")
        time.sleep(0.05)
    pytest.fail(f"等待超时：任务状态 {job.status}，已读取 {job.rows_done} 行")


def kill_mid_run(session, job_id: int, process: subprocess.Popen) -> InspectionJob:
    """SIGKILL ``process`` once the job has reported progress; the row as the dead process left it."""
    wait_for(session, job_id, lambda j: j.status == "running" and j.rows_done > 0, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()
    session.expire_all()
    return session.get(InspectionJob, job_id)


def events_of(session, job_id: int) -> list[str]:
    rows = session.execute(select(audit.AuditEntry.event, audit.AuditEntry.details)
                           .where(audit.AuditEntry.event.like("inspection.%")).order_by(audit.AuditEntry.seq))
    return [event for event, details in rows if json.loads(details)["job"] == job_id]


def test_a_job_running_when_the_service_is_killed_is_resumed_at_the_next_start(session, db_url, settings, tmp_path):
    rows = long_history()
    job_id = submitted(session, name="全市账号.csv", rows=rows)
    env = service_env(db_url, settings.instance_path)

    left = kill_mid_run(session, job_id, serve(env, tmp_path))
    assert (left.status, left.attempts, left.finished_at, left.report_path) == ("running", 1, None, None)
    # killed unfinished; on a fast machine the first heartbeat may already count every row read
    assert 0 < left.rows_done <= len(rows) and left.rows_total == len(rows)

    second = serve(env, tmp_path)
    try:
        job = wait_for(session, job_id, lambda j: j.status in ("done", "failed"), second)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)
    assert (job.status, job.attempts, job.error) == ("done", 2, None)
    assert (job.accounts, job.failing, job.records, job.bad_rows) == (2 * PAIRS, PAIRS, 14 * PAIRS, PAIRS)
    assert job.alerts == {"示例市交通运输局": PAIRS}
    assert job.escalations[0]["unit"] == "示例市交通运输局" and job.escalations[0]["talk"] == "约谈主要负责人"
    assert (settings.instance_path / "data" / "inspections" / job.report_path).is_file()
    assert events_of(session, job_id) == ["inspection.submit", "inspection.start", "inspection.resume",
                                          "inspection.start", "inspection.finish"]
    assert audit.verify(session, session_keys(session)).ok


def test_a_job_killed_on_its_last_attempt_is_failed_with_the_reason(session, db_url, settings, tmp_path, services):
    job_id = submitted(session, name="全市账号.csv", rows=long_history())
    env = service_env(db_url, settings.instance_path, REVIEWER_INSPECTION_MAX_ATTEMPTS="1")
    runner = subprocess.Popen([sys.executable, "-c", RUNNER], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    left = kill_mid_run(session, job_id, runner)
    assert (left.status, left.attempts) == ("running", 1)

    limited = replace(settings, inspection_max_attempts=1, inspection_stale_seconds=1)
    assert recover(session, limited, now=utcnow() + timedelta(seconds=2)) == [(job_id, "failed")]
    session.commit()
    job = session.get(InspectionJob, job_id)
    assert (job.status, job.error, job.report_path) == ("failed", INTERRUPTED, None)
    assert job.finished_at is not None
    assert JobRunner(services).run_pending() == []  # never picked up again
    assert events_of(session, job_id) == ["inspection.submit", "inspection.start", "inspection.fail"]
    assert audit.verify(session, session_keys(session)).ok
