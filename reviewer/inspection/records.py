"""Reading exported account histories: CSV, JSONL or XLSX, one record at a time.

Columns: id, account, platform, unit, published_at, title, text, kind (post|reply|unanswered),
is_original (optional), message_at (replies: when the citizen's message arrived). A row of kind
``unanswered`` is a citizen's message that had no published reply when the history was taken:
``message_at`` is when it arrived, ``published_at`` when the history was taken (the moment by which
there was still no reply), and its text (the citizen's, not the account's) is not reviewed. A row that cannot be
inspected (no text, a date that does not parse, an unknown kind) is not an error of the run: it
is yielded as a ``BadRow`` naming its file and line, and the scan goes on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from reviewer.vocabulary import KINDS

LOCAL_TZ = timezone(timedelta(hours=8), "北京时间")
#: A citizen's message still unanswered when the history was taken (not a publication of the account).
UNANSWERED = "unanswered"
ROW_KINDS: tuple[str, ...] = (*KINDS, UNANSWERED)
COLUMNS = ("id", "account", "platform", "unit", "published_at", "title", "text", "kind", "is_original", "message_at")
TRUE = frozenset({"1", "true", "yes", "y", "是", "原创", "t"})
FALSE = frozenset({"0", "false", "no", "n", "否", "转载", "f", ""})


@dataclass(frozen=True)
class Record:
    """One published post or reply of an account."""

    id: str
    account: str
    platform: str
    unit: str
    published_at: datetime
    title: str
    text: str
    kind: str
    is_original: bool | None
    message_at: datetime | None
    where: str


@dataclass(frozen=True)
class BadRow:
    """A row that could not be inspected, and why (Chinese)."""

    where: str
    reason: str


def parse_time(value: object) -> datetime | None:
    """A timestamp as exported (ISO, 'YYYY-MM-DD HH:MM[:SS]', 'YYYY/MM/DD', or a spreadsheet datetime).

    Times without a zone are Beijing time. Returns None for blank values; raises ValueError otherwise.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().replace("/", "-").replace("Z", "+00:00")
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


def _flag(value: object) -> bool | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return None if text == "" else False
    raise ValueError(value)


def to_record(row: dict, where: str) -> Record | BadRow:
    """Check one row; a ``BadRow`` says what is wrong with it."""
    kind = str(row.get("kind") or "post").strip().lower()
    if kind not in ROW_KINDS:
        return BadRow(where, f"稿件类型“{kind}”无效，应为 post、reply 或 unanswered（未答复的留言）")
    text = str(row.get("text") or "").strip()
    if not text and kind != UNANSWERED:
        return BadRow(where, "正文为空")
    account = str(row.get("account") or "").strip()
    if not account:
        return BadRow(where, "没有账号名称")
    try:
        published_at = parse_time(row.get("published_at"))
    except ValueError:
        return BadRow(where, f"发布时间无法识别：{row.get('published_at')!r}")
    if published_at is None:
        return BadRow(where, "没有发布时间")
    try:
        message_at = parse_time(row.get("message_at")) if kind != "post" else None
    except ValueError:
        return BadRow(where, f"留言时间无法识别：{row.get('message_at')!r}")
    if kind == UNANSWERED and message_at is None:
        return BadRow(where, "未答复的留言没有留言时间")
    try:
        original = _flag(row.get("is_original"))
    except ValueError:
        return BadRow(where, f"是否原创无法识别：{row.get('is_original')!r}")
    return Record(str(row.get("id") or where), account, str(row.get("platform") or "").strip(),
                  str(row.get("unit") or "").strip(), published_at, str(row.get("title") or ""), text, kind,
                  original, message_at, where)


def _rows(path: Path) -> Iterator[tuple[int, dict]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError:
                        yield number, {"__bad__": "不是有效的 JSON"}
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                yield number, row
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = book.active.iter_rows(values_only=True)
            header = [str(h or "").strip() for h in next(rows, ())]
            for number, values in enumerate(rows, 2):
                if any(v not in (None, "") for v in values):
                    yield number, dict(zip(header, values, strict=False))
        finally:
            book.close()
    else:
        raise ValueError(f"不支持的文件类型：{path.name}（应为 .csv、.jsonl 或 .xlsx）")


def rows(paths: list[Path]) -> Iterator[tuple[str, dict]]:
    """Every row of every file, in order, as (file:line, row); a row that is not even readable
    carries the reason under ``__bad__``."""
    for path in paths:
        for number, row in _rows(path):
            yield f"{path.name}:{number}", row


def account_of(row: dict) -> str:
    """The account a raw row belongs to ('' when it names none): what partitions a history."""
    return "" if "__bad__" in row else str(row.get("account") or "").strip()


def read(paths: list[Path]) -> Iterator[Record | BadRow]:
    """Every row of every file, in order, as a Record or a BadRow."""
    for where, row in rows(paths):
        yield BadRow(where, row["__bad__"]) if "__bad__" in row else to_record(row, where)
