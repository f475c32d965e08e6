"""The supervising office's report as a workbook: the 检查不合格名单 in the notice's columns, a summary
of pass rates and problem shares, and one sheet of evidence per failing account."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from reviewer.inspection.accounts import Verdict, pass_rate, problem_name, problem_shares
from reviewer.inspection.run import Inspection

#: 宝鸡's 检查不合格名单 columns, in order (004).
FAILING_COLUMNS = ("序号", "新媒体类型", "其他（新媒体类型）", "新媒体名称", "代表主体名称", "检查结果", "存在的突出问题", "备注")
#: The 新媒体类型 values the notices use; anything else is 其他 with its own name in the next column.
KNOWN_TYPES = ("微信", "微博", "客户端", "抖音", "头条", "小程序", "视频号")


def _type_cells(platform: str) -> tuple[str, str]:
    return (platform, "") if platform in KNOWN_TYPES else ("其他", platform)


def _failing_sheet(book: Workbook, inspection: Inspection) -> None:
    sheet = book.active
    sheet.title = "检查不合格名单"
    sheet.append([f"检查不合格名单{inspection.window.title()}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(FAILING_COLUMNS))
    sheet.append(list(FAILING_COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    failing = [v for v in inspection.verdicts if not v.passed]
    for number, v in enumerate(failing, 1):
        kind, other = _type_cells(v.account.platform)
        problems = "；".join(wording for _, wording, _ in v.problems)
        sheet.append([number, kind, other, v.account.name, v.account.unit, "不合格", problems, inspection.remark(v)])
    for column, width in zip("ABCDEFGH", (6, 12, 14, 24, 28, 10, 50, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"


def _rates(sheet, title: str, verdicts: list[Verdict], key) -> None:
    """Accounts, passed and pass rate for each group of ``key``, then a blank row."""
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts:
        groups[key(v)].append(v)
    sheet.append([title, "账号数", "合格数", "合格率"])
    for name, group in sorted(groups.items()):
        sheet.append([name, len(group), sum(v.passed for v in group), f"{pass_rate(group):.2f}%"])
    sheet.append([])


def _summary_sheet(book: Workbook, inspection: Inspection) -> None:
    sheet = book.create_sheet("汇总")
    verdicts = inspection.verdicts
    failing = [v for v in verdicts if not v.passed]
    sheet.append(["监测时间", inspection.window.title().strip("（）").removeprefix("监测时间：")])
    sheet.append(["检查账号数", len(verdicts)])
    sheet.append(["不合格账号数", len(failing)])
    sheet.append(["合格率", f"{pass_rate(verdicts):.2f}%"])
    sheet.append(["检查记录数", inspection.records])
    sheet.append(["无法检查的记录数", len(inspection.bad_rows)])
    again = inspection.rechecked()
    if again:
        sheet.append(["上轮不合格账号数", again[0]])
        sheet.append(["其中已整改", again[1]])
        sheet.append(["其中未整改或整改不到位", again[2]])
    sheet.append([])
    _rates(sheet, "按新媒体类型", verdicts, lambda v: v.account.platform or "其他")
    _rates(sheet, "按开设主体级别", verdicts, lambda v: v.account.level or "未备案（级别不详）")
    sheet.append(["存在的突出问题", "不合格账号数", "占不合格账号的比例"])
    for key, (count, share) in problem_shares(verdicts).items():
        sheet.append([problem_name(key), count, f"{share:.2f}%"])
    if inspection.escalations:
        sheet.append([])
        sheet.append(["约谈（二四六规则）", "违规警报数", "其中以往检查", "约谈对象", "约谈人"])
        for e in inspection.escalations:
            sheet.append([e.unit, e.alerts, e.earlier, e.talk, e.by])
    sheet.column_dimensions["A"].width = 36


def read_failing(path: str) -> frozenset[tuple[str, str]]:
    """The (新媒体名称, 新媒体类型) pairs of a previous report's 检查不合格名单, for a re-check."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(f"上轮报告无法打开：{path}（{exc.__class__.__name__}）") from exc
    try:
        if "检查不合格名单" not in book.sheetnames:
            raise ValueError(f"上轮报告中没有“检查不合格名单”工作表：{path}")
        rows = book["检查不合格名单"].iter_rows(values_only=True)
        header = next((r for r in rows if r and r[0] == FAILING_COLUMNS[0]), None)
        if header is None or tuple(header[: len(FAILING_COLUMNS)]) != FAILING_COLUMNS:
            raise ValueError(f"上轮报告的“检查不合格名单”表头不是 {'、'.join(FAILING_COLUMNS)}：{path}")
        found = set()
        for row in rows:
            if row and row[3]:
                platform = str(row[2] or "") if row[1] == "其他" else str(row[1] or "")
                found.add((str(row[3]).strip(), platform.strip()))
        return frozenset(found)
    finally:
        book.close()


def _evidence_sheets(book: Workbook, inspection: Inspection) -> None:
    for number, v in enumerate((v for v in inspection.verdicts if not v.passed), 1):
        sheet = book.create_sheet(f"{number}-{v.account.name}"[:31])
        sheet.append(["新媒体名称", v.account.name])
        sheet.append(["代表主体名称", v.account.unit])
        sheet.append(["发布/回复", f"{v.account.posts} / {v.account.replies}"])
        sheet.append(["原创", v.account.originals if v.account.original_known else "导出数据未标明"])
        sheet.append(["未更新天数（至监测时间点）", round(v.days_silent, 1) if v.days_silent is not None else "无记录"])
        sheet.append([])
        sheet.append(["存在的突出问题", "证据（稿件编号等）"])
        for _, wording, evidence in v.problems:
            sheet.append([wording, "、".join(evidence)])
        sheet.append([])
        sheet.append(["未能判断的项目", "、".join(v.not_judged)])
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 60


def write_report(inspection: Inspection, target: str | IO[bytes]) -> None:
    """The workbook: 检查不合格名单, 汇总, and one evidence sheet per failing account."""
    book = Workbook()
    _failing_sheet(book, inspection)
    _summary_sheet(book, inspection)
    _evidence_sheets(book, inspection)
    book.save(target)
