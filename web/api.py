"""The JSON API for CMS integration (issue 4 section 4), authenticated by bearer tokens.

Request bodies are checked against the JSON Schemas below before any work is done; the same
schemas are published in the OpenAPI document, so the contract and the check cannot drift apart.
Every refusal is ``{"error": <stable code>, "message": <Chinese>}``; no input yields a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from reviewer import workflow
from reviewer.errors import NOT_BLANK_PATTERN, STORABLE_PATTERN, ReviewerError, WorkflowError
from reviewer.vocabulary import GATES, KINDS
from reviewer.web import db_session
from reviewer.web.apiauth import api_error, require_token
from reviewer.web.errors import status_of
from reviewer.web.review_schemas import AFTERCARE_SCHEMAS, LEVEL_SCHEMAS
from reviewer.web.security import public
from reviewer.workflow import MAX_ID

bp = Blueprint("api", __name__, url_prefix="/api/v1")

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TEXT_LIMITS = workflow.LIMITS

#: Request body schemas by name; referenced from the OpenAPI document as components.
SCHEMAS: dict[str, dict] = {
    "TokenRequest": {
        "type": "object",
        "required": ["username", "password"],
        "additionalProperties": False,
        "properties": {
            "username": {"type": "string", "minLength": 1, "maxLength": 100},
            "password": {"type": "string", "minLength": 1, "maxLength": 1000},
        },
    },
    "CheckRequest": {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "maxLength": TEXT_LIMITS["body"]},
            "kind": {"enum": list(KINDS), "default": "post"},
            "duty": {"type": ["string", "null"], "maxLength": 2000},
            "account_id": {**ID, "description": "judge against this account's duty, as saving a draft would"},
        },
        "not": {"required": ["duty", "account_id"]},
    },
    "DraftCreate": {
        "type": "object",
        "required": ["account_id", "title", "body", "kind"],
        "additionalProperties": False,
        "properties": {
            "account_id": ID,
            "title": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["title"]},
            "body": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["body"]},
            "kind": {"enum": list(KINDS)},
            "citizen_message": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["citizen_message"],
                                "description": "群众留言，仅留言回复（reply）可填"},
        },
        "if": {"properties": {"kind": {"const": "post"}}},
        "then": {"properties": {"citizen_message": {"type": "null"}}},
    },
    "DraftEdit": {
        "type": "object",
        "required": ["title", "body", "base_version"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["title"]},
            "body": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["body"]},
            "base_version": ID,
            "citizen_message": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["citizen_message"]},
        },
    },
    "SignOffRequest": {
        "type": "object",
        "required": ["version", "level", "gate", "decision"],
        "additionalProperties": False,
        # a return tells the author what to change: a comment with some text in it
        "if": {"properties": {"decision": {"const": "reject"}}},
        "then": {"required": ["comment"], "properties": {"comment": {"type": "string", "pattern": NOT_BLANK_PATTERN}}},
        "properties": {
            "version": ID,
            "level": {"type": "integer", "minimum": 1, "maximum": 3},
            "gate": {"enum": list(GATES)},
            "decision": {"enum": ["approve", "reject"]},
            "comment": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["comment"]},
            "overrides": {
                "type": "object",
                "propertyNames": {"pattern": "^[1-9][0-9]{0,9}$"},
                "additionalProperties": {"type": "string", "maxLength": TEXT_LIMITS["reason"]},
            },
            "consents": {
                "type": "object",
                "description": "需单位同意的问题（案件、灾情疫情、统计、环保测评数据，三安全一稳定）：问题编号 → 同意人与同意日期",
                "propertyNames": {"pattern": "^[1-9][0-9]{0,9}$"},
                "additionalProperties": {
                    "type": "object", "required": ["approver", "approved_on"], "additionalProperties": False,
                    "properties": {"approver": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS["approver"]},
                                   "approved_on": {"type": "string", "format": "date"}},
                },
            },
        },
    },
    "PublishRequest": {
        "type": "object",
        "required": ["version"],
        "additionalProperties": False,
        "properties": {
            "version": ID,
            "url": {"type": ["string", "null"], "maxLength": TEXT_LIMITS["url"]},
        },
    },
    # One citizen's message (issue 15), served by web/messages_api.py.
    "MessageCreate": {
        "type": "object",
        "required": ["account_id", "received_at", "text"],
        "additionalProperties": False,
        "properties": {
            "account_id": ID,
            "received_at": {"type": "string", "format": "date-time", "maxLength": 40,
                            "description": "收到时间（RFC 3339；也接受不带时区的 YYYY-MM-DD HH:MM，按北京时间）。"
                                           "晚于现在，或工作日历未收录该年时，返回 409"},
            "text": {"type": "string", "minLength": 1, "maxLength": 5000, "allOf": [{"pattern": NOT_BLANK_PATTERN}],
                     "description": "群众留言原文"},
            "contact": {"type": ["string", "null"], "maxLength": 200, "description": "联系方式（可不填）"},
        },
    },
}
#: Storable text only: no NUL, no lone surrogate (refused at the edge, so the contract says so).
STORABLE = STORABLE_PATTERN


def _storable(schema: Any) -> Any:
    """Every string in ``schema`` gets the STORABLE pattern (the document then tells clients the truth)."""
    if isinstance(schema, dict):
        kinds = schema.get("type")
        if (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and "format" not in schema:
            schema.setdefault("pattern", STORABLE)
        for value in schema.values():
            _storable(value)
    elif isinstance(schema, list):
        for item in schema:
            _storable(item)
    return schema


SCHEMAS.update(LEVEL_SCHEMAS)  # the level action's request (reviewer.web.review_api)
SCHEMAS.update(AFTERCARE_SCHEMAS)  # 更正, 撤稿, 双向反馈 (reviewer.web.aftercare_api)
for _schema in SCHEMAS.values():
    _storable(_schema)
VALIDATORS = {name: Draft202012Validator(schema) for name, schema in SCHEMAS.items()}


def _integral(value: Any) -> Any:
    """JSON Schema counts 225.0 as the integer 225, so the API treats it as one, everywhere."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value
TYPE_NAMES = {"string": "文本", "integer": "整数", "object": "对象", "array": "数组", "null": "空值",
              "boolean": "布尔值", "number": "数字"}


def _describe(error: ValidationError) -> tuple[str, str]:
    """A stable code and a Chinese sentence for the first schema violation."""
    where = ".".join(str(p) for p in error.absolute_path) or "请求体"
    kind = error.validator
    in_then = "then" in error.schema_path  # a return's comment, of the request or of one gate of a level
    if in_then and ("comment" in error.validator_value if kind == "required" else list(error.absolute_path)[-1:] == ["comment"]):
        return "comment_required", "退回稿件时必须填写审核意见，告诉作者需要修改什么。"
    if kind == "required":
        missing = next((f for f in error.validator_value if f not in (error.instance or {})), "?")
        return "missing_field", f"缺少必填字段：{missing}。"
    if kind == "additionalProperties" and error.absolute_path == error.relative_path and not error.path:
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return "unknown_field", f"不认识的字段：{', '.join(map(str, extra))[:200]}。"
    if kind == "type" and error.validator_value == "null" and list(error.absolute_path) == ["citizen_message"]:
        return "invalid_input", "只有留言回复类稿件（reply）才能填写群众留言。"
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return "invalid_type", f"字段 {where} 的类型应为{'或'.join(TYPE_NAMES.get(t, t) for t in wanted)}。"
    if kind == "enum":
        return "invalid_value", f"字段 {where} 的取值应为：{'、'.join(map(str, error.validator_value))}。"
    if kind in ("minimum", "maximum"):
        return "invalid_value", f"字段 {where} 超出允许范围。"
    if kind == "minLength":
        return "invalid_value", f"字段 {where} 不能为空。"
    if kind == "maxLength":
        return "too_long", f"字段 {where} 过长，上限 {error.validator_value} 字。"
    if kind == "not":
        together = error.validator_value.get("required", [])
        return "invalid_input", f"字段 {'、'.join(together)} 不能同时给出。"
    if kind == "pattern" and error.validator_value == NOT_BLANK_PATTERN:
        return "invalid_value", f"字段 {where} 不能为空白。"
    if kind == "pattern" and error.validator_value == STORABLE:
        return "invalid_characters", f"字段 {where} 含有不能保存的字符（空字符或代理字符）。"
    if kind == "propertyNames":
        return "invalid_value", "放行理由的键必须是问题编号（正整数）。"
    return "invalid_input", f"字段 {where} 不符合要求。"


def json_body(schema: str) -> dict:
    """The request's JSON object, validated; raises WorkflowError (400/422) otherwise."""
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:
        data = None
    if data is None:
        raise WorkflowError("invalid_json", "请求体必须是有效的 JSON（UTF-8 编码）。")
    if not isinstance(data, dict):
        raise WorkflowError("invalid_json", "请求体必须是 JSON 对象。")
    try:
        data = _integral(data)
        error = next(iter(sorted(VALIDATORS[schema].iter_errors(data), key=lambda e: e.path)), None)
    except RecursionError:
        raise WorkflowError("invalid_json", "请求体嵌套过深。") from None
    if error is not None:
        code, message = _describe(error)
        raise WorkflowError(code, message)
    return data


def _ip() -> str | None:
    return request.remote_addr


@bp.errorhandler(ReviewerError)
def _reviewer_error(exc: ReviewerError) -> Any:
    return api_error(exc.code, exc.message, status_of(exc))


@bp.post("/tokens")
@public
def create_token() -> Any:
    """Exchange a username and password for a bearer token (shown once, stored hashed)."""
    from reviewer.admin.security import AuthError, issue_token

    data = json_body("TokenRequest")
    session = db_session()
    try:
        plain = issue_token(session, data["username"], data["password"], ip=_ip())
    except AuthError as exc:
        session.commit()  # keep the failure count and its audit entry although we answer 401
        return api_error(exc.code, exc.message, 401)
    return jsonify({"token": plain}), 201


@bp.get("/tokens")
@require_token("session")
def list_tokens() -> Any:
    """The caller's own tokens (never the secret): when made, last used, expiry, whether still live."""
    from reviewer.admin.tokens import list_tokens as tokens_of

    current = g.api_token.id
    return jsonify([{**t.to_dict(), "current": t.id == current} for t in tokens_of(db_session(), g.api_user)])


@bp.delete("/tokens/<int:token_id>")
@require_token("session")
def revoke_token(token_id: int) -> Any:
    """Revoke one of the caller's tokens (an admin may revoke anyone's: ``?user=<username>``)."""
    from reviewer.admin import tokens, users
    from reviewer.permissions import allows

    session = db_session()
    owner = g.api_user
    if request.args.get("user") and request.args["user"] != owner.username:
        if not allows(g.api_roles, "admin.manage"):
            return api_error("forbidden_role", "只有管理员可以吊销他人的令牌。", 403)
        owner = users.get_user(session, request.args["user"])
    revoked = tokens.revoke(session, g.api_user, owner, token_id, ip=_ip())
    return jsonify({"id": token_id, "revoked": True, "count": revoked})


@bp.get("/accounts")
@require_token("draft.read")
def accounts() -> Any:
    """The accounts the caller may write for."""
    session = db_session()
    from reviewer.storage import Unit

    units = {u.id: u.name for u in session.query(Unit)}
    return jsonify([
        {"id": a.id, "name": a.name, "platform": a.platform, "unit": units.get(a.unit_id),
         "review_levels": a.review_levels, "department": a.department}
        for a in workflow.visible_accounts(session, g.api_user)
    ])


@bp.post("/check")
@require_token("text.check")
def check() -> Any:
    """Review a text without storing it: the report of ``reviewer check --format json``, each finding
    with the database lexicon version it was found with.

    With ``account_id`` the classifier judges against that account's duty, as saving a draft would.
    """
    data = json_body("CheckRequest")
    checked = workflow.check_text(db_session(), g.api_user, data.get("account_id"), None, data["text"],
                                  data.get("kind", "post"), duty=data.get("duty"))
    report = checked.reports["body"].to_dict()
    for finding in report["findings"]:
        finding["lexicon_version"] = checked.lexicon_version
    return jsonify(report)


@bp.get("/drafts")
@require_token("draft.read")
def list_drafts() -> Any:
    """Drafts of the caller's units, optionally filtered by ``?status=``."""
    status = request.args.get("status") or None
    return jsonify(workflow.list_drafts(db_session(), g.api_user, status))


@bp.get("/queue")
@require_token("draft.sign")
def queue() -> Any:
    """Drafts waiting for the caller's signature, with the levels open to them."""
    return jsonify(workflow.review_queue(db_session(), g.api_user))


@bp.post("/drafts")
@require_token("draft.write")
def create_draft() -> Any:
    """Create a draft (version 1, findings attached)."""
    data = json_body("DraftCreate")
    session = db_session()
    draft = workflow.create_draft(session, g.api_user, data["account_id"], data["title"], data["body"],
                                  data["kind"], data.get("citizen_message"), ip=_ip())
    return jsonify({"id": draft.id, "version": draft.current_version, "status": draft.status}), 201


@bp.get("/drafts/<int:draft_id>")
@require_token("draft.read")
def get_draft(draft_id: int) -> Any:
    """Status, versions, findings, sign-offs and publication of one draft."""
    session = db_session()
    draft = workflow.get_draft(session, g.api_user, draft_id)
    return jsonify(workflow.draft_state(session, draft))


@bp.put("/drafts/<int:draft_id>")
@require_token("draft.write")
def edit_draft(draft_id: int) -> Any:
    """Save an edit as a new version, or 409 when ``base_version`` is no longer current."""
    data = json_body("DraftEdit")
    session = db_session()
    version = workflow.retrying(session, workflow.edit_draft, g.api_user, draft_id, data["title"], data["body"],
                                data["base_version"], data.get("citizen_message"), ip=_ip())
    draft = workflow.get_draft(session, g.api_user, draft_id)
    findings = workflow.draft_state(session, draft)["findings"]
    return jsonify({"id": draft.id, "version": version.number, "status": draft.status, "sha256": version.sha256,
                    "findings": findings})


@bp.post("/drafts/<int:draft_id>/submit")
@require_token("draft.write")
def submit(draft_id: int) -> Any:
    """Send the current version to review; answers with its findings (each with an id)."""
    session = db_session()
    body = request.get_json(silent=True)  # optional {"confirm": false}: refuse (409) while block findings remain
    confirm = body.get("confirm") if isinstance(body, dict) and isinstance(body.get("confirm"), bool) else None
    draft = workflow.retrying(session, workflow.submit, g.api_user, draft_id, ip=_ip(), confirm_blocks=confirm)
    state = workflow.draft_state(session, draft)
    return jsonify({"id": draft.id, "version": draft.current_version, "status": draft.status,
                    "findings": state["findings"]})


@bp.post("/drafts/<int:draft_id>/signoffs")
@require_token("draft.sign")
def sign_off(draft_id: int) -> Any:
    """One decision at one level and gate of the current version."""
    data = json_body("SignOffRequest")
    session = db_session()
    request_ = workflow.SignOffRequest(data["version"], data["level"], data["gate"], data["decision"],
                                       data.get("comment"), data.get("overrides"), data.get("consents"))
    row = workflow.retrying(session, workflow.sign_off, g.api_user, draft_id, request_, ip=_ip())
    draft = workflow.get_draft(session, g.api_user, draft_id)
    return jsonify({"id": row.id, "version": data["version"], "level": row.level, "gate": row.gate,
                    "decision": row.decision, "status": draft.status}), 201


@bp.post("/drafts/<int:draft_id>/publish")
@require_token("draft.publish")
def publish(draft_id: int) -> Any:
    """Publish an approved version; 403/409 with the reason otherwise."""
    data = json_body("PublishRequest")
    session = db_session()
    publication = workflow.retrying(session, workflow.publish, g.api_user, draft_id, data["version"],
                                    data.get("url"), ip=_ip())
    return jsonify({"id": draft_id, "version": data["version"], "status": "published", "url": publication.url,
                    "published_at": publication.published_at.isoformat()})


@bp.get("/openapi.json")
@public
def openapi() -> Any:
    """The OpenAPI 3.1 description of every route under /api/v1."""
    from reviewer.web.openapi import document

    return jsonify(document(SCHEMAS))
