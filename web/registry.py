"""The account register in the browser (admin role, scoped to the admin's units and those below).

The list (search, pagination), one account's page (register fields, what it owes, the lifecycle and
audit timeline, the transition form), the register and edit forms, and the export. Every change is
made by ``reviewer.admin`` (register, lifecycle, register_io), the functions ``reviewer registry``
calls; a refused step answers with its code's status (409 for the lifecycle) and the reason.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from reviewer.admin import lifecycle, register, register_io
from reviewer.admin.operators import contacts_of
from reviewer.errors import ReviewerError
from reviewer.registry import Approval, Notice, default_rules
from reviewer.storage import Operator, Unit, User
from reviewer.vocabulary import PLATFORMS, SUBJECT_LEVEL_NAMES
from reviewer.web.errors import status_of
from reviewer.web.security import current_actor, db, error_response, requires

bp = Blueprint("registry", __name__, url_prefix="/admin/accounts")
PAGE_SIZE = 20
FORM_KEYS = tuple(f.key for f in register.FIELDS if f.key != "state")
FLAG_KEYS = ("comments_open", "messages_open", "dm_open", "high_attention")


@bp.app_template_filter("fromjson")
def _fromjson(text: str | None) -> dict:
    import json

    return json.loads(text) if text else {}


def _scope() -> set[int]:
    return register.admin_unit_ids(db(), current_actor().id)


def _page() -> int:
    raw = request.args.get("page") or "1"
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _choices() -> dict[str, Any]:
    scope = _scope()
    return {"units": db().scalars(select(Unit).where(Unit.id.in_(sorted(scope) or [-1])).order_by(Unit.id)).all(),
            "operators": db().scalars(select(Operator).order_by(Operator.name)).all(),
            "platforms": PLATFORMS, "subject_levels": SUBJECT_LEVEL_NAMES, "fields": register.FIELDS,
            "states": default_rules().states}


def _values(account: Any | None = None) -> dict[str, Any]:
    """The form's values: from the request when posted, else from the account (or empty)."""
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in FORM_KEYS if k not in FLAG_KEYS}
        values.update({k: "是" if request.form.get(k) else "否" for k in FLAG_KEYS})
        if account is None and request.form.get("state"):
            values["state"] = request.form["state"]
        return values
    if account is None:
        return {"platform": "微信", "review_levels": "2", "state": "live"}
    rows = register_io.register_rows(db(), {account.unit_id})
    line = next(r for r in rows if r[3] == account.name and r[1] == account.platform)
    return {f.key: line[i + 1] for i, f in enumerate(register.FIELDS)}


@bp.get("/")
@requires("admin.manage")
def accounts() -> Any:
    """备案台账: the accounts of the admin's units, searchable, one page at a time."""
    query = (request.args.get("q") or "").strip()[:100]
    state = request.args.get("state") or ""
    state = state if state in default_rules().states else ""
    found = register.search_accounts(db(), unit_ids=_scope(), query=query, state=state, page=_page(), size=PAGE_SIZE)
    owed = lifecycle.owed(db(), date.today(), _scope(), overdue_only=True)
    return render_template("admin/accounts.html", found=found, q=query, state=state, states=default_rules().states,
                           overdue=owed, interaction=register.interaction_text)


def _form(account: Any | None, error: ReviewerError | None = None) -> Any:
    body = render_template("admin/account_form.html", account=account, values=_values(account),
                           error=error.message if error else None, **_choices())
    return body, status_of(error) if error else 200


@bp.route("/new", methods=["GET", "POST"])
@requires("admin.manage")
def new() -> Any:
    """登记账号: put an account on the register."""
    if request.method == "GET":
        return _form(None)
    values = _values()
    try:
        if values.get("unit") and register.find_unit_id(db(), values["unit"]) not in _scope():
            return error_response(404, "主办单位不在您管理的单位之内。", "unknown_unit")
        account = register.register_account(db(), values, actor_name=current_actor().username)
    except ReviewerError as exc:
        db().rollback()
        return _form(None, exc)
    flash(f"已登记账号 {account.name}（编号 {account.id}）。", "success")
    return redirect(url_for("registry.account", account_id=account.id))


def _scoped(account_id: int) -> Any:
    try:
        return register.scoped_account(db(), account_id, _scope())
    except ReviewerError as exc:
        return error_response(404, exc.message, exc.code)


@bp.get("/<int:account_id>")
@requires("admin.manage")
def account(account_id: int, error: ReviewerError | None = None, status: int = 200) -> Any:
    """One account: its register fields, what it owes, its lifecycle and audit timeline, the transition form."""
    from reviewer.audit.chain import AuditEntry

    found = _scoped(account_id)
    if not isinstance(found, register.Account):
        return found
    entries = db().scalars(select(AuditEntry).where(AuditEntry.account_id == found.id,
                                                    AuditEntry.event.in_(("account.change", "account.transition",
                                                                          "account.filing")))
                           .order_by(AuditEntry.seq)).all()
    rules = default_rules()
    logins = {e.actor_name for e in entries}
    names = dict(db().execute(select(User.username, User.display_name).where(User.username.in_(sorted(logins) or [""]))).all())
    try:
        owed = [o.item for o in lifecycle.owed(db(), date.today(), {found.unit_id}) if o.account.id == found.id]
    except ReviewerError:
        owed = []
    return render_template("admin/account.html", account=found, values=_values(found), fields=register.FIELDS,
                           steps=lifecycle.timeline(db(), found), entries=entries, rules=rules, owed=owed,
                           next_states=lifecycle.next_states(found), contacts=contacts_of(db(), found.unit_id),
                           labels=register.CHANGE_LABELS, names=names, error=error, form=request.form if error else {}, today=date.today().isoformat()), status


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@requires("admin.manage")
def edit(account_id: int) -> Any:
    """修改账号: change register fields (name and 主办单位 included)."""
    found = _scoped(account_id)
    if not isinstance(found, register.Account):
        return found
    if request.method == "GET":
        return _form(found)
    values = _values(found)
    try:
        if values.get("unit") and register.find_unit_id(db(), values["unit"]) not in _scope():
            return error_response(404, "主办单位不在您管理的单位之内。", "unknown_unit")
        _, changes = register.edit_account(db(), found.id, values, actor_name=current_actor().username)
    except ReviewerError as exc:
        db().rollback()
        return _form(found, exc)
    flash(f"已修改 {len(changes)} 项。" if changes else "没有需要修改的内容。", "success" if changes else "info")
    return redirect(url_for("registry.account", account_id=found.id))


def _day(name: str, default: date | None) -> date | None:
    raw = (request.form.get(name) or "").strip()
    return lifecycle.parse_day(raw, "日期") if raw else default


@bp.post("/<int:account_id>/transition")
@requires("admin.manage")
def transition(account_id: int) -> Any:
    """状态变更: one step of the lifecycle, refused with the rule's reason (409) when not allowed."""
    found = _scoped(account_id)
    if not isinstance(found, register.Account):
        return found
    form = request.form
    try:
        day = _day("date", None)
        at = lifecycle.moment(day)
        approval = Approval(form["approval_by"].strip(), _day("approval_date", at.date()),
                            form.get("approval_document") or None) if (form.get("approval_by") or "").strip() else None
        notice = Notice(form["notice"].strip(), _day("notice_start", at.date()), _day("notice_end", None)) \
            if (form.get("notice") or "").strip() else None
        step = lifecycle.Step(form.get("to") or "", at, (form.get("who") or "").strip() or current_actor().display_name,
                              approval, notice, (form.get("reason") or "").strip() or None, bool(form.get("force_majeure")))
        _, event = lifecycle.transition_account(db(), found.id, step, actor_name=current_actor().username)
    except ReviewerError as exc:
        db().rollback()
        return account(account_id, exc, status_of(exc))
    flash(f"已{default_rules().name_of(event.action)}，当前状态：{default_rules().states[event.state]}。", "success")
    return redirect(url_for("registry.account", account_id=found.id))


@bp.get("/export")
@requires("admin.manage")
def export() -> Any:
    """The register of the admin's units as XLSX or CSV."""
    fmt = request.args.get("format") or "xlsx"
    if fmt not in register_io.FORMATS:
        return error_response(422, "格式必须是 xlsx 或 csv。", "invalid_format")
    buffer = io.BytesIO()
    register_io.export_register(db(), fmt, buffer, _scope())
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(buffer.getvalue(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'政务新媒体备案台账.{fmt}')}"
    return response
