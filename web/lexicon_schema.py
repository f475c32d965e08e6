"""Request schemas and OpenAPI rows of the lexicon API (``web.lexicon_api``), kept apart so the
OpenAPI document can list them without importing the views."""

from __future__ import annotations

from reviewer.errors import STORABLE_PATTERN
from reviewer.vocabulary import GATES, LEXICON_ENTRY_KINDS, SEVERITIES

_TEXT = {"type": ["string", "null"], "maxLength": 2000, "pattern": STORABLE_PATTERN}
_FIELDS = {
    "term": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": STORABLE_PATTERN,
             "description": "词条（按紧凑视图匹配）；领导职务类为姓名"},
    "category": {"type": ["string", "null"], "maxLength": 100, "description": "类别（categories.tsv 的规则族），允许词不填"},
    "gate": {"enum": [*GATES, None], "description": "审核关口，空为类别默认"},
    "severity": {"enum": [*SEVERITIES, None], "description": "严重程度，空为类别默认"},
    "suggestion": {**_TEXT, "description": "修改建议；领导职务类为正确职务（多个用、分隔）"},
    "note": _TEXT,
    "unit_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**31 - 1,
                "description": "适用单位（含下级）；空为整个部署"},
}
SCHEMAS: dict[str, dict] = {
    "LexiconEntryCreate": {
        "type": "object", "required": ["term"], "additionalProperties": False,
        # a term or a disable names its family; an allow entry needs none
        "anyOf": [{"required": ["category"], "properties": {"category": {"type": "string", "minLength": 1,
                                                                        "pattern": r"\S"}}},
                  {"required": ["kind"], "properties": {"kind": {"const": "allow"}}}],
        "properties": {**_FIELDS, "kind": {"enum": list(LEXICON_ENTRY_KINDS), "default": "term",
                                           "description": "term 词条、allow 允许词、disable 停用随包词条"}},
    },
    "LexiconEntryUpdate": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "properties": {**_FIELDS, "enabled": {"type": "boolean"}},
    },
}
ENTRY = {"type": "object", "properties": {
    "id": {"type": ["integer", "null"]}, "kind": {"enum": list(LEXICON_ENTRY_KINDS)}, "term": {"type": "string"},
    "category": {"type": ["string", "null"]}, "gate": {"type": ["string", "null"]}, "severity": {"type": ["string", "null"]},
    "suggestion": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]}, "unit_id": {"type": ["integer", "null"]},
    "enabled": {"type": "boolean"}}}
#: Rows in the shape of ``web.openapi.ROUTES``.
ROUTES: tuple = (
    ("/api/v1/lexicon/entries", "get", "词库条目列表（随包与本部署、单位），可按 q、category、gate、severity、source、kind 过滤", None,
     "200", {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": ENTRY}}},
     ("401", "403")),
    ("/api/v1/lexicon/entries", "post", "新增词条、允许词或停用随包词条（下一次检测即生效）", "LexiconEntryCreate", "201",
     ENTRY, ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/lexicon/entries/{entry_id}", "put", "修改词库管理中的条目", "LexiconEntryUpdate", "200", ENTRY,
     ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/lexicon/entries/{entry_id}", "delete", "停用词库管理中的条目", None, "200", ENTRY, ("401", "403", "404")),
)
