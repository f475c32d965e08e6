"""The OpenAPI 3.1 document of /api/v1, assembled from a table of routes and the request schemas.

A test compares the paths here with the Flask URL map, so a route cannot be added or removed
without the document following.
"""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
FINDING = {
    "type": "object",
    "properties": {name: {"type": kind} for name, kind in (
        ("id", "integer"), ("start", "integer"), ("end", "integer"), ("text", "string"),
        ("category", "string"), ("gate", "string"), ("severity", "string"), ("rule", "string"),
        ("suggestion", ["string", "null"]), ("source", "string"), ("note", ["string", "null"]))},
}
REPORT = {
    "type": "object",
    "required": ["verdict", "findings", "labels"],
    "properties": {
        "verdict": {"enum": ["pass", "review", "block"]},
        "findings": {"type": "array", "items": FINDING},
        "labels": {"type": "object", "additionalProperties": {"type": "number"}},
    },
}
AUDIT_FILTERS = ("since", "until", "unit_id", "account_id", "user", "event", "gate", "draft_id", "format")


def _obj(**props: Any) -> dict:
    return {"type": "object", "properties": props}


#: (path, method, summary, request schema name or None, success status, success schema, roles, errors)
ROUTES: tuple[tuple[str, str, str, str | None, str, dict, tuple[str, ...], tuple[str, ...]], ...] = (
    ("/api/v1/tokens", "post", "用户名和密码换取接口令牌", "TokenRequest", "201",
     _obj(token={"type": "string"}), (), ("400", "401", "422")),
    ("/api/v1/accounts", "get", "可用的账号列表", None, "200",
     {"type": "array", "items": _obj(id={"type": "integer"}, name={"type": "string"},
                                     platform={"type": "string"}, unit={"type": "string"},
                                     review_levels={"type": "integer"})}, ("*",), ("401",)),
    ("/api/v1/check", "post", "检测一段文本（与 reviewer check 的 JSON 报告相同）", "CheckRequest", "200",
     REPORT, ("*",), ("400", "401", "422")),
    ("/api/v1/drafts", "get", "本单位稿件列表（可按 status 过滤）", None, "200",
     {"type": "array", "items": {"type": "object"}}, ("*",), ("401", "422")),
    ("/api/v1/drafts", "post", "新建稿件（第 1 版，附检测结果）", "DraftCreate", "201",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"type": "string"}),
     ("editor",), ("400", "401", "403", "404", "422")),
    ("/api/v1/drafts/{draft_id}", "get", "稿件详情：状态、版本、问题、签批、发布", None, "200",
     {"type": "object"}, ("*",), ("401", "404")),
    ("/api/v1/drafts/{draft_id}", "put", "修改稿件，生成新版本；基准版本过期时 409", "DraftEdit", "200",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"type": "string"},
          sha256={"type": "string"}, findings={"type": "array", "items": FINDING}),
     ("editor",), ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/submit", "post", "提交审核", None, "200",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"const": "in_review"},
          findings={"type": "array", "items": FINDING}), ("editor",), ("401", "403", "404", "409")),
    ("/api/v1/drafts/{draft_id}/signoffs", "post", "签批某一级某一关", "SignOffRequest", "201",
     _obj(id={"type": "integer"}, version={"type": "integer"}, level={"type": "integer"},
          gate={"type": "string"}, decision={"type": "string"}, status={"type": "string"}),
     ("reviewer",), ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/drafts/{draft_id}/publish", "post", "发布已通过全部审核的版本", "PublishRequest", "200",
     _obj(id={"type": "integer"}, version={"type": "integer"}, status={"const": "published"},
          url={"type": ["string", "null"]}, published_at={"type": "string"}),
     ("publisher",), ("400", "401", "403", "404", "409", "422")),
    ("/api/v1/queue", "get", "待我签批的稿件", None, "200",
     {"type": "array", "items": {"type": "object"}}, ("reviewer",), ("401", "403")),
    ("/api/v1/audit", "get", "审计日志（按条件过滤，可导出 json/csv/jsonl/xlsx）", None, "200",
     {"type": "array", "items": {"type": "object"}}, ("auditor", "admin"), ("401", "403", "422")),
    ("/api/v1/openapi.json", "get", "本文档", None, "200", {"type": "object"}, (), ()),
)
ERROR_TEXT = {"400": "请求体不是有效的 JSON 对象", "401": "缺少或无效的令牌、用户名或密码错误",
              "403": "角色、单位或职责分离规则不允许", "404": "不存在或不属于您的单位",
              "409": "版本已过期或状态不允许", "422": "字段缺失、类型错误、取值无效或缺少放行理由"}


def _parameters(path: str, method: str) -> list[dict]:
    params = []
    if "{draft_id}" in path:
        params.append({"name": "draft_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1}})
    if path == "/api/v1/drafts" and method == "get":
        params.append({"name": "status", "in": "query", "required": False,
                       "schema": {"enum": ["draft", "in_review", "returned", "approved", "published"]}})
    if path == "/api/v1/audit":
        params.extend({"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                      for name in AUDIT_FILTERS)
    return params


def document(schemas: dict[str, dict]) -> dict:
    """The OpenAPI document for the request ``schemas`` given (those the API validates with)."""
    paths: dict[str, dict] = {}
    for path, method, summary, body, status, response, roles, errors in ROUTES:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {status: {"description": "成功", "content": {"application/json": {"schema": response}}}},
        }
        operation["responses"].update({
            code: {"description": ERROR_TEXT[code], "content": {"application/json": {"schema": ERROR}}}
            for code in errors
        })
        if roles:
            operation["security"] = [{"bearer": []}]
            if roles != ("*",):
                operation["x-roles"] = list(roles)
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
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
            },
        },
    }
