"""The inspection runner: queued jobs run one at a time in a background thread of the service.

A job's row is its whole state, so nothing lives only in memory. ``claim`` moves the oldest queued
job to running with a conditional UPDATE (two runners never take the same job) and counts the
attempt. While ``inspect`` works, a heartbeat thread writes the rows read so far and the time
about every second. The report, the page and the bad rows are written to temporary files and
renamed into place; then the row says done, or failed with the reason. ``recover`` finds running
jobs whose heartbeat stopped (their process died) and queues them again, since an inspection is
deterministic and re-runs from the start, or fails them once they used
``inspection_max_attempts`` runs. Every change of a job's status is an audit entry written in the
same transaction, and every update after the claim names the attempt, so a run that lost its job
to recovery can never overwrite the run that took it over.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.bootstrap import Services
from reviewer.config import Settings
from reviewer.errors import ReviewerError
from reviewer.inspection.accounts import Window
from reviewer.inspection.escalation import policy
from reviewer.inspection.page import render
from reviewer.inspection.records import read
from reviewer.inspection.report import write_report
from reviewer.inspection.run import Inspection, inspect
from reviewer.storage import InspectionJob, utcnow
from reviewer.supervision.jobs import data_root

log = logging.getLogger("reviewer.inspections")

#: Who the audit trail names for what the runner does on its own.
RUNNER_ACTOR = "巡检任务"
INTERRUPTED = "服务重启时任务中断，已达最大重试次数"
RESUMED = "服务重启时任务中断，从头重新检查"
HEARTBEAT_SECONDS = 1.0
POLL_SECONDS = 2.0
REASON_CHARS = 500


class JobLost(Exception):
    """The job is no longer this run's (recovery gave it to another run): stop working on it."""


def _guarded(job_id: int, attempt: int) -> Any:
    """An UPDATE of this run's job: still running, still this attempt."""
    return update(InspectionJob).where(InspectionJob.id == job_id, InspectionJob.status == "running",
                                       InspectionJob.attempts == attempt)


def _record(session: Session, event: str, job: InspectionJob, **details: Any) -> None:
    audit.record(session, event, actor_name=RUNNER_ACTOR, unit_id=job.unit_id, details={"job": job.id, **details})


def claim(session: Session) -> tuple[int, int] | None:
    """Take the oldest queued job: (job id, attempt), recorded as ``inspection.start``; None when none waits."""
    for job_id in session.scalars(select(InspectionJob.id).where(InspectionJob.status == "queued")
                                  .order_by(InspectionJob.id).limit(5)).all():
        now = utcnow()
        taken = session.execute(
            update(InspectionJob).where(InspectionJob.id == job_id, InspectionJob.status == "queued")
            .values(status="running", attempts=InspectionJob.attempts + 1, started_at=now, heartbeat_at=now,
                    rows_done=0, rows_total=None, error=None)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            job = session.get(InspectionJob, job_id)
            session.refresh(job)
            _record(session, "inspection.start", job, attempt=job.attempts)
            return job_id, job.attempts
    return None


def recover(session: Session, settings: Settings, *, now: datetime | None = None) -> list[tuple[int, str]]:
    """Queue again, or fail after the last attempt, every running job whose heartbeat stopped.

    Returns (job id, new status). Used at start-up and whenever the runner is idle (the caller commits).
    """
    cutoff = (now or utcnow()) - timedelta(seconds=settings.inspection_stale_seconds)
    stale = or_(InspectionJob.heartbeat_at.is_(None), InspectionJob.heartbeat_at < cutoff)
    done: list[tuple[int, str]] = []
    for job in session.scalars(select(InspectionJob).where(InspectionJob.status == "running", stale)
                               .order_by(InspectionJob.id)).all():
        if job.attempts >= settings.inspection_max_attempts:
            values: dict[str, Any] = {"status": "failed", "error": INTERRUPTED, "finished_at": utcnow()}
            event, reason = "inspection.fail", INTERRUPTED
        else:
            values = {"status": "queued", "heartbeat_at": None, "rows_done": 0}
            event, reason = "inspection.resume", RESUMED
        changed = session.execute(_guarded(job.id, job.attempts).where(stale).values(**values)
                                  .execution_options(synchronize_session=False))
        if changed.rowcount == 1:
            _record(session, event, job, attempt=job.attempts, reason=reason)
            done.append((job.id, values["status"]))
    session.expire_all()
    return done


def earlier_alerts(session: Session, job: InspectionJob) -> Counter:
    """Alerts per 主办单位 of the office's finished inspections whose window ended in the counting period before this one's end."""
    period_days, _ = policy()
    since = job.window_last - timedelta(days=period_days)
    total: Counter = Counter()
    for alerts in session.scalars(select(InspectionJob.alerts).where(
            InspectionJob.unit_id == job.unit_id, InspectionJob.status == "done", InspectionJob.id != job.id,
            InspectionJob.window_last >= since, InspectionJob.window_last < job.window_last)):
        total.update({str(unit): int(n) for unit, n in (alerts or {}).items()})
    return total


class Heartbeat:
    """Writes the rows read so far and the time every ``seconds`` while a run works; notices a lost job."""

    def __init__(self, services: Services, job_id: int, attempt: int, seconds: float) -> None:
        self.services, self.job_id, self.attempt, self.seconds = services, job_id, attempt, seconds
        self.rows = 0
        self.total: int | None = None
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"inspection-{job_id}-heartbeat", daemon=True)

    def progress(self, rows: int) -> None:
        """``inspect``'s progress callback: remember the count; stop the run if the job was lost."""
        self.rows = rows
        if self.lost:
            raise JobLost(self.job_id)

    def write(self) -> None:
        """Write the count and the time now (a busy database is logged, not raised: the next beat retries)."""
        try:
            with self.services.session_factory() as session:
                changed = session.execute(_guarded(self.job_id, self.attempt).values(
                    heartbeat_at=utcnow(), rows_done=self.rows, rows_total=self.total))
                session.commit()
                self.lost = changed.rowcount == 0
        except Exception:  # noqa: BLE001 - a heartbeat must never stop the run
            log.warning("巡检任务 %s 的心跳未能写入", self.job_id, exc_info=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.seconds):
            self.write()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _atomic(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through ``write`` into a temporary file beside ``target``, then rename it into place."""
    handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_outputs(result: Inspection, root: Path, folder: str) -> dict[str, str | None]:
    """The report (XLSX), the page (HTML) and, when rows could not be read, their list (CSV); paths under ``root``."""
    out = Path(folder, "output")
    (root / out).mkdir(parents=True, exist_ok=True)
    _atomic(root / out / "report.xlsx", lambda fh: write_report(result, fh))
    page = render(result).encode("utf-8")
    _atomic(root / out / "page.html", lambda fh: fh.write(page))
    paths: dict[str, str | None] = {"report_path": (out / "report.xlsx").as_posix(),
                                    "html_path": (out / "page.html").as_posix(), "errors_path": None}
    if result.bad_rows:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["位置", "原因"])
        writer.writerows((b.where, b.reason) for b in result.bad_rows)
        _atomic(root / out / "errors.csv", lambda fh: fh.write(buffer.getvalue().encode("utf-8-sig")))
        paths["errors_path"] = (out / "errors.csv").as_posix()
    return paths


def _reason(exc: BaseException) -> str:
    """Why a run failed, in Chinese, for the person who submitted it."""
    if isinstance(exc, ReviewerError):
        text = exc.message
    elif isinstance(exc, zipfile.BadZipFile):
        text = "无法读取上传的文件：其中的 .xlsx 文件不是有效的 Excel 工作簿。"
    elif isinstance(exc, ValueError | UnicodeDecodeError | OSError):
        text = f"无法读取上传的文件：{exc}"
    else:
        text = f"检查时出错（{exc.__class__.__name__}）：{exc}"
    return text[:REASON_CHARS]


def _count_rows(paths: list[Path]) -> int | None:
    """How many rows the files hold, for the progress bar (None when they cannot be read now)."""
    try:
        return sum(1 for _ in read(paths))
    except Exception:  # noqa: BLE001 - the run itself reports an unreadable file
        return None


def _finish(services: Services, job_id: int, attempt: int, event: str, values: dict[str, Any], **details: Any) -> bool:
    """Write the run's outcome and its audit entry together; False when the job was no longer this run's."""
    with services.session_factory() as session:
        changed = session.execute(_guarded(job_id, attempt).values(finished_at=utcnow(), heartbeat_at=utcnow(), **values)
                                  .execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            session.rollback()
            return False
        _record(session, event, session.get(InspectionJob, job_id), attempt=attempt, **details)
        session.commit()
        return True


def run_job(services: Services, job_id: int, attempt: int, *, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> str:
    """Run one claimed job to its end: "done", "failed", or "lost" when recovery gave it to another run."""
    root = data_root(services.settings)
    with services.session_factory() as session:
        job = session.get(InspectionJob, job_id)
        paths = [root / p for p in job.input_paths]
        window = Window(job.window_first, job.window_last)
        folder = Path(job.input_paths[0]).parts[0]
        earlier = earlier_alerts(session, job)
    try:
        with Heartbeat(services, job_id, attempt, heartbeat_seconds) as beat:
            beat.total = _count_rows(paths)
            beat.write()  # the total at once, so the page shows a bar from the start
            result = inspect(paths, window, services.review_engine(), on_progress=beat.progress, workers=1,
                             earlier_alerts=earlier)
            files = write_outputs(result, root, folder)
    except JobLost:
        log.warning("巡检任务 %s（第 %s 次）已被恢复为另一次运行，本次结果不保存", job_id, attempt)
        return "lost"
    except Exception as exc:  # noqa: BLE001 - any failure of the run is the job's failure, with its reason
        log.exception("巡检任务 %s 失败", job_id)
        reason = _reason(exc)
        return "failed" if _finish(services, job_id, attempt, "inspection.fail", {"status": "failed", "error": reason},
                                   reason=reason) else "lost"
    failing = [v for v in result.verdicts if not v.passed]
    values = {
        "status": "done", "rows_done": result.records + len(result.bad_rows),
        "rows_total": result.records + len(result.bad_rows), "accounts": len(result.verdicts),
        "failing": len(failing), "records": result.records, "bad_rows": len(result.bad_rows),
        "alerts": {str(unit): int(n) for unit, n in result.alerts.items()},
        "escalations": [e.to_dict() for e in result.escalations],
        "failing_accounts": [{"name": v.account.name, "platform": v.account.platform, "unit": v.account.unit,
                              "problems": [wording for _, wording, _ in v.problems]} for v in failing],
        **files,
    }
    finished = _finish(services, job_id, attempt, "inspection.finish", values, accounts=values["accounts"],
                       failing=values["failing"], records=values["records"], bad_rows=values["bad_rows"],
                       escalations=len(values["escalations"]))
    return "done" if finished else "lost"


class JobRunner:
    """The service's inspection worker: recovers interrupted jobs, then runs queued ones one at a time."""

    def __init__(self, services: Services, *, poll_seconds: float = POLL_SECONDS,
                 heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self.services = services
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def recover(self) -> list[tuple[int, str]]:
        """``recover`` in a transaction of its own."""
        with self.services.session_factory() as session:
            done = recover(session, self.services.settings)
            session.commit()
        for job_id, status in done:
            log.warning("巡检任务 %s 在上次运行中中断，已%s", job_id, "重新排队" if status == "queued" else "标记为失败")
        return done

    def run_next(self) -> tuple[int, str] | None:
        """Claim and run one queued job: (job id, outcome), or None when none waits."""
        with self.services.session_factory() as session:
            claimed = claim(session)
            session.commit()
        if claimed is None:
            return None
        return claimed[0], run_job(self.services, *claimed, heartbeat_seconds=self.heartbeat_seconds)

    def run_pending(self) -> list[tuple[int, str]]:
        """Run queued jobs until none waits (the thread's work; tests call it directly)."""
        ran = []
        while not self._stop.is_set() and (outcome := self.run_next()) is not None:
            ran.append(outcome)
        return ran

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Recover what a dead process left running, then work in a daemon thread."""
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="reviewer-inspections", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to stop after the current job and wait up to ``timeout`` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.recover()
                self.run_pending()
            except Exception:  # noqa: BLE001 - the database may be away for a while; try again at the next poll
                log.exception("巡检任务运行出错，稍后重试")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
