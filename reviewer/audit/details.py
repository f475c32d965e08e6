"""An entry's details as auditors read them: Chinese field names and values, hashes kept whole.

Details are stored as canonical JSON with stable English keys and codes (the chain hashes them);
this module only words them for people, from the ``[details]`` and ``[detail_values]`` tables of
``audit_events.toml`` and the vocabulary's names of gates, decisions, roles, kinds and statuses.
Empty values (no comment, no overrides) are left out: they say nothing.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from reviewer.audit.chain import event_names
from reviewer.vocabulary import DECISION_NAMES, FIELD_NAMES, GATE_NAMES, KIND_NAMES, ROLE_NAMES, SEVERITY_NAMES, STATUS_NAMES

HASH_RE = re.compile(r"[0-9a-f]{64}")
#: How many characters of a hash a table shows; the whole hash is kept for copying.
SHORT_HASH = 12
_CODES_BY_KEY = {"decision": DECISION_NAMES, "gate": GATE_NAMES, "kind": KIND_NAMES, "status": STATUS_NAMES,
                 "roles": ROLE_NAMES, "added": ROLE_NAMES, "removed": ROLE_NAMES, "field": FIELD_NAMES}


@dataclass(frozen=True)
class Detail:
    """One field of an entry's details: its Chinese label, its value as text, and a full hash if it is one."""

    label: str
    text: str
    full_hash: str | None = None


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    data = tomllib.loads(files("reviewer").joinpath("audit_events.toml").read_text(encoding="utf-8"))
    return dict(data.get("details", {})), dict(data.get("detail_values", {}))


def label(key: str) -> str:
    """The Chinese name of a details key (the key itself when none is listed)."""
    return _tables()[0].get(key, key)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def short_hash(value: str) -> str:
    return value[:SHORT_HASH] + "…"


def _word(key: str, value: Any) -> str:
    """A value as Chinese text; codes named, nested mappings as 名称：值, lists joined with 、."""
    names = _CODES_BY_KEY.get(key) or (event_names() if key == "event" else None)
    values = _tables()[1]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if HASH_RE.fullmatch(value):
            return short_hash(value)
        if names and value in names:
            return names[value]
        return values.get(value, value)
    if isinstance(value, list):
        return "、".join(_word(key, item) for item in value)
    if isinstance(value, dict):
        if key == "by_gate_severity":
            return "，".join(_gate_severity(code, n) for code, n in value.items())
        if key == "by_field":
            return "，".join(f"{FIELD_NAMES.get(k, k)} {n}" for k, n in value.items())
        if key in ("overrides", "consents"):
            return "；".join(f"#{k}：{_word(key, v)}" for k, v in value.items())
        return "，".join(f"{label(k)}：{_word(k, v)}" for k, v in value.items() if not _empty(v))
    return str(value)


def _gate_severity(code: str, count: Any) -> str:
    gate, _, severity = code.partition("/")
    return f"{GATE_NAMES.get(gate, gate)}{SEVERITY_NAMES.get(severity, severity)} {count}"


def describe(details: str | dict | None) -> list[Detail]:
    """The details of one entry (JSON text or dict) as labelled Chinese fields, in stored order."""
    if not details:
        return []
    data = json.loads(details) if isinstance(details, str) else details
    if not isinstance(data, dict):
        return [Detail("详情", str(data))]
    out = []
    for key, value in data.items():
        if _empty(value):
            continue
        full = value if isinstance(value, str) and HASH_RE.fullmatch(value) else None
        out.append(Detail(label(key), _word(key, value), full))
    return out


def as_text(details: str | dict | None, limit: int = 300) -> str:
    """The details on one line, 名称：值；名称：值 (cut at ``limit`` characters)."""
    text = "；".join(f"{d.label}：{d.text}" for d in describe(details))
    return text if len(text) <= limit else text[:limit] + "…"
