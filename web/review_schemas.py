"""The request schemas of the level action (``POST /api/v1/drafts/<id>/levels``) and of the
after-publishing actions (更正, 撤稿, 双向反馈), kept apart from their routes so that
``reviewer.web.api`` can list them among the schemas it validates with and publishes."""

from __future__ import annotations

from reviewer import workflow
from reviewer.errors import NOT_BLANK_PATTERN
from reviewer.vocabulary import FINDING_FIELDS, GATES, POST_CHECK_ITEM_NAMES
from reviewer.workflow import MAX_ID

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TEXT_LIMITS = workflow.LIMITS
_ids = {"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]{0,9}$"}}
GATE_DECISION = {
    "type": "object",
    "required": ["decision"],
    "additionalProperties": False,
    # a returned gate tells the author what to change: a comment with some text in it
    "if": {"properties": {"decision": {"const": "reject"}}},
    "then": {"required": ["comment"], "properties": {"comment": {"type": "string", "pattern": NOT_BLANK_PATTERN}}},
    "properties": {
        "decision": {"enum": ["approve", "reject"]},
        "comment": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["comment"], "description": "退回时必填（或在该关划选原文写意见）"},
        "overrides": {**_ids, "additionalProperties": {"type": "string", "maxLength": TEXT_LIMITS["reason"]},
                      "description": "本关“禁止发布”级问题的放行理由：问题编号 → 理由"},
        "consents": {**_ids, "additionalProperties": {
            "type": "object", "required": ["approver", "approved_on"], "additionalProperties": False,
            "properties": {"approver": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["approver"]},
                           "approved_on": {"type": "string", "format": "date"}}},
            "description": "需单位同意的问题：问题编号 → 同意人与同意日期"},
    },
}
LEVEL_SCHEMA = {
    "type": "object",
    "required": ["version", "level", "gates"],
    "additionalProperties": False,
    "description": "一次签署一级的多个关口（通常五关）：未列出的关口本次不签署；有关口退回即退回稿件。"
                   "各关按单独签署的同样规则检查，部分关口被拒绝时整体不签署，逐关说明原因。",
    "properties": {
        "version": ID,
        "level": {"type": "integer", "minimum": 1, "maximum": 3},
        "gates": {"type": "object", "minProperties": 1, "additionalProperties": False,
                  "properties": {gate: GATE_DECISION for gate in GATES}},
        "comment": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["comment"], "description": "本级意见（总评）"},
        "notes": {"type": "array", "maxItems": workflow.levels.MAX_NOTES, "description": "划选原文的意见",
                  "items": {"type": "object", "required": ["field", "start", "end", "comment"], "additionalProperties": False,
                            "properties": {"field": {"enum": list(FINDING_FIELDS)}, "start": {"type": "integer", "minimum": 0},
                                           "end": {"type": "integer", "minimum": 1},
                                           "comment": {"type": "string", "maxLength": TEXT_LIMITS["comment"],
                                                       "allOf": [{"pattern": NOT_BLANK_PATTERN}]},
                                           "gate": {"enum": list(GATES), "default": "text"}}}},
    },
}
#: Added to ``reviewer.web.api.SCHEMAS``.
LEVEL_SCHEMAS: dict[str, dict] = {"LevelSignOffRequest": LEVEL_SCHEMA}

_REASON = {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["reason"]}
#: 更正, 撤稿 and the 双向反馈 check (``reviewer.web.aftercare_api``).
AFTERCARE_SCHEMAS: dict[str, dict] = {
    "CorrectionRequest": {
        "type": "object", "required": ["reason"], "additionalProperties": False,
        "description": "新建更正稿：与原稿关联，须重新经过全部审核后发布；标题、正文不填则取已发布的内容",
        "properties": {"reason": {**_REASON, "description": "更正原因"},
                       "title": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["title"]},
                       "body": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["body"]}},
    },
    "PostWithdrawalRequest": {
        "type": "object", "required": ["reason"], "additionalProperties": False,
        "description": "登记撤稿：谁、为什么、何时撤下已发布的稿件",
        "properties": {"reason": {**_REASON, "description": "撤稿原因"}},
    },
    "PostCheckRequest": {
        "type": "object", "required": ["items"], "additionalProperties": False,
        "description": "双向反馈核查：逐项填写正常（ok: true）或有问题（ok: false，须写说明）",
        "properties": {"items": {
            "type": "object", "required": list(POST_CHECK_ITEM_NAMES), "additionalProperties": False,
            "properties": {item: {"type": "object", "required": ["ok"], "additionalProperties": False, "description": name,
                                  "properties": {"ok": {"type": "boolean"},
                                                 "note": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["reason"]}}}
                           for item, name in POST_CHECK_ITEM_NAMES.items()}}},
    },
}
