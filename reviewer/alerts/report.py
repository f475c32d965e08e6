"""The rectification report (违规警报整改情况表) of one unit over a period, as XLSX and as HTML.

Both carry the same rows (``reviewer.alerts.lists.unit_alerts``), times in Beijing time, and the
lines the unit signs: the workbook is set up to print landscape on one page wide with the header
row repeated; the HTML page prints the same way from the browser.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from datetime import date
from html import escape
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from reviewer.vocabulary import ALERT_STATE_NAMES

#: (column heading, row key, width in characters)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "number", 6), ("警报日期", "day", 12), ("警报类型", "source_name", 16), ("账号", "account", 22),
    ("警报内容", "summary", 50), ("处理结果", "state_name", 10), ("处理人", "cleared_by", 14),
    ("处理时间（北京时间）", "cleared_at", 18), ("整改情况或不予认定理由", "note", 40),
)
SIGN_LINES = ("单位负责人（签字）：", "填报人：", "日期：")
#: The HTML page's only style sheet, inline so the saved page is self-contained (see ``style_hash``).
STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:24px;color:#1f2933}"
    "h1{font-size:20px}table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{border:1px solid #9aa5b1;padding:4px 6px;vertical-align:top;text-align:left}"
    "th{background:#eef2f6}thead{display:table-header-group}.signs{margin-top:32px;display:flex;gap:48px;flex-wrap:wrap}"
    ".blank{display:inline-block;width:140px;border-bottom:1px solid #333}"
    ".wrap{overflow-x:auto}@media screen{table{min-width:960px}}@page{size:A4 landscape;margin:12mm}@media print{body{margin:0}.wrap{overflow:visible}}"
)


def style_hash() -> str:
    """The CSP source that admits exactly ``STYLE`` when the app serves the page (``'sha256-…'``)."""
    digest = hashlib.sha256(STYLE.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def title(unit: str, first: date, last: date) -> str:
    """The report's heading."""
    return f"{unit}违规警报整改情况表（{first.isoformat()} 至 {last.isoformat()}）"


def tally(rows: list[dict[str, Any]]) -> str:
    """共 N 条：整改完成 a 条，不予认定 b 条，待处理 c 条。"""
    counts = Counter(r["state"] for r in rows)
    parts = [f"{ALERT_STATE_NAMES[s]} {counts.get(s, 0)} 条" for s in ("rectified", "dismissed", "open")]
    return f"共 {len(rows)} 条：" + "，".join(parts) + "。"


def _cells(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[number if key == "number" else (row.get(key) or "") for _, key, _ in COLUMNS]
            for number, row in enumerate(rows, 1)]


def write_xlsx(rows: list[dict[str, Any]], unit: str, first: date, last: date, target: str | IO[bytes]) -> None:
    """The report as a workbook, ready to print and sign."""
    book = Workbook()
    sheet = book.active
    sheet.title = "整改情况"
    sheet.append([title(unit, first, last)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet.append([tally(rows)])
    sheet.append([heading for heading, _, _ in COLUMNS])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in _cells(rows):
        sheet.append(values)
    for index, (_, _, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append([])
    for line in SIGN_LINES:
        sheet.append([line])
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    book.save(target)


def html(rows: list[dict[str, Any]], unit: str, first: date, last: date) -> str:
    """The report as one self-contained HTML page (no external files), printable."""
    head = "".join(f"<th>{escape(h)}</th>" for h, _, _ in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in values) + "</tr>" for values in _cells(rows))
    if not rows:
        body = f'<tr><td colspan="{len(COLUMNS)}">本期没有违规警报。</td></tr>'
    signs = "".join(f"<span>{escape(line)}<span class=\"blank\"></span></span>" for line in SIGN_LINES)
    heading = escape(title(unit, first, last))
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{heading}</title><style>"
        f"{STYLE}"
        f"</style></head><body><h1>{heading}</h1><p>{escape(tally(rows))}</p>"
        f"<div class=\"wrap\"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        f"<div class=\"signs\">{signs}</div></body></html>"
    )
