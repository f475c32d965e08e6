"""Messages from a file (XLSX or CSV), previewed line by line and applied all at once or not at all.

The first row names the columns: 账号 (the account's name or number), 收到时间, 留言内容 and,
optionally, 联系方式 (the English codes ``account``, ``received_at``, ``text``, ``contact`` are read too,
for exports of other systems). Every line is checked as a message entered by hand would be; a bad
line is reported as ``第 N 行：reason`` with N the line's number in the file. ``apply_import``
refuses the whole file (``import_invalid``) unless every line is good, so nothing is half imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from reviewer.admin.register_io import format_of, read_table
from reviewer.audit import chain as audit
from reviewer.bootstrap import review_engine
from reviewer.errors import ReviewerError, fail
from reviewer.messages import handling
from reviewer.messages.inbox import Checked, Incoming, audit_message, check_incoming, require_capability, store
from reviewer.storage import MessageRow, User, utcnow

__all__ = ["COLUMNS", "Line", "Preview", "apply_import", "format_of", "preview_import", "read_table"]

#: column key -> the labels a header may use for it
COLUMNS: dict[str, tuple[str, ...]] = {
    "account": ("账号", "新媒体名称", "account"),
    "received_at": ("收到时间", "留言时间", "received_at"),
    "text": ("留言内容", "内容", "text"),
    "contact": ("联系方式", "contact"),
}
REQUIRED = ("account", "received_at", "text")
MAX_LINES = 5000


@dataclass
class Line:
    """One line of the file: its number, what it says, and its error or the message it makes."""

    number: int
    values: dict[str, str]
    error: str | None = None
    checked: Checked | None = field(default=None, repr=False)
    shown: str = ""  # the text as handlers will see it (personal data masked)


@dataclass
class Preview:
    lines: list[Line]
    error: str | None = None  # a problem with the whole file (header, size)

    @property
    def errors(self) -> list[Line]:
        return [line for line in self.lines if line.error]

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.lines) and not self.errors

    def problems(self) -> list[str]:
        """Every problem in Chinese, the file's first, then each bad line's."""
        return ([self.error] if self.error else []) + [f"第 {line.number} 行：{line.error}" for line in self.errors]


def _columns(header: list[str]) -> dict[str, int] | str:
    found: dict[str, int] = {}
    for index, label in enumerate(header):
        for key, labels in COLUMNS.items():
            if label.strip() in labels and key not in found:
                found[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in found]
    if missing:
        return f"表头缺少：{'、'.join(missing)}（第 1 行须含 账号、收到时间、留言内容，可另加 联系方式）。"
    return found


def preview_import(session: Session, actor: User, rows: list[list[str]], now: datetime | None = None) -> Preview:
    """What importing ``rows`` (header first) would do, every line checked; nothing is written."""
    require_capability(session, actor, "message.handle")
    if not rows:
        return Preview([], "文件是空的。")
    columns = _columns(rows[0])
    if isinstance(columns, str):
        return Preview([], columns)
    if len(rows) - 1 > MAX_LINES:
        return Preview([], f"一次最多导入 {MAX_LINES} 行，文件有 {len(rows) - 1} 行，请分批导入。")
    now = now or utcnow()
    engine = review_engine(session)
    lines = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        values = {key: (row[i] if i < len(row) else "").strip() for key, i in columns.items()}
        line = Line(number, values)
        try:
            line.checked = check_incoming(session, actor, Incoming(values["account"], values["received_at"], values["text"],
                                                                   values.get("contact") or None), now)
        except ReviewerError as exc:
            line.error = exc.message
        line.shown = handling.screen(values["text"], engine).shown if values["text"] else ""
        lines.append(line)
    return Preview(lines, None if lines else "文件没有留言行。")


def apply_import(session: Session, actor: User, rows: list[list[str]], *, file_name: str,
                 ip: str | None = None) -> list[MessageRow]:
    """Import every line of ``rows`` in the caller's transaction, or refuse them all (``import_invalid``)."""
    preview = preview_import(session, actor, rows)
    if not preview.ok:
        raise fail("import_invalid", "；".join(preview.problems()[:20]) + "。未导入任何留言。")
    stored = []
    for line in preview.lines:
        row = store(session, actor, line.checked, "import", ip)
        audit_message(session, "message.receive", actor, row, ip, via="import", file=file_name[:200],
               received_at=row.received_at.isoformat(), due_at=row.due_at.isoformat())
        stored.append(row)
    audit.record(session, "message.import", actor_id=actor.id, actor_name=actor.username, ip=ip,
                 details={"file": file_name[:200], "count": len(stored), "message_ids": [r.id for r in stored]})
    return stored
