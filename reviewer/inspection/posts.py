"""Per-post results of an inspection in the format the output's extension names.

The run writes one JSON object per line (the ``reviewer check`` contract plus id, account and
published_at); CSV and XLSX carry the same record flattened to one row: the fixed fields as
columns, the findings and labels as JSON in theirs, so nothing is lost between formats. Rows
stream through: an XLSX is written in openpyxl's write-only mode.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import IO

#: Column headers of the CSV and XLSX forms, and the JSON field each one holds.
COLUMNS = (("编号", "id"), ("账号", "account"), ("发布时间", "published_at"), ("类型", "kind"),
           ("结论", "verdict"), ("问题数", None), ("问题类别", None), ("问题（JSON）", "findings"), ("分类得分（JSON）", "labels"))
FORMATS = (".jsonl", ".csv", ".xlsx")


def _row(line: str) -> list:
    record = json.loads(line)
    findings = record.get("findings", [])
    cells = []
    for _, key in COLUMNS:
        if key in ("findings", "labels"):
            cells.append(json.dumps(record.get(key, [] if key == "findings" else {}), ensure_ascii=False))
        elif key is None:
            cells.append(None)  # filled below
        else:
            cells.append(record.get(key, ""))
    cells[5] = len(findings)
    cells[6] = "、".join(sorted({f["category"] for f in findings}))
    return cells


def write_posts(lines: Iterable[str], target: IO[bytes], suffix: str) -> int:
    """Write JSON lines to ``target`` as ``suffix`` (.jsonl, .csv or .xlsx); return the rows written."""
    count = 0
    if suffix == ".jsonl":
        for line in lines:
            target.write(line.encode("utf-8"))
            count += 1
        return count
    if suffix == ".csv":
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow([name for name, _ in COLUMNS])
        for line in lines:
            writer.writerow(_row(line))
            count += 1
        text.flush()
        text.detach()
        return count
    if suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("逐条检测结果")
        sheet.append([name for name, _ in COLUMNS])
        for line in lines:
            sheet.append(_row(line))
            count += 1
        book.save(target)
        return count
    raise ValueError(f"逐条结果的文件类型须为 {'、'.join(FORMATS)} 之一")
