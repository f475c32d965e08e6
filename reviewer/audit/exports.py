"""Exports of the audit log: a filter, and streaming CSV, XLSX and JSONL writers.

Exports stream: rows are read in batches (a server-side cursor on PostgreSQL) and written out as
they come, so exporting a million entries needs no more memory than exporting a hundred. Every
export is itself an audit entry (event ``export``), written by ``log_export`` before streaming.
Every query takes the reader's ``AuditScope`` (reviewer.audit_scope), so no view forgets it.

CSV is UTF-8 with a BOM so Excel shows Chinese; text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) are prefixed with an apostrophe, in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import ColumnDimension
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.audit.chain import AuditEntry
from reviewer.audit.reconcile import anchor_after_commit
from reviewer.audit.scope import AuditScope
from reviewer.errors import WorkflowError
from reviewer.storage import MAX_ID, descendant_unit_ids

#: The time zone people in the offices read and type dates in (China has no daylight saving).
LOCAL_TZ = timezone(timedelta(hours=8), "北京时间")
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
}
#: (column, Chinese header) of every export, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"),
    ("created_at", "时间(UTC)"),
    ("local_time", "时间(北京时间)"),
    ("event", "事件代码"),
    ("event_name", "事件"),
    ("actor_id", "操作人ID"),
    ("actor_name", "操作人"),
    ("unit_id", "单位ID"),
    ("account_id", "账号ID"),
    ("draft_id", "稿件ID"),
    ("version", "版本"),
    ("level", "审核级别"),
    ("gate", "关口"),
    ("details", "详情"),
    ("ip", "IP"),
    ("content_hash", "内容哈希"),
    ("prev_hash", "前序哈希"),
    ("entry_hash", "条目哈希"),
    ("mac", "HMAC"),
)
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000
#: The bounds a date filter is clamped to (see ``parse_moment``); the register's months stop at LAST_YEAR.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
LAST_YEAR = 2100
CHUNK_BYTES = 64 * 1024


class FilterError(WorkflowError):
    """A filter value is unusable; ``code`` is stable and ``message`` is Chinese."""


def parse_moment(value: str, *, end: bool = False) -> datetime:
    """A date (YYYY-MM-DD, Beijing time) or ISO datetime; ``end`` makes a bare date cover its day.

    Every real calendar date is accepted: one whose instant falls outside what a datetime can hold
    (0001-01-01 in Beijing time, the day after 9999-12-31) means "no bound" and is clamped to the
    earliest or latest instant, so a filter from year 1 or until year 9999 simply covers everything.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(), LOCAL_TZ)
            if end:
                moment = _shifted(moment, timedelta(days=1))
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=LOCAL_TZ)
    except ValueError as exc:
        raise FilterError("invalid_date", f"日期格式不正确：{value!r}，应为 YYYY-MM-DD 或 ISO 时间。") from exc
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return EARLIEST if moment.year == datetime.min.year else LATEST


def _shifted(moment: datetime, delta: timedelta) -> datetime:
    try:
        return moment + delta
    except OverflowError:
        return LATEST


def _positive_int(name: str, label: str, value: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 12 or not 0 < int(text) <= MAX_ID:
        raise FilterError("invalid_filter", f"{label}必须是 1 到 {MAX_ID} 之间的整数：{value!r}")
    return int(text)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries an export or listing covers; None means "any". ``until`` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    unit_id: int | None = None
    account_id: int | None = None
    user: str | None = None
    event: str | None = None
    gate: str | None = None
    draft_id: int | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AuditFilter:
        """Parse query-string or form values; empty values mean "any"; bad ones raise FilterError."""
        from reviewer.vocabulary import GATES

        def text(name: str) -> str | None:
            value = data.get(name)
            return str(value).strip() or None if value is not None else None

        values: dict[str, Any] = {}
        if since := text("since"):
            values["since"] = parse_moment(since)
        if until := text("until"):
            values["until"] = parse_moment(until, end=True)
        for name, label in (("unit_id", "单位"), ("account_id", "账号"), ("draft_id", "稿件编号")):
            if raw := text(name):
                values[name] = _positive_int(name, label, raw)
        if user := text("user"):
            values["user"] = user[:150]
        if event := text("event"):
            if event not in audit.event_names():
                raise FilterError("invalid_filter", f"未知的事件类型：{event!r}")
            values["event"] = event
        if gate := text("gate"):
            if gate not in GATES:
                raise FilterError("invalid_filter", f"未知的关口：{gate!r}")
            values["gate"] = gate
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The filters that are set, JSON-ready (for the export's own audit entry)."""
        out = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                out[item.name] = audit.iso_utc(value) if isinstance(value, datetime) else value
        return out

    def query_args(self) -> dict[str, str]:
        """The filters as query-string values (dates as ISO UTC), for links that keep them."""
        return {k: str(v) for k, v in self.to_dict().items()}


def filtered(session: Session, flt: AuditFilter, columns: Iterable[Any] | None = None, *,
             scope: AuditScope) -> Select:
    """The SELECT of entries matching ``flt`` within ``scope``, in chain order (all columns unless given).

    ``scope`` has no default: every caller decides whose view it builds (``EVERYTHING`` for the CLI).
    """
    table = AuditEntry.__table__
    statement = select(*(columns if columns is not None else table.c)).order_by(table.c.seq)
    visible = scope.clause(table)
    if visible is not None:
        statement = statement.where(visible)
    if flt.since is not None:
        statement = statement.where(table.c.created_at >= flt.since)
    if flt.until is not None:
        statement = statement.where(table.c.created_at < flt.until)
    if flt.unit_id is not None:
        from reviewer.storage import Account

        units = descendant_unit_ids(session, [flt.unit_id])
        accounts = select(Account.id).where(Account.unit_id.in_(units))
        statement = statement.where(or_(table.c.unit_id.in_(units), table.c.account_id.in_(accounts)))
    for name in ("account_id", "event", "gate", "draft_id"):
        value = getattr(flt, name)
        if value is not None:
            statement = statement.where(table.c[name] == value)
    if flt.user is not None:
        statement = statement.where(table.c.actor_name == flt.user)
    return statement


def iter_entries(session: Session, flt: AuditFilter, batch: int = BATCH, *, scope: AuditScope) -> Iterator[Any]:
    """Matching entries within ``scope`` as rows, streamed ``batch`` at a time."""
    yield from session.execute(filtered(session, flt, scope=scope).execution_options(yield_per=batch))


def count_entries(session: Session, flt: AuditFilter, *, scope: AuditScope) -> int:
    """How many entries within ``scope`` match ``flt``."""
    from sqlalchemy import func

    statement = filtered(session, flt, scope=scope).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(statement))


def local_time(moment: datetime) -> str:
    """A timestamp as Beijing time for people (exports also keep the exact UTC value)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def entry_values(row: Any) -> dict[str, Any]:
    """One entry as export values keyed by column (timestamps as text, details as JSON text)."""
    return dict(zip(COLUMN_NAMES, entry_list(row), strict=True))


#: Export column -> position in a row of ``filtered`` (all table columns, in table order).
_POSITIONS: dict[str, int] = {name: i for i, name in enumerate(AuditEntry.__table__.c.keys())}
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)


def entry_list(row: Any) -> list[Any]:
    """One entry (a row of ``filtered``) as export values in COLUMNS order; hot path of every export."""
    names = audit.event_names()
    out = []
    for name in COLUMN_NAMES:
        if name == "created_at":
            out.append(audit.iso_utc(row[_POSITIONS["created_at"]]))
        elif name == "local_time":
            out.append(local_time(row[_POSITIONS["created_at"]]))
        elif name == "event_name":
            event = row[_POSITIONS["event"]]
            out.append(names.get(event, event))
        else:
            out.append(row[_POSITIONS[name]])
    return out


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would execute as a formula (prefix an apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[Any]) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM, in chunks of about CHUNK_BYTES."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([header for _, header in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(value) if isinstance(value, str) else value for value in entry_list(row)])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def jsonl_chunks(rows: Iterable[Any]) -> Iterator[bytes]:
    """One JSON object per line (details parsed back into an object), in chunks."""
    lines: list[str] = []
    size = 0
    for row in rows:
        values = entry_values(row)
        values["details"] = json.loads(values["details"]) if values["details"] else None
        line = json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n"
        lines.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(lines).encode("utf-8")
            lines, size = [], 0
    yield "".join(lines).encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


#: Column widths of the XLSX export (characters), by column; hashes are wide enough to read whole.
XLSX_WIDTHS: dict[str, int] = {
    "seq": 8, "created_at": 28, "local_time": 20, "event": 16, "event_name": 14, "actor_id": 9, "actor_name": 16,
    "unit_id": 8, "account_id": 8, "draft_id": 8, "version": 6, "level": 8, "gate": 10, "details": 60, "ip": 16,
    "content_hash": 66, "prev_hash": 66, "entry_hash": 66, "mac": 66,
}
_LOCAL_COLUMN = COLUMN_NAMES.index("local_time")


def write_xlsx(rows: Iterable[Any], target: Any) -> None:
    """Write an XLSX workbook (write-only mode); Beijing time as a date-time cell, UTC kept exact (hashed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    for index, name in enumerate(COLUMN_NAMES, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter] = ColumnDimension(sheet, index=letter, width=XLSX_WIDTHS.get(name, 12))
    sheet.freeze_panes = "A2"
    sheet.append([header for _, header in COLUMNS])
    for row in rows:
        values = [_xlsx_cell(value) for value in entry_list(row)]
        values[_LOCAL_COLUMN] = _local_cell(sheet, row[_POSITIONS["created_at"]])
        sheet.append(values)
    workbook.save(target)


def _local_cell(sheet: Any, moment: datetime) -> Any:
    """A write-only cell holding ``moment`` in Beijing time to the second, shown as yyyy-mm-dd hh:mm:ss."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    cell = WriteOnlyCell(sheet, value=moment.astimezone(LOCAL_TZ).replace(tzinfo=None, microsecond=0))
    cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return cell


def xlsx_chunks(rows: Iterable[Any]) -> Iterator[bytes]:
    """XLSX bytes in chunks: built in a temporary file (a zip needs its end), then streamed."""
    handle, path = tempfile.mkstemp(prefix="reviewer-audit-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(rows, path)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


WRITERS = {"csv": csv_chunks, "xlsx": xlsx_chunks, "jsonl": jsonl_chunks}


def check_format(fmt: str | None) -> str:
    """The export format, or FilterError naming the allowed ones."""
    fmt = (fmt or "").strip().lower()
    if fmt not in FORMATS:
        raise FilterError("invalid_format", f"导出格式不支持：{fmt!r}，可选 csv、xlsx、jsonl。")
    return fmt


def export_chunks(session: Session, flt: AuditFilter, fmt: str, batch: int = BATCH, *,
                  scope: AuditScope) -> Iterator[bytes]:
    """The filtered entries within ``scope`` in ``fmt``, streamed from ``session`` (kept open by the caller)."""
    return WRITERS[check_format(fmt)](iter_entries(session, flt, batch, scope=scope))


def log_export(session: Session, flt: AuditFilter, fmt: str, *, count: int, scope: AuditScope,
               actor_id: int | None = None, actor_name: str | None = None, ip: str | None = None,
               details: dict | None = None) -> None:
    """Record that someone exported these entries, and within which scope (the caller commits first)."""
    audit.record(
        session,
        "export",
        actor_id=actor_id,
        actor_name=actor_name,
        ip=ip,
        details={"format": fmt, "filters": flt.to_dict(), "scope": scope.to_dict(), "count": count,
                 **(details or {})},
    )


def filename(fmt: str, when: datetime | None = None) -> str:
    """A download name such as 审计日志-20261123-153000.csv (Beijing time)."""
    moment = (when or datetime.now(UTC)).astimezone(LOCAL_TZ)
    return f"审计日志-{moment:%Y%m%d-%H%M%S}.{FORMATS[fmt][1]}"


def begin_export(session: Session, flt: AuditFilter, fmt: str, *, scope: AuditScope, actor_id: int | None = None,
                 actor_name: str | None = None, ip: str | None = None, details: dict | None = None) -> int:
    """Count the entries, record the export and commit it, before anything is streamed.

    The one sequence every export follows (browser, API, command line): the export's own entry is
    on record even if the download is interrupted, and the chain lock is not held while a large
    file is written out. Returns how many entries the export covers. Stream them afterwards with
    ``export_chunks`` from a session of the caller's.
    """
    count = count_entries(session, flt, scope=scope)
    log_export(session, flt, fmt, count=count, scope=scope, actor_id=actor_id, actor_name=actor_name, ip=ip,
               details=details)
    session.commit()
    anchor_after_commit(session, "export")
    return count
