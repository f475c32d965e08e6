"""The monthly review register (月度审核台账) of one account, as an XLSX workbook.

Units file this register with their superior office: one row per draft version that was signed
off or published in the month, naming the author, the reviewer and gate decisions of every
level, override reasons, the publisher and the URL. It is built from the workflow tables (the
record of what was decided); the audit chain's head hash at the time of writing is printed at the
bottom, so every filed register also keeps an anchor of the audit log outside the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.audit.exports import LAST_YEAR, LOCAL_TZ, AuditFilter, FilterError, local_time, log_export, safe_cell
from reviewer.audit.scope import AuditScope, account_in_scope
from reviewer.storage import Account, Draft, DraftVersion, FindingRow, Publication, SignOff, SignOffOverride, Unit, User
from reviewer.vocabulary import DECISION_NAMES, FIELD_NAMES, GATE_NAMES, GATES, LEVELS, STATUS_NAMES, level_name

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class RegisterRow:
    """One line of the register: a draft version and everything decided about it."""

    day: str
    draft_id: int
    version: int
    title: str
    author: str
    status: str
    reviewers: dict[int, str] = field(default_factory=dict)
    decisions: dict[int, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    publisher: str = ""
    published_at: str = ""
    url: str = ""
    sha256: str = ""


def parse_month(value: str) -> tuple[datetime, datetime]:
    """'YYYY-MM' -> [start, end) in UTC for that calendar month in Beijing time."""
    match = MONTH_RE.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise FilterError("invalid_month", f"月份格式不正确：{value!r}，应为 YYYY-MM，例如 2026-11。")
    if not 2000 <= int(match.group(1)) <= LAST_YEAR:
        raise FilterError("date_out_of_range", f"月份超出范围：{value!r}，应在 2000 年至 {LAST_YEAR} 年之间。")
    year, month = int(match.group(1)), int(match.group(2))
    start = datetime.combine(date(year, month, 1), time(), LOCAL_TZ)
    following = date(year + month // 12, month % 12 + 1, 1)
    end = datetime.combine(following, time(), LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))
    return {uid: f"{display or username}（{username}）" for uid, display, username in rows}


def register_rows(session: Session, account_id: int, month: str) -> list[RegisterRow]:
    """The register's rows for ``account_id`` in ``month`` ('YYYY-MM'), oldest first."""
    start, end = parse_month(month)
    signed = (
        select(SignOff.version_id)
        .join(DraftVersion, DraftVersion.id == SignOff.version_id)
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .where(Draft.account_id == account_id, SignOff.created_at >= start, SignOff.created_at < end)
    )
    published = (
        select(Publication.version_id)
        .join(Draft, Draft.id == Publication.draft_id)
        .where(Draft.account_id == account_id, Publication.published_at >= start, Publication.published_at < end)
    )
    version_ids = set(session.scalars(signed)) | set(session.scalars(published))
    if not version_ids:
        return []
    versions = session.execute(
        select(DraftVersion, Draft).join(Draft, Draft.id == DraftVersion.draft_id)
        .where(DraftVersion.id.in_(version_ids))
    ).all()
    signoffs = session.scalars(select(SignOff).where(SignOff.version_id.in_(version_ids))).all()
    publications = {p.version_id: p for p in session.scalars(
        select(Publication).where(Publication.version_id.in_(version_ids)))}
    overrides = session.execute(
        select(SignOffOverride.signoff_id, SignOffOverride.reason, FindingRow.text, FindingRow.gate)
        .join(FindingRow, FindingRow.id == SignOffOverride.finding_id)
        .where(SignOffOverride.signoff_id.in_([s.id for s in signoffs] or [0]))
    ).all()
    names = _names(session, [d.author_id for _, d in versions] + [v.editor_id for v, _ in versions]
                   + [s.reviewer_id for s in signoffs] + [p.publisher_id for p in publications.values()])
    by_version: dict[int, list[SignOff]] = {}
    for signoff in signoffs:
        by_version.setdefault(signoff.version_id, []).append(signoff)
    override_lines: dict[int, list[str]] = {}
    for signoff_id, reason, text, gate in overrides:
        override_lines.setdefault(signoff_id, []).append(f"{GATE_NAMES.get(gate, gate)}「{text}」：{reason}")

    rows: list[tuple[datetime, RegisterRow]] = []
    for version, draft in versions:
        own = sorted(by_version.get(version.id, []), key=lambda s: (s.level, GATES.index(s.gate)
                                                                     if s.gate in GATES else 9))
        publication = publications.get(version.id)
        moments = [s.created_at for s in own] + ([publication.published_at] if publication else [])
        row = RegisterRow(
            day=local_time(max(moments))[:10],
            draft_id=draft.id,
            version=version.number,
            title=version.title,
            author=names.get(version.editor_id) or names.get(draft.author_id, ""),
            status=version_outcome(version, draft, own, publication),
            sha256=version.sha256,
        )
        for level in sorted({s.level for s in own}):
            at_level = [s for s in own if s.level == level]
            row.reviewers[level] = "、".join(dict.fromkeys(names.get(s.reviewer_id, "") for s in at_level))
            row.decisions[level] = "；".join(
                f"{GATE_NAMES.get(s.gate, s.gate)}{DECISION_NAMES.get(s.decision, s.decision)}" for s in at_level)
            row.comments += [f"{level_name(level)}{GATE_NAMES.get(s.gate, s.gate)}：{s.comment}"
                             for s in at_level if s.comment]
            for s in at_level:
                row.overrides += [f"{level_name(level)}{line}" for line in override_lines.get(s.id, [])]
        if publication:
            row.publisher = names.get(publication.publisher_id, "")
            row.published_at = local_time(publication.published_at)
            row.url = publication.url or ""
        rows.append((max(moments), row))
    return [row for _, row in sorted(rows, key=lambda item: (item[0], item[1].draft_id, item[1].version))]


def version_outcome(version: DraftVersion, draft: Draft, signoffs: list[SignOff], publication: Any) -> str:
    """What became of this version (not of the draft): published, returned, superseded or the draft's status."""
    if publication is not None:
        return STATUS_NAMES["published"]
    if any(s.decision == "reject" for s in signoffs):
        return STATUS_NAMES["returned"]
    if version.number != draft.current_version:
        return "已修改为新版本"
    return STATUS_NAMES.get(draft.status, draft.status)


HEADERS: tuple[str, ...] = (
    "日期", "稿件编号", "版本", "标题", "作者", "状态",
    *(f"{level_name(level)}{what}" for level in LEVELS for what in ("审核人", "结论")),
    "审核意见", FIELD_NAMES["reason"], "发布人", "发布时间", "发布链接", "内容SHA-256",
)
WIDTHS: tuple[int, ...] = (12, 9, 6, 36, 20, 8, 20, 40, 20, 40, 20, 40, 40, 40, 20, 20, 36, 20)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _line(row: RegisterRow) -> list[Any]:
    levels = []
    for level in (1, 2, 3):
        levels += [row.reviewers.get(level, ""), row.decisions.get(level, "")]
    return [row.day, row.draft_id, row.version, row.title, row.author, row.status, *levels,
            "\n".join(row.comments), "\n".join(row.overrides), row.publisher, row.published_at, row.url,
            row.sha256]


#: The lines units sign before filing the register on paper.
SIGNATURE_LINES: tuple[str, ...] = (
    "审核人（签字）：____________________        日期：________年____月____日",
    "负责人（签字）：____________________        日期：________年____月____日",
)


def _print_setup(sheet: Any) -> None:
    """A4 landscape, one page wide, the header row repeated on every page, page numbers in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "4:4"
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def write_register(session: Session, account_id: int, month: str, target: Any) -> int:
    """Write the register workbook to ``target`` (path or binary file); returns the row count.

    Raises FilterError for an unknown account or a malformed month.
    """
    account = session.get(Account, account_id)
    if account is None:
        raise FilterError("not_found", f"账号不存在：{account_id}")
    unit = session.get(Unit, account.unit_id)
    rows = register_rows(session, account_id, month)
    seq, head_hash = audit.head(session)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{month} 审核台账"
    bold = Font(bold=True)
    sheet.append([_cell(f"{account.name} 月度审核台账（{month}）")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"账号：{account.name}", f"平台：{account.platform}", "",
                  _cell(f"主办单位：{unit.name if unit else ''}"), f"审核级别：{account.review_levels} 级",
                  "", "", _cell(f"生成时间：{local_time(datetime.now(UTC))}（北京时间）")])
    sheet.append([])
    sheet.append(list(HEADERS))
    for cell in sheet[4]:
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_cell(v) for v in _line(row)])
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    sheet.append([])
    sheet.append([f"共 {len(rows)} 条。"])
    sheet.append([f"审计日志锚点（生成时链头）：第 {seq} 条", head_hash])
    sheet.append(["核验方法：reviewer audit verify --anchor <上述哈希>；锚点须随本台账归档保存在数据库之外。"])
    sheet.append([])
    for line in SIGNATURE_LINES:
        sheet.append([line])
        sheet.cell(row=sheet.max_row, column=1).font = Font(size=12)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=4, column=index).column_letter].width = width
    sheet.freeze_panes = "A5"
    _print_setup(sheet)
    workbook.save(target)
    return len(rows)


def register_filename(account_name: str, month: str) -> str:
    """A download name such as 示例文旅-2026-11-月度审核台账.xlsx (path-safe)."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", account_name).strip("_") or "账号"
    return f"{safe}-{month}-月度审核台账.xlsx"


def monthly_register(session: Session, account_id: int, month: str, target: Any, *, scope: AuditScope,
                     actor_id: int | None = None, actor_name: str | None = None, ip: str | None = None,
                     via: str = "web") -> tuple[Account, int]:
    """Write one account's register for ``month`` to ``target`` and record it as an export.

    Refuses an account outside ``scope`` (``OutOfScope``) and a malformed month (``FilterError``)
    before writing anything. Returns the account and the number of rows written.
    """
    account = account_in_scope(session, scope, account_id)
    parse_month(month)
    rows = write_register(session, account.id, month, target)
    log_export(session, AuditFilter(account_id=account.id), "register", count=rows, scope=scope,
               actor_id=actor_id, actor_name=actor_name, ip=ip,
               details={"via": via, "month": month, "kind": "月度审核台账"})
    return account, rows
