"""Auditor views: the audit log in the browser and ``GET /api/v1/audit`` for auditors' tokens.

Auditors and admins may read the log (an admin could grant themselves the auditor role anyway,
and that grant would itself be logged; reading cannot change the chain). An auditor reads only the
entries of their units and the units below (reviewer.audit_scope); a unit, account or draft
outside that scope answers 404, as it does everywhere else in issue 4. Exports run as POST
forms with CSRF, are logged and committed first, then streamed from a separate read session, so
the chain lock is never held while a large file is written out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.audit import details as audit_details
from reviewer.audit import exports, keys, reconcile
from reviewer.audit import scope as audit_scope
from reviewer.errors import WorkflowError
from reviewer.storage import MAX_ID
from reviewer.vocabulary import GATE_NAMES
from reviewer.web.apiauth import api_error, require_token
from reviewer.web.errors import status_of
from reviewer.web.security import app_settings, current_actor, db, error_response, requires
from reviewer.workflow.listing import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
api_bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")

PAGE_SIZE = 50
API_DEFAULT_LIMIT = 100
API_MAX_LIMIT = 1000


def _scope() -> audit_scope.AuditScope:
    """The reader's audit scope, computed once per request (token user on the API, else the login)."""
    if "audit_scope" not in g:
        user = g.get("api_user") or current_actor()
        g.audit_scope = audit_scope.scope_for(db(), user, g.get("api_roles"))
    return g.audit_scope


def _stream(fmt: str, flt: exports.AuditFilter, name: str) -> Response:
    """A streamed download of the filtered entries in scope, read through a session of its own."""
    factory = current_app.extensions["reviewer.session_factory"]
    scope = _scope()

    def generate() -> Iterator[bytes]:
        session: Session = factory()
        try:
            yield from exports.export_chunks(session, flt, fmt, scope=scope)
        finally:
            session.close()

    response = Response(generate(), mimetype=exports.FORMATS[fmt][0])
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _log_and_commit(flt: exports.AuditFilter, fmt: str, actor: Any, via: str) -> int:
    """Record the export and commit it before anything is streamed (``exports.begin_export``)."""
    return exports.begin_export(db(), flt, fmt, scope=_scope(), actor_id=actor.id, actor_name=actor.username,
                                ip=request.remote_addr, details={"via": via})


# ---------------------------------------------------------------------------------------------
# Browser


@bp.app_template_filter("local_time")
def _local_time(moment: Any) -> str:
    return exports.local_time(moment) if moment else ""


@bp.app_template_filter("event_name")
def _event_name(code: str) -> str:
    return audit.event_names().get(code, code)


@bp.app_template_filter("details_list")
def _details_list(details: str | None) -> list[audit_details.Detail]:
    """Details JSON as Chinese labelled fields for a table cell or a timeline entry."""
    return audit_details.describe(details)


def _actor_names(session: Session, rows: list[Any]) -> dict[int, str]:
    """Display names of the people acting in ``rows`` (the log keeps their login names)."""
    from reviewer.storage import User

    ids = {row.actor_id for row in rows if row.actor_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _choices(session: Session, scope: audit_scope.AuditScope) -> dict[str, Any]:
    """The form's choices: only units and accounts within the reader's scope."""
    from reviewer.storage import Account, Unit

    unit_query = select(Unit.id, Unit.name).order_by(Unit.id)
    account_query = select(Account.id, Account.name, Account.platform).order_by(Account.id)
    if not scope.unlimited:
        unit_query = unit_query.where(Unit.id.in_(sorted(scope.unit_ids or ())))
        account_query = account_query.where(Account.unit_id.in_(sorted(scope.unit_ids or ())))
    unit_rows = session.execute(unit_query).all()
    accounts = session.execute(account_query).all()
    return {
        "units": unit_rows,
        "scope_text": _scope_text(scope, unit_rows),
        "scope_all": scope.unlimited,
        "accounts": accounts,
        "account_names": {a.id: a.name for a in accounts},
        "this_month": datetime.now(exports.LOCAL_TZ).strftime("%Y-%m"),
        "events": audit.event_names(),
        "gates": GATE_NAMES,
    }


def _scope_text(scope: audit_scope.AuditScope, units: list[Any]) -> str:
    """A sentence telling the reader what the log shows them."""
    if scope.unlimited:
        return "审计范围：整个部署的全部记录。"
    names = {row.id: row.name for row in units}
    shown = [names[u] for u in sorted(scope.unit_ids or ()) if u in names][:3]
    listed = "、".join(shown) + ("等" if len(scope.unit_ids or ()) > len(shown) else "")
    wide = "及登录、用户、词库等全局记录" if scope.deployment_wide else "（不含登录、用户、词库等全局记录）"
    return f"审计范围：{listed or '无'}的记录{wide}。"


def _form_values(source: Any) -> dict[str, str]:
    names = ("since", "until", "unit_id", "account_id", "user", "event", "gate", "draft_id")
    return {name: (source.get(name) or "").strip() for name in names}


def _index_page(values: dict[str, str], page: int = 1, *, forms: dict[str, Any] | None = None,
                status: int = 200, error: str | None = None) -> Any:
    """The audit log page; ``forms`` keeps what a small form (register, anchor) was sent with and its error."""
    session = db()
    scope = _scope()
    context: dict[str, Any] = {"values": values, "page": page, "rows": [], "total": 0, "error": None,
                               "page_size": PAGE_SIZE, "actor_names": {}, "forms": forms or {},
                               **_choices(session, scope)}
    try:
        flt = exports.AuditFilter.from_mapping(values)
    except exports.FilterError as exc:
        error = exc.message
    if error:
        context["error"] = error
        return render_template("audit/index.html", **context), max(status, 422)
    try:
        audit_scope.check_filter(session, scope, flt)
    except audit_scope.OutOfScope as exc:
        context["error"] = exc.message
        return render_template("audit/index.html", **context), 404
    context["total"] = exports.count_entries(session, flt, scope=scope)
    context["pages"] = max(1, -(-context["total"] // PAGE_SIZE))
    page = context["page"] = min(page, context["pages"])
    statement = exports.filtered(session, flt, scope=scope).order_by(None).order_by(audit.AuditEntry.seq.desc())
    context["rows"] = session.execute(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    context["actor_names"] = _actor_names(session, context["rows"])
    context["query"] = {k: v for k, v in values.items() if v}
    return render_template("audit/index.html", **context), status


@bp.get("/")
@requires("audit.read")
def index() -> Any:
    """Filter form, one page of matching entries, export and verification buttons."""
    page, error = page_number(request.args.get("page"))
    return _index_page(_form_values(request.args), page, error=error)


@bp.get("/drafts/<int:draft_id>")
@requires("audit.read")
def timeline(draft_id: int) -> Any:
    """Everything that happened to one draft, oldest first (404 outside the reader's scope)."""
    from reviewer.storage import Account, Draft, DraftVersion

    session = db()
    scope = _scope()
    if not scope.unlimited:
        try:
            audit_scope.draft_in_scope(session, scope, draft_id)
        except audit_scope.OutOfScope as exc:
            return error_response(404, exc.message)
    rows = session.execute(exports.filtered(session, exports.AuditFilter(draft_id=draft_id), scope=scope)).all()
    draft = session.get(Draft, draft_id)
    if draft is None and not rows:
        return error_response(404)
    title = account = None
    if draft is not None:
        title = session.scalar(select(DraftVersion.title).where(
            DraftVersion.draft_id == draft_id, DraftVersion.number == draft.current_version))
        account = session.get(Account, draft.account_id)
    return render_template("audit/timeline.html", draft_id=draft_id, draft=draft, title=title,
                           account=account, rows=rows, gates=GATE_NAMES, actor_names=_actor_names(session, rows))


@bp.post("/export")
@requires("audit.read")
def export() -> Any:
    """Stream the filtered entries as CSV, XLSX or JSONL (logged first)."""
    try:
        fmt = exports.check_format(request.form.get("format"))
        flt = exports.AuditFilter.from_mapping(_form_values(request.form))
        audit_scope.check_filter(db(), _scope(), flt)
    except exports.FilterError as exc:
        return error_response(422, exc.message, exc.code)
    except audit_scope.OutOfScope as exc:
        return error_response(404, exc.message, exc.code)
    _log_and_commit(flt, fmt, current_actor(), "web")
    return _stream(fmt, flt, exports.filename(fmt))


@bp.post("/verify")
@requires("audit.read")
def verify() -> Any:
    """Run the same chain check as ``reviewer audit verify`` and show the result."""
    try:
        anchor_hash = audit.check_anchor(request.form.get("anchor"))
    except WorkflowError as exc:
        return _index_page(_form_values({}), forms={"anchor": {"value": request.form.get("anchor") or "",
                                                               "error": exc.message}}, status=422)
    session = db()
    kept = reconcile.latest_anchor(app_settings())
    result = audit.verify(session, keys.session_keys(session), anchor=anchor_hash or kept)
    return render_template("audit/verify.html", result=result, anchor=anchor_hash or kept, kept_anchor=kept,
                           reasons=audit.REASONS, reconciliation=reconcile.reconcile(session))


@bp.post("/register")
@requires("audit.read")
def register() -> Any:
    """Download an account's monthly review register (月度审核台账) as XLSX (logged; 404 outside scope)."""
    import io

    from reviewer.audit import register as register_module

    raw_account = (request.form.get("account_id") or "").strip()
    month = (request.form.get("month") or "").strip()

    def refused(message: str, status: int) -> Any:
        db().rollback()
        kept = {"register": {"account_id": raw_account, "month": month, "error": message}}
        return _index_page(_form_values({}), forms=kept, status=status)

    if not (raw_account.isdigit() and len(raw_account) < 12):
        return refused("请选择要生成台账的账号。", 422)
    buffer = io.BytesIO()
    actor = current_actor()
    try:
        account, _ = register_module.monthly_register(db(), int(raw_account), month, buffer, scope=_scope(),
                                                      actor_id=actor.id, actor_name=actor.username,
                                                      ip=request.remote_addr, via="web")
    except audit_scope.OutOfScope as exc:
        return error_response(404, exc.message, exc.code)
    except WorkflowError as exc:
        return refused(exc.message, status_of(exc))
    db().commit()
    reconcile.anchor_after_commit(db(), "register")
    name = register_module.register_filename(account.name, month)
    response = Response(buffer.getvalue(), mimetype=exports.FORMATS["xlsx"][0])
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---------------------------------------------------------------------------------------------
# JSON API


def _entry_json(row: Any) -> dict[str, Any]:
    values = exports.entry_values(row)
    values["details"] = json.loads(values["details"]) if values["details"] else None
    return values


@api_bp.get("/audit")
@require_token("audit.read")
def api_audit() -> Any:
    """Matching entries: JSON pages (``after_seq``, ``limit``) or a logged CSV/XLSX/JSONL file."""
    fmt = (request.args.get("format") or "json").strip().lower()
    try:
        flt = exports.AuditFilter.from_mapping(request.args)
        if fmt != "json":
            fmt = exports.check_format(fmt)
        audit_scope.check_filter(db(), _scope(), flt)
    except exports.FilterError as exc:
        return api_error(exc.code, exc.message, 422)
    except audit_scope.OutOfScope as exc:
        return api_error(exc.code, exc.message, 404)
    if fmt != "json":
        _log_and_commit(flt, fmt, g.api_user, "api")
        return _stream(fmt, flt, exports.filename(fmt))
    raw_limit = request.args.get("limit") or str(API_DEFAULT_LIMIT)
    raw_after = request.args.get("after_seq") or "0"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= API_MAX_LIMIT or len(raw_limit) > 6:
        return api_error("invalid_filter", f"limit 必须是 1 到 {API_MAX_LIMIT} 之间的整数。", 422)
    if not raw_after.isdigit() or len(raw_after) > 12 or int(raw_after) > MAX_ID:
        return api_error("invalid_filter", f"after_seq 必须是 0 到 {MAX_ID} 之间的整数。", 422)
    session = db()
    scope = _scope()
    limit, after = int(raw_limit), int(raw_after)
    statement = exports.filtered(session, flt, scope=scope).where(audit.AuditEntry.seq > after).limit(limit + 1)
    rows = session.execute(statement).all()
    entries = [_entry_json(row) for row in rows[:limit]]
    total = exports.count_entries(session, flt, scope=scope)
    next_after = entries[-1]["seq"] if len(rows) > limit else None
    return {"count": total, "entries": entries, "next_after_seq": next_after,
            "next": url_for("audit_api.api_audit", **{**request.args.to_dict(), "after_seq": next_after})
            if next_after is not None else None}
