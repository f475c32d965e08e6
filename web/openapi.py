"""The OpenAPI 3.1 document of /api/v1, assembled from a table of routes and the request schemas.

A test compares the paths here with the Flask URL map, so a route cannot be added or removed
without the document following.
"""

from __future__ import annotations

import re
from typing import Any

from reviewer.errors import STORABLE_PATTERN
from reviewer.permissions import EVERYONE, roles_for
from reviewer.storage import MAX_ID
from reviewer.vocabulary import FINDING_FIELDS, MESSAGE_STATES, ROLES
from reviewer.web.lexicon_schema import ROUTES as LEXICON_ROUTES
from reviewer.web.lexicon_schema import SCHEMAS as LEXICON_SCHEMAS

ERROR = {"$ref": "#/components/schemas/Error"}
ENGINE_FINDING = {
    "type": "object",
    "properties": {name: {"type": kind} for name, kind in (
        ("start", "integer"), ("end", "integer"), ("text", "string"),
        ("category", "string"), ("gate", "string"), ("severity", "string"), ("rule", "string"),
        ("suggestion", ["string", "null"]), ("source", "string"), ("note", ["string", "null"]),
        ("lexicon_version", ["integer", "null"]))},
}
#: A stored finding: the engine's, plus its id (for override reasons) and the field its offsets
#: point into (``title`` or ``body``; a reply's citizen message is never reviewed).
FINDING = {
    "type": "object",
    "required": ["id", "field", "start", "end", "gate", "severity"],
    "properties": {
        "id": {"type": "integer"},
        "field": {"enum": list(FINDING_FIELDS)},
        **ENGINE_FINDING["properties"],
    },
}
REPORT = {
    "type": "object",
    "required": ["verdict", "findings", "labels"],
    "properties": {
        "verdict": {"enum": ["pass", "review", "block"]},
        "findings": {"type": "array", "items": ENGINE_FINDING},
        "labels": {"type": "object", "additionalProperties": {"type": "number"}},
    },
}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_STR = {"type": ["string", "null"]}
#: One audit entry as GET /api/v1/audit returns it (the export columns, details as an object).
AUDIT_ENTRY = {
    "type": "object",
    "required": ["seq", "created_at", "local_time", "event", "event_name", "content_hash", "prev_hash",
                 "entry_hash", "mac"],
    "properties": {
        "seq": {"type": "integer", "minimum": 1},
        "created_at": {"type": "string", "description": "UTC，ISO 8601，以 Z 结尾"},
        "local_time": {"type": "string", "description": "北京时间，YYYY-MM-DD HH:MM:SS"},
        "event": {"type": "string"}, "event_name": {"type": "string"},
        "actor_id": NULLABLE_INT, "actor_name": NULLABLE_STR, "unit_id": NULLABLE_INT, "account_id": NULLABLE_INT,
        "draft_id": NULLABLE_INT, "version": NULLABLE_INT, "level": NULLABLE_INT, "gate": NULLABLE_STR,
        "details": {"type": ["object", "null"]}, "ip": NULLABLE_STR,
        **{name: {"type": "string", "pattern": "^[0-9a-f]{64}$"}
           for name in ("content_hash", "prev_hash", "entry_hash", "mac")},
    },
}
AUDIT_PAGE = {
    "type": "object",
    "required": ["count", "entries", "next_after_seq", "next"],
    "properties": {
        "count": {"type": "integer", "minimum": 0, "description": "符合条件（且在审计范围内）的条目总数"},
        "entries": {"type": "array", "items": AUDIT_ENTRY, "description": "按序号升序，至多 limit 条"},
        "next_after_seq": {"type": ["integer", "null"], "description": "下一页的 after_seq；没有下一页时为 null"},
        "next": {"type": ["string", "null"], "description": "下一页的相对地址；没有下一页时为 null"},
    },
}
#: Files GET /api/v1/audit streams when ``format`` is csv, jsonl or xlsx (each logged as an export).
AUDIT_FILES = {
    "text/csv": {"schema": {"type": "string", "description": "UTF-8（带 BOM），首行为中文表头"}},
    "application/x-ndjson": {"schema": {"type": "string", "description": "每行一个条目（同 entries 的元素）"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "contentMediaType":
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
}
AUDIT_SCOPE_TEXT = ("审计员只能看到本单位及下级单位的条目；登录、用户、词库等不属于任何单位的条目仅对管理员和"
                    "根单位（无上级单位）的审计员可见。筛选条件中的单位、账号或稿件不在审计范围内（或不存在）时返回 404。"
                    "format 为 csv、jsonl 或 xlsx 时返回全部符合条件的条目文件（忽略 limit 与 after_seq），并记入审计日志。")


def _obj(**props: Any) -> dict:
    return {"type": "object", "properties": props}


#: A citizen's message as the messages API shows it (text with personal data masked).
MESSAGE = _obj(id={"type": "integer"}, account_id={"type": "integer"}, unit_id={"type": "integer"},
               handler_id={"type": ["integer", "null"]}, state={"enum": list(MESSAGE_STATES)},
               received_at={"type": "string"}, due_at={"type": "string", "description": "答复期限（北京时间）"},
               text={"type": "string", "description": "留言内容，个人信息已屏蔽"}, masked={"type": "integer"},
               marks={"type": "array", "items": _obj(start={"type": "integer"}, end={"type": "integer"},
                                                     kind={"enum": ["威胁", "辱骂"]})},
               overdue={"type": "boolean"})


#: What became of a draft once published (``aftercare.state.post_state``).
POST_STATE = _obj(id={"type": "integer"}, state={"enum": ["live", "corrected", "withdrawn", "deleted", None]},
                  state_name={"type": ["string", "null"]}, withdrawal={"type": ["object", "null"]},
                  removal={"type": ["object", "null"]}, corrections={"type": "array", "items": {"type": "object"}},
                  corrects={"type": ["object", "null"]}, check={"type": ["object", "null"]},
                  check_due_at={"type": ["string", "null"]}, check_overdue={"type": "boolean"},
                  can={"type": "object", "additionalProperties": {"type": "boolean"},
                       "description": "调用者现在可以进行的操作：correct、withdraw_post、check、withdraw_draft、delete"})
AFTERCARE_ROUTES = (
    ("/api/v1/drafts/{draft_id}/after", "get", "发布后的情况：在线、已更正、已撤稿或已删除，更正关联、双向反馈核查，以及我现在可做的操作",
     None, "200", POST_STATE, ("401", "404")),
    ("/api/v1/drafts/{draft_id}/correct", "post", "更正已发布的稿件：新建关联的更正稿，须重新经过全部审核", "CorrectionRequest",
     "201", _obj(id={"type": "integer"}, corrects={"type": "integer"}, version={"type": "integer"},
                 status={"type": "string"}), ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/withdraw-post", "post", "登记撤稿（谁、为什么、何时）；撤下的稿件不再计为账号的更新",
     "PostWithdrawalRequest", "200", POST_STATE, ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/check", "post", "双向反馈核查：发布人逐项核对已发布的页面（每篇一次，超时的标为逾期）",
     "PostCheckRequest", "201", POST_STATE, ("400", "401", "403", "404", "409", "422")),
)


#: (path, method, summary, request schema name or None, success status, success schema, error statuses).
#: Who may call each operation is not listed here: it is read from the view's capability.
ROUTES: tuple[tuple[str, str, str, str | None, str, dict, tuple[str, ...]], ...] = (
    ("/api/v1/tokens", "post", "用户名和密码换取接口令牌", "TokenRequest", "201",
     _obj(token={"type": "string"}), ("400", "401", "422")),
    ("/api/v1/tokens", "get", "我的接口令牌（不含令牌本身）：创建、最近使用、到期时间与是否有效", None, "200",
     {"type": "array", "items": _obj(id={"type": "integer"}, live={"type": "boolean"}, current={"type": "boolean"},
                                     created_at={"type": "string"}, expires_at={"type": ["string", "null"]})},
     ("401",)),
    ("/api/v1/tokens/{token_id}", "delete", "吊销我的一个令牌（管理员可加 ?user= 吊销他人的令牌）", None, "200",
     _obj(id={"type": "integer"}, revoked={"type": "boolean"}, count={"type": "integer"}), ("401", "403", "404")),
    ("/api/v1/accounts", "get", "可用的账号列表", None, "200",
     {"type": "array", "items": _obj(id={"type": "integer"}, name={"type": "string"},
                                     platform={"type": "string"}, unit={"type": "string"},
                                     review_levels={"type": "integer"})}, ("401",)),
    ("/api/v1/check", "post", "检测一段文本（与 reviewer check 的 JSON 报告相同）", "CheckRequest", "200",
     REPORT, ("400", "401", "404", "422")),
    ("/api/v1/drafts", "get", "本单位稿件列表（可按 status 过滤）", None, "200",
     {"type": "array", "items": {"type": "object"}}, ("401", "422")),
    ("/api/v1/drafts", "post", "新建稿件（第 1 版，附检测结果）", "DraftCreate", "201",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"type": "string"}),
     ("400", "401", "403", "404", "422")),
    ("/api/v1/drafts/{draft_id}", "get", "稿件详情：状态、版本、问题、签批、发布", None, "200",
     _obj(id={"type": "integer"}, status={"type": "string"}, version={"type": "integer"},
          title={"type": "string"}, body={"type": "string"}, findings={"type": "array", "items": FINDING},
          versions={"type": "array", "items": _obj(number={"type": "integer"},
                                                   findings={"type": "array", "items": FINDING})},
          signoffs={"type": "array", "items": {"type": "object"}},
          missing={"type": "array", "items": _obj(level={"type": "integer"}, gate={"type": "string"})},
          open_level={"type": ["integer", "null"],
                      "description": "审核中时当前可签署的级别（各级依次进行）；否则为 null"},
          publication={"type": ["object", "null"]}),
     ("401", "404")),
    ("/api/v1/drafts/{draft_id}", "put", "修改稿件，生成新版本；基准版本过期时 409", "DraftEdit", "200",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"type": "string"},
          sha256={"type": "string"}, findings={"type": "array", "items": FINDING}),
     ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/submit", "post",
     "提交审核；可选请求体 {\"confirm\": false}：当前版本仍有“禁止发布”问题时不提交，返回 409 blocks_unconfirmed 并列出问题",
     None, "200",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"const": "in_review"},
          findings={"type": "array", "items": FINDING}), ("401", "403", "404", "409")),
    ("/api/v1/drafts/{draft_id}/signoffs", "post", "签批某一级某一关", "SignOffRequest", "201",
     _obj(id={"type": "integer"}, version={"type": "integer"}, level={"type": "integer"},
          gate={"type": "string"}, decision={"type": "string"}, status={"type": "string"}),
     ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/levels", "post",
     "一次签署某一级的多个关口（本级五关全部通过，或退回并附各关意见与划选原文的意见）：各关按单独签署的规则检查，"
     "有一关被拒绝则整体不签署，错误中的 gates 逐关说明原因", "LevelSignOffRequest", "201",
     _obj(id={"type": "integer"}, version={"type": "integer"}, level={"type": "integer"}, status={"type": "string"},
          signoffs={"type": "array", "items": _obj(id={"type": "integer"}, gate={"type": "string"},
                                                   decision={"type": "string"})}),
     ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/publish", "post", "发布已通过全部审核的版本", "PublishRequest", "200",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"const": "published"},
          url={"type": ["string", "null"]}, published_at={"type": "string"}),
     ("400", "401", "403", "404", "409", "422")),
    *AFTERCARE_ROUTES,
    ("/api/v1/queue", "get", "待我签批的稿件", None, "200",
     {"type": "array", "items": {"type": "object"}}, ("401", "403")),
    ("/api/v1/audit", "get", "审计日志（按条件过滤，分页 JSON，或导出 csv/jsonl/xlsx）", None, "200",
     AUDIT_PAGE, ("401", "403", "404", "422")),
    ("/api/v1/messages", "post", "收到一条群众留言：检查、屏蔽个人信息、标出威胁与辱骂，按账号类型定答复期限", "MessageCreate",
     "201", MESSAGE, ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/messages", "get", "本单位留言队列：未答复的按答复期限在前（可按 state 过滤，分页）", None, "200",
     _obj(total={"type": "integer"}, page={"type": "integer"}, items={"type": "array", "items": MESSAGE}),
     ("401", "403", "422")),
    ("/api/v1/openapi.json", "get", "本文档", None, "200", {"type": "object"}, ()),
)
ROUTES += LEXICON_ROUTES  # the lexicon API (web.lexicon_api)
ERROR_TEXT = {"400": "请求体不是有效的 JSON 对象", "401": "缺少或无效的令牌、用户名或密码错误",
              "403": "角色、单位或职责分离规则不允许", "404": "不存在或不属于您的单位",
              "409": "版本已过期或状态不允许", "422": "字段缺失、类型错误、取值无效或缺少放行理由"}


def _parameters(path: str, method: str) -> list[dict]:
    params = []
    if "{draft_id}" in path:
        params.append({"name": "draft_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1}})
    if "{entry_id}" in path:
        params.append({"name": "entry_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}})
    if "{token_id}" in path:
        params.append({"name": "token_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}})
        params.append({"name": "user", "in": "query", "required": False,
                       "description": "令牌所属用户名（仅管理员；默认自己）",
                       "schema": {"type": "string", "pattern": STORABLE}})
    if path == "/api/v1/drafts" and method == "get":
        params.append({"name": "status", "in": "query", "required": False,
                       "schema": {"enum": ["draft", "in_review", "returned", "approved", "published"]}})
    if path == "/api/v1/messages" and method == "get":
        params.extend([
            {"name": "state", "in": "query", "required": False,
             "schema": {"enum": list(MESSAGE_STATES)}},
            {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
            {"name": "size", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        ])
    if path == "/api/v1/audit":
        params.extend({"name": name, "in": "query", "required": False, "description": text, "schema": schema}
                      for name, text, schema in _audit_parameters())
    return params


#: A date or a date-time (RFC 3339), as the audit filters accept them.
MOMENT = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}


#: Query strings, like bodies, may not carry NUL or lone surrogates.
STORABLE = STORABLE_PATTERN


def _audit_parameters() -> list[tuple[str, str, dict]]:
    """(name, Chinese description, schema) of every query parameter GET /api/v1/audit reads."""
    from reviewer.audit.chain import event_names
    from reviewer.audit.exports import FORMATS
    from reviewer.vocabulary import GATES
    from reviewer.web.audit import API_DEFAULT_LIMIT, API_MAX_LIMIT

    positive = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return [
        ("since", "起始时间（含）：YYYY-MM-DD（北京时间当日零点）或 ISO 8601 时间", MOMENT),
        ("until", "结束时间：YYYY-MM-DD（含当天）或 ISO 8601 时间（不含）", MOMENT),
        ("unit_id", "单位 ID（含下级单位）", positive),
        ("account_id", "账号 ID", positive),
        ("user", "操作人用户名（精确匹配）", {"type": "string", "pattern": STORABLE}),
        ("event", "事件代码", {"enum": sorted(event_names())}),
        ("gate", "关口", {"enum": list(GATES)}),
        ("draft_id", "稿件 ID", positive),
        ("format", "json（默认，分页）或导出文件格式", {"enum": ["json", *FORMATS], "default": "json"}),
        ("limit", "每页条数（仅 json）", {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT,
                                      "default": API_DEFAULT_LIMIT}),
        ("after_seq", "只返回序号大于此值的条目（仅 json；取上一页的 next_after_seq）",
         {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0}),
    ]


def _capabilities() -> dict[tuple[str, str], str | None]:
    """(OpenAPI path, method) -> the capability its view requires, read from the running app."""
    from flask import current_app

    found: dict[tuple[str, str], str | None] = {}
    for rule in current_app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        capability = getattr(current_app.view_functions[rule.endpoint], "capability", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(path, method.lower())] = capability
    return found


def document(schemas: dict[str, dict]) -> dict:
    """The OpenAPI document for the request ``schemas`` given (those the API validates with)."""
    paths: dict[str, dict] = {}
    capabilities = _capabilities()
    for path, method, summary, body, status, response, errors in ROUTES:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {status: {"description": "成功", "content": {"application/json": {"schema": response}}}},
        }
        operation["responses"].update({
            code: {"description": ERROR_TEXT[code], "content": {"application/json": {"schema": ERROR}}}
            for code in errors
        })
        capability = capabilities.get((path, method))
        if capability is not None:
            roles = roles_for(capability)
            operation["security"] = [{"bearer": []}]
            operation["x-capability"] = capability
            if roles != EVERYONE:
                operation["x-roles"] = [r for r in ROLES if r in roles]
        if path == "/api/v1/audit":
            operation["description"] = AUDIT_SCOPE_TEXT
            operation["responses"][status]["content"].update(AUDIT_FILES)
        params = _parameters(path, method)
        if params:
            operation["parameters"] = params
        if body:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "政务新媒体发布前审核助手 API", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                **schemas,
                **LEXICON_SCHEMAS,
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
            },
        },
    }
