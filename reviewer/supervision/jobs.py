"""Inspection jobs as the office submits and reads them: a checked upload, stored files, a queued row.

``submit`` checks everything a person can get wrong (real dates, at least one file, .csv, .jsonl
or .xlsx by name, the size limit, an Excel workbook that is one, text that is UTF-8) while it
writes the files under ``<data>/inspections/<folder>/input``, then queues the job with its audit
entry in the caller's transaction. A refusal removes whatever it wrote: no file, no row. The reads
give the pages the jobs of the reader's units (and the units below them), like every other view.
"""

from __future__ import annotations

import codecs
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.config import Settings
from reviewer.errors import fail
from reviewer.inspection.accounts import Window
from reviewer.storage import MAX_ID, InspectionJob, User, UserUnit, settings_of, utcnow
from reviewer.vocabulary import INSPECTION_STATUS_NAMES
from reviewer.workflow.access import require, visible_unit_ids

#: The exports ``reviewer.inspection.records`` reads, by file name.
ACCEPTED = (".csv", ".jsonl", ".xlsx")
CHUNK = 1024 * 1024
#: Characters of an uploaded file's name kept (the file system allows 255 bytes; CJK takes 3 each).
NAME_CHARS = 80
XLSX_MAGIC = b"PK\x03\x04"
LISTED = 100
NOT_FOUND = "巡检任务不存在，或不属于您的单位。"

#: kind -> (column of the path, file name shown, MIME type) of what a finished job offers.
OUTPUTS: dict[str, tuple[str, str, str]] = {
    "report": ("report_path", "检查不合格名单{window}.xlsx",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "page": ("html_path", "政务新媒体检查情况{window}.html", "text/html; charset=utf-8"),
    "errors": ("errors_path", "无法检查的记录{window}.csv", "text/csv; charset=utf-8"),
}


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the user's computer gave it, and its bytes to read."""

    name: str
    stream: BinaryIO


def data_root(settings: Settings) -> Path:
    """Where inspection jobs keep their files: ``<data>/inspections``."""
    return settings.data_path / "inspections"


def size_text(size: int) -> str:
    """A byte count as people read it: ``50 MB``, ``2.6 KB``, ``800 字节``."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} 字节"


def window_of(first: str | date | None, last: str | date | None) -> Window:
    """The monitoring window typed in the form; ``invalid_window`` says what is wrong with it."""
    days = []
    for value, what in ((first, "监测起始日期"), (last, "监测结束日期")):
        if isinstance(value, date):
            days.append(value)
            continue
        text = (value or "").strip()
        if not text:
            raise fail("invalid_window", f"请填写{what}。")
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise fail("invalid_window", f"{what}“{text[:20]}”不是有效日期，应为 YYYY-MM-DD。") from None
    if days[1] < days[0]:
        raise fail("invalid_window", "监测结束日期早于起始日期。")
    return Window(days[0], days[1])


def clean_name(raw: str, number: int) -> str:
    """The file's own name (no folders, no control characters), short enough to store."""
    name = "".join(ch for ch in (raw or "").replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable()).strip()
    suffix = Path(name).suffix
    if len(name) > NAME_CHARS:
        name = name[: NAME_CHARS - len(suffix)] + suffix
    return name if name.strip(". ") else f"文件{number}{suffix}"


def _check_names(uploads: Sequence[Upload], settings: Settings) -> list[str]:
    named = [u for u in uploads if (u.name or "").strip()]
    if not named:
        raise fail("no_files", "请至少选择一个账号历史文件（CSV、JSONL 或 XLSX）。")
    if len(named) > settings.inspection_max_files:
        raise fail("too_many_files", f"一次最多上传 {settings.inspection_max_files} 个文件，本次选择了 {len(named)} 个。")
    names = [clean_name(u.name, i) for i, u in enumerate(named, 1)]
    for name in names:
        if Path(name).suffix.lower() not in ACCEPTED:
            raise fail("unsupported_file_type", f"文件“{name}”的类型不受支持：只接受 .csv、.jsonl 或 .xlsx 文件。")
    return names


def _store(upload: Upload, name: str, target: Path, budget: int, limit: int) -> int:
    """Copy one upload into ``target`` (checking it as it goes); the bytes written."""
    suffix = Path(name).suffix.lower()
    decoder = codecs.getincrementaldecoder("utf-8-sig")() if suffix != ".xlsx" else None
    written = 0
    with target.open("wb") as out:
        while chunk := upload.stream.read(CHUNK):
            if written == 0 and decoder is None and not chunk.startswith(XLSX_MAGIC):
                raise fail("unreadable_file", f"文件“{name}”不是有效的 Excel 工作簿（.xlsx）。请在 Excel 中另存为 .xlsx 后重试。")
            written += len(chunk)
            if written > budget:
                raise fail("file_too_large", f"上传的文件共超过 {size_text(limit)}，超出了大小上限。请分批检查。")
            if decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    raise fail("unreadable_file", f"文件“{name}”不是 UTF-8 编码的文本。导出时请选择 UTF-8 编码。") from None
            out.write(chunk)
    if written == 0:
        raise fail("empty_file", f"文件“{name}”是空文件。")
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise fail("unreadable_file", f"文件“{name}”不是 UTF-8 编码的文本。导出时请选择 UTF-8 编码。") from None
    return written


def office_of(session: Session, user: User) -> int:
    """The unit an inspection of ``user`` belongs to: their first unit."""
    unit_id = session.scalar(select(UserUnit.unit_id).where(UserUnit.user_id == user.id).order_by(UserUnit.unit_id))
    if unit_id is None:
        raise fail("no_unit", "您不属于任何单位，不能提交巡检。")
    return unit_id


def submit(session: Session, user: User, uploads: Sequence[Upload], first: str | date | None,
           last: str | date | None, *, ip: str | None = None) -> InspectionJob:
    """Check and store the uploads, queue the job and record ``inspection.submit`` (the caller commits)."""
    require(session, user, "inspect")
    settings = settings_of(session)
    window = window_of(first, last)
    names = _check_names(uploads, settings)
    office = office_of(session, user)
    folder = f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    root = data_root(settings)
    paths: list[str] = []
    total = 0
    try:
        for number, (upload, name) in enumerate(zip((u for u in uploads if (u.name or "").strip()), names,
                                                    strict=True), 1):
            relative = Path(folder, "input", str(number), name)
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            limit = settings.inspection_upload_bytes
            total += _store(upload, name, root / relative, limit - total, limit)
            paths.append(relative.as_posix())
        job = InspectionJob(unit_id=office, created_by=user.id, window_first=window.first, window_last=window.last,
                            file_names=names, input_paths=paths, input_bytes=total, status="queued", attempts=0,
                            rows_done=0)
        session.add(job)
        session.flush()
        audit.record(session, "inspection.submit", actor_id=user.id, actor_name=user.username, unit_id=office, ip=ip,
                     details={"job": job.id, "files": names, "bytes": total,
                              "window": f"{window.first.isoformat()}..{window.last.isoformat()}"})
    except BaseException:
        shutil.rmtree(root / folder, ignore_errors=True)
        raise
    return job


def discard(settings: Settings, job: InspectionJob) -> None:
    """Remove a job's files (its submission could not be committed after all)."""
    shutil.rmtree(data_root(settings) / Path(job.input_paths[0]).parts[0], ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Reads


def visible_jobs(session: Session, user: User, limit: int = LISTED) -> list[InspectionJob]:
    """The newest jobs of the user's units and the units below them."""
    require(session, user, "inspect")
    units = sorted(visible_unit_ids(session, user))
    statement = select(InspectionJob).where(InspectionJob.unit_id.in_(units)).order_by(InspectionJob.id.desc())
    return list(session.scalars(statement.limit(limit)))


def get_job(session: Session, user: User, job_id: int) -> InspectionJob:
    """One job if it is of the user's units; ``not_found`` otherwise, whether it exists or not."""
    require(session, user, "inspect")
    job = session.get(InspectionJob, job_id) if isinstance(job_id, int) and 0 < job_id <= MAX_ID else None
    if job is None or job.unit_id not in visible_unit_ids(session, user):
        raise fail("not_found", NOT_FOUND)
    return job


def pass_rate(job: InspectionJob) -> float | None:
    """The share of accounts judged 合格, in percent, once the job is done."""
    if job.status != "done" or not job.accounts:
        return None
    return round(100 * (job.accounts - (job.failing or 0)) / job.accounts, 2)


def status_of(job: InspectionJob) -> dict:
    """What the progress page polls: the status, the rows read so far and, when failed, why."""
    share = round(100 * job.rows_done / job.rows_total) if job.rows_total else None
    return {"id": job.id, "status": job.status, "status_name": INSPECTION_STATUS_NAMES[job.status],
            "attempts": job.attempts, "rows_done": job.rows_done, "rows_total": job.rows_total,
            "percent": min(share, 100) if share is not None else None, "error": job.error,
            "finished": job.status in ("done", "failed")}


def window_text(job: InspectionJob) -> str:
    """The window as in the report's title: （监测时间：2026年10月1日至12月31日）."""
    return Window(job.window_first, job.window_last).title()


def output_file(session: Session, user: User, job_id: int, kind: str) -> tuple[Path, str, str]:
    """A finished job's file (path, download name, MIME type); ``not_found`` or ``inspection_not_ready``."""
    job = get_job(session, user, job_id)
    if kind not in OUTPUTS:
        raise fail("not_found", "没有这种巡检结果文件。")
    column, name, mimetype = OUTPUTS[kind]
    if job.status != "done":
        raise fail("inspection_not_ready", "巡检尚未完成，结果文件还不能下载。")
    relative = getattr(job, column)
    root = data_root(settings_of(session)).resolve()
    path = (root / relative).resolve() if relative else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise fail("not_found", "该巡检没有这份结果文件。" if relative is None else "结果文件已不在服务器上，请重新提交巡检。")
    return path, name.format(window=window_text(job)), mimetype

