"""The register as a file an office files each quarter (XLSX or CSV), and the same file read back.

Export writes 序号, the register's fields (``register.FIELDS``) and 互动功能. Import reads the
same columns by their labels (序号 and 互动功能 are ignored; the 评论/留言/私信 columns carry the
switches), checks every line and reports each bad one with its line number. Lines whose
新媒体类型 and 新媒体名称 match an account update it; the others register new accounts in the state
the line names. Nothing is applied unless every line is good (``apply_import`` refuses with
``import_invalid``), and everything is applied in the caller's transaction with one entry per
account plus a ``register.import`` summary.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.admin.register import FIELDS, NO, YES, edit_account, interaction_text, register_account, shown
from reviewer.admin.units import CLI_ACTOR, UnitError
from reviewer.audit import chain as audit
from reviewer.errors import ReviewerError
from reviewer.registry import default_rules
from reviewer.storage import Account
from reviewer.vocabulary import SUBJECT_LEVEL_NAMES

HEADER: tuple[str, ...] = ("序号", *(f.label for f in FIELDS), "互动功能")
BY_LABEL = {f.label: f.key for f in FIELDS}
FORMATS = ("xlsx", "csv")


def register_rows(session: Session, unit_ids: set[int] | None = None) -> list[list[Any]]:
    """The register's lines (without the header), by account id."""
    query = select(Account).order_by(Account.id)
    if unit_ids is not None:
        query = query.where(Account.unit_id.in_(sorted(unit_ids) or [-1]))
    states = default_rules().states
    rows = []
    for number, account in enumerate(session.scalars(query), 1):
        values = {
            "platform": account.platform, "platform_other": account.platform_other, "name": account.name,
            "platform_account_id": account.platform_account_id, "url": account.url,
            "unit": shown(session, "unit_id", account.unit_id),
            "supervisor_unit": shown(session, "supervisor_unit_id", account.supervisor_unit_id),
            "subject_name": account.subject_name,
            "subject_level": SUBJECT_LEVEL_NAMES.get(account.subject_level) if account.subject_level else None,
            "verification": account.verification, "contact_name": account.contact_name,
            "contact_phone": account.contact_phone,
            **{k: YES if getattr(account, k) else NO for k in ("comments_open", "messages_open", "dm_open", "high_attention")},
            "review_levels": account.review_levels, "operator": shown(session, "operator_id", account.operator_id),
            "state": states.get(account.state, account.state),
        }
        rows.append([number, *(values[f.key] or "" for f in FIELDS), interaction_text(account)])
    return rows


def export_register(session: Session, fmt: str, out: IO[bytes], unit_ids: set[int] | None = None) -> int:
    """Write the register as ``fmt`` (xlsx or csv, UTF-8 with BOM for Excel) into ``out``; returns the line count."""
    rows = register_rows(session, unit_ids)
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADER)
        writer.writerows(rows)
        out.write(("\ufeff" + text.getvalue()).encode("utf-8"))
    elif fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = "政务新媒体备案台账"
        sheet.append(list(HEADER))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        book.save(out)
    else:
        raise UnitError("invalid_format", f"格式必须是 {'、'.join(FORMATS)} 之一。")
    return len(rows)


def format_of(name: str) -> str:
    """``xlsx`` or ``csv`` from a file name, or a refusal."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in FORMATS:
        raise UnitError("invalid_format", f"文件须为 .xlsx 或 .csv，而不是“{name}”。")
    return suffix


def read_table(data: bytes, fmt: str) -> list[list[str]]:
    """The rows of an uploaded XLSX (first sheet) or CSV, every cell as text."""
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one refusal
        raise UnitError("invalid_file", f"无法读取 Excel 文件：{exc.__class__.__name__}") from None
    return [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)]


@dataclass
class Line:
    """One line of an import: its number in the file, what it does (新建/更新) and its error, if any."""

    number: int
    name: str
    action: str = ""
    error: str | None = None
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Preview:
    """What an import would do, line by line; ``ok`` when no line is bad."""

    lines: list[Line]

    @property
    def errors(self) -> list[Line]:
        return [line for line in self.lines if line.error]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.errors


def _lines(rows: list[list[str]]) -> tuple[list[Line], str | None]:
    if not rows:
        return [], "文件是空的。"
    header = rows[0]
    missing = [label for label in ("新媒体类型", "新媒体名称", "主办单位") if label not in header]
    if missing:
        return [], f"表头缺少：{'、'.join(missing)}（第 1 行须为 {'、'.join(HEADER)}）。"
    keys = [BY_LABEL.get(label) for label in header]
    lines = []
    for number, row in enumerate(rows[1:], 2):
        if not any(row):
            continue
        values = {k: v for k, v in zip(keys, row, strict=False) if k}
        lines.append(Line(number, values.get("name", ""), values=values))
    return lines, None


def _check(session: Session, line: Line, seen: dict[tuple[str, str], int],
           unit_ids: set[int] | None = None) -> Account | None:
    """The account the line updates (None: a new one); sets ``line.error`` when the line is bad.

    With ``unit_ids`` (an administrator's units) a line may only name those units and their accounts.
    """
    from reviewer.admin.register import clean

    try:
        cleaned = clean(session, line.values)
        if "name" not in cleaned or "platform" not in cleaned or "unit_id" not in cleaned:
            raise UnitError("invalid_input", "新媒体类型、新媒体名称、主办单位都须填写。")
        if unit_ids is not None and not {cleaned["unit_id"], cleaned.get("supervisor_unit_id") or cleaned["unit_id"]} <= unit_ids:
            raise UnitError("unknown_unit", "主办单位或主管单位不在您管理的单位之内。")
    except ReviewerError as exc:
        line.error = exc.message
        return None
    key = (cleaned["platform"], cleaned["name"])
    if key in seen:
        line.error = f"与第 {seen[key]} 行是同一账号（{key[0]}“{key[1]}”）。"
        return None
    seen[key] = line.number
    account = session.scalar(select(Account).where(Account.platform == key[0], Account.name == key[1]))
    if account is not None and unit_ids is not None and account.unit_id not in unit_ids:
        line.error = f"{key[0]}账号“{key[1]}”已由您管理范围以外的单位登记，不能在此更新。"
        return None
    line.action = "更新" if account else "新建"
    if account is not None and "state" in cleaned and cleaned["state"] != account.state:
        line.error = "导入不能改变已有账号的状态，请用状态变更办理。"
    return account


def preview_import(session: Session, rows: list[list[str]], unit_ids: set[int] | None = None) -> Preview:
    """Check every line without changing anything (``unit_ids``: only these units may be named)."""
    lines, problem = _lines(rows)
    if problem:
        return Preview([Line(1, "", error=problem)])
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        _check(session, line, seen, unit_ids)
    return Preview(lines)


def apply_import(session: Session, rows: list[list[str]], *, actor_name: str = CLI_ACTOR,
                 file_name: str = "", unit_ids: set[int] | None = None) -> Preview:
    """Apply every line, or none: any bad line refuses the whole file (``import_invalid``)."""
    preview = preview_import(session, rows, unit_ids)
    if not preview.ok:
        shown_errors = "；".join(f"第 {line.number} 行：{line.error}" for line in preview.errors[:5])
        raise UnitError("import_invalid", f"导入文件有 {len(preview.errors)} 行错误，未导入任何内容。{shown_errors}")
    for line in preview.lines:
        account = _check(session, line, {})
        if account is None:
            register_account(session, line.values, actor_name=actor_name)
        else:
            edit_account(session, account.id, {k: v for k, v in line.values.items() if k != "state"}, actor_name=actor_name)
    audit.record(session, "register.import", actor_name=actor_name,
                 details={"file": file_name, "lines": len(preview.lines),
                          "created": sum(1 for line in preview.lines if line.action == "新建"),
                          "updated": sum(1 for line in preview.lines if line.action == "更新")})
    return preview


def summary(preview: Preview) -> Iterable[str]:
    """The preview as lines of text (the command line prints them)."""
    for line in preview.lines:
        yield f"第 {line.number} 行  {line.name or '—'}  " + (f"错误：{line.error}" if line.error else line.action)
