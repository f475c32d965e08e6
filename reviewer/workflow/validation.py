"""Checks of the values a person sends: texts, kinds, versions, URLs and override reasons.

Each check returns the cleaned value or raises ``WorkflowError`` with a Chinese message naming
the field, so the pages, the API and the command line refuse the same input the same way.

May import: reviewer.errors, reviewer.vocabulary, reviewer.storage
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

from reviewer.errors import fail, unstorable_character
from reviewer.storage import MAX_ID
from reviewer.vocabulary import FIELD_NAMES, KINDS

#: Longest accepted value per text field, in characters.
LIMITS: dict[str, int] = {
    "title": 500,
    "body": 200_000,
    "citizen_message": 20_000,
    "comment": 2_000,
    "reason": 2_000,
    "url": 2_000,
    "approver": 100,
}


def valid_id(value: Any) -> int | None:
    """``value`` as a database id, or None when it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def text(name: str, value: Any, *, required: bool = True) -> str | None:
    """A text field within its limit; blank is None (refused when ``required``)."""
    return labelled_text(FIELD_NAMES[name], value, LIMITS[name], required=required)


#: The stable codes of ``labelled_text``'s refusals: (blank, not text, too long). The draft API
#: answers ``invalid_input`` for all three; the messages API names each (``MESSAGE_FIELD_CODES``).
FIELD_CODES: tuple[str, str, str] = ("invalid_input", "invalid_input", "invalid_input")
MESSAGE_FIELD_CODES: tuple[str, str, str] = ("missing_field", "invalid_type", "too_long")


def labelled_text(label: str, value: Any, limit: int, *, required: bool = True,
                  missing: str = "{label}不能为空。", codes: tuple[str, str, str] = FIELD_CODES) -> str | None:
    """Text a person typed, named ``label`` in the refusals: storable and within ``limit``.

    Blank is None, refused with ``missing`` when ``required``. The value is kept as typed (a draft's
    body keeps its spacing); callers that want it trimmed strip it. ``codes``: the stable codes of
    the blank, not-text and too-long refusals (an unstorable character is always ``invalid_characters``).
    """
    blank, not_text, too_long = codes
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise fail(blank, missing.format(label=label))
        return None
    if not isinstance(value, str):
        raise fail(not_text, f"{label}必须是文本。")
    bad = unstorable_character(value)
    if bad:
        raise fail("invalid_characters", f"{label}含有不能保存的字符：{bad}。请删除后重试。")
    if len(value) > limit:
        raise fail(too_long, f"{label}过长：{len(value)} 字，上限 {limit} 字。")
    return value


def kind(value: Any) -> str:
    """A draft kind: post or reply."""
    if value not in KINDS:
        raise fail("invalid_input", "稿件类型无效，应为 post（发布内容）或 reply（留言回复）。")
    return value


def citizen_message(kind_: str, value: Any) -> str | None:
    """The citizen's message, which only a reply carries."""
    message = text("citizen_message", value, required=False)
    if kind_ == "post" and message is not None:
        raise fail("invalid_input", "只有留言回复类稿件（reply）才能填写群众留言。")
    return message


def url(value: Any) -> str | None:
    """A publication URL (http or https, no spaces), or None."""
    found = text("url", value, required=False)
    if found is None:
        return None
    found = found.strip()
    if not found.lower().startswith(("https://", "http://")) or any(c.isspace() for c in found):
        raise fail("invalid_input", "发布链接必须是以 http:// 或 https:// 开头的网址。")
    return found


def version_number(value: Any) -> int:
    """A version number as sent by a client."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail("invalid_input", "版本号必须是整数。")
    return value


def overrides(value: Any) -> dict[int, str]:
    """Override reasons as finding id -> reason; blank reasons are dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail("invalid_override", "放行理由必须是“问题编号 → 理由”的对应表。")
    cleaned: dict[int, str] = {}
    for key, reason in value.items():
        try:
            finding_id = int(key)
        except (TypeError, ValueError):
            raise fail("invalid_override", f"问题编号“{str(key)[:20]}”无效。") from None
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            continue
        cleaned[finding_id] = text("reason", reason).strip()
    return cleaned


def consents(value: Any) -> dict[int, tuple[str, date]]:
    """Consent records as finding id -> (who approved, on which day); incomplete ones are refused."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail("invalid_consent", "单位同意记录必须是“问题编号 → {approver, approved_on}”的对应表。")
    cleaned: dict[int, tuple[str, date]] = {}
    for key, record in value.items():
        try:
            finding_id = int(key)
        except (TypeError, ValueError):
            raise fail("invalid_consent", f"问题编号“{str(key)[:20]}”无效。") from None
        if not isinstance(record, dict):
            raise fail("invalid_consent", f"问题 {finding_id} 的同意记录须写明同意人（approver）和同意日期（approved_on）。")
        approver, day = record.get("approver"), record.get("approved_on")
        if (approver is None or not str(approver).strip()) and (day is None or not str(day).strip()):
            continue
        approver = text("approver", approver)
        try:
            approved_on = date.fromisoformat(str(day or "").strip())
        except ValueError:
            raise fail("invalid_consent", f"问题 {finding_id} 的同意日期格式不正确，应为 YYYY-MM-DD。") from None
        if approved_on > date.today() + timedelta(days=1):
            raise fail("invalid_consent", f"问题 {finding_id} 的同意日期晚于今天。")
        cleaned[finding_id] = (approver.strip(), approved_on)
    return cleaned


def content_sha256(title: str, body: str, citizen_message: str | None) -> str:
    """sha256 of the canonical content: sorted-key compact JSON of title, body, citizen_message."""
    canonical = json.dumps(
        {"title": title, "body": body, "citizen_message": citizen_message},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
