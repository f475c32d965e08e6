"""The register's remaining forms in the browser: 备案 of an account, importing the register, a unit's
contacts and moving a unit, and the admin's landing page with what the register owes.

Admin role, scoped to the admin's units. Each form calls the function the command line calls
(``reviewer.admin.lifecycle.file_account``, ``register_io.apply_import``, ``operators.set_contact``,
``units.move_unit``), which writes the audit entry in the request's transaction. A refusal
re-renders the page with the reason beside the form and the input kept.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from reviewer.admin import lifecycle, operators, register, register_io
from reviewer.admin import units as unit_admin
from reviewer.errors import ReviewerError
from reviewer.registry import default_rules
from reviewer.storage import UnitContact
from reviewer.vocabulary import CONTACT_ROLE_NAMES
from reviewer.web.errors import status_of
from reviewer.web.security import current_actor, db, error_response, requires

bp = Blueprint("register_forms", __name__, url_prefix="/admin")


def _scope() -> set[int]:
    return register.admin_unit_ids(db(), current_actor().id)


@bp.get("/")
@requires("admin.manage")
def dashboard() -> Any:
    """管理首页: overdue register items of the admin's units, each linked to its account, and what else is due."""
    today = date.today()
    try:
        items = lifecycle.owed(db(), today, _scope())
        problem = None
    except ReviewerError as exc:  # e.g. a deadline in a year the working-day calendar does not cover
        items, problem = [], exc.message
    views = operators.operator_views(db(), today, _scope())
    licenses = [v for v in views if v.license in ("expired", "expiring") and v.accounts]
    return render_template("admin/dashboard.html", overdue=[o for o in items if o.item.overdue],
                           pending=[o for o in items if not o.item.overdue and not o.item.keep],
                           keep=[o for o in items if o.item.keep], licenses=licenses, problem=problem, today=today)


# ---------------------------------------------------------------------------------------------
# 备案


def _account(account_id: int) -> Any:
    try:
        return register.scoped_account(db(), account_id, _scope())
    except ReviewerError as exc:
        return error_response(404, exc.message, exc.code)


@bp.route("/accounts/<int:account_id>/filing", methods=["GET", "POST"])
@requires("admin.manage")
def filing(account_id: int) -> Any:
    """记录备案: the filings the account owes (after 开设, 整合, 变更, 注销) with their deadlines, and the form."""
    found = _account(account_id)
    if not isinstance(found, register.Account):
        return found
    error = None
    if request.method == "POST":
        form = request.form
        try:
            raw = (form.get("date") or "").strip()
            at = lifecycle.moment(lifecycle.parse_day(raw, "备案日期") if raw else None)
            who = (form.get("who") or "").strip() or current_actor().display_name
            lifecycle.file_account(db(), found.id, form.get("kind") or "", at, who, (form.get("note") or "").strip() or None,
                                   actor_name=current_actor().username)
        except ReviewerError as exc:
            db().rollback()
            error = exc
        else:
            flash(f"已记录{default_rules().filings[form['kind']]}（{at.date()}）。", "success")
            return redirect(url_for("registry.account", account_id=found.id))
    try:
        owed = lifecycle.owed_filings(db(), found, date.today())
    except ReviewerError as exc:
        owed, error = [], error or exc
    body = render_template("admin/filing.html", account=found, owed=owed, filings=default_rules().filings, error=error,
                           form=request.form if error else {}, today=date.today().isoformat())
    return body, status_of(error) if error else 200


# ---------------------------------------------------------------------------------------------
# 导入备案台账


def _import_page(preview: register_io.Preview | None = None, *, data: bytes = b"", file_name: str = "",
                 error: ReviewerError | None = None) -> Any:
    body = render_template("admin/import.html", preview=preview, payload=base64.b64encode(data).decode("ascii"),
                           file_name=file_name, error=error)
    return body, status_of(error) if error else 200


@bp.route("/accounts/import", methods=["GET", "POST"])
@requires("admin.manage")
def import_register() -> Any:
    """导入备案台账: upload XLSX or CSV, see every line checked, then apply all of it or nothing.

    The preview carries the file back (base64) so that applying it checks exactly the file that was
    previewed, again, in the same transaction that writes it.
    """
    if request.method == "GET":
        return _import_page()
    applying = request.form.get("action") == "apply"
    try:
        if applying:
            file_name = request.form.get("file_name") or ""
            try:
                data = base64.b64decode(request.form.get("payload") or "", validate=True)
            except (binascii.Error, ValueError):
                raise register.UnitError("invalid_file", "导入内容已损坏，请重新上传文件。") from None
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise register.UnitError("invalid_file", "请选择要导入的 Excel（.xlsx）或 CSV 文件。")
            file_name, data = upload.filename, upload.read()
        fmt = register_io.format_of(file_name)
        rows = register_io.read_table(data, fmt)
    except ReviewerError as exc:
        return _import_page(error=exc)
    scope = _scope()
    if not applying:
        return _import_page(register_io.preview_import(db(), rows, scope), data=data, file_name=file_name)
    try:
        preview = register_io.apply_import(db(), rows, actor_name=current_actor().username, file_name=file_name,
                                           unit_ids=scope)
    except ReviewerError as exc:
        db().rollback()
        return _import_page(register_io.preview_import(db(), rows, scope), data=data, file_name=file_name, error=exc)
    created = sum(1 for line in preview.lines if line.action == "新建")
    flash(f"已导入 {len(preview.lines)} 行（新建 {created} 个账号，更新 {len(preview.lines) - created} 个）。", "success")
    return redirect(url_for("registry.accounts"))


# ---------------------------------------------------------------------------------------------
# 单位：联系人与移动


def units_page(error: ReviewerError | None = None, failed: dict[str, Any] | None = None) -> Any:
    """The unit tree (the ``admin.units`` page) with a refused form's reason and input beside that unit."""
    lines = [line for line in unit_admin.unit_tree(db()) if line.unit.id in _scope()]
    contacts = {line.unit.id: {c.role: c for c in operators.contacts_of(db(), line.unit.id)} for line in lines}
    body = render_template("admin/units.html", lines=lines, contacts=contacts, error=error, failed=failed or {})
    return body, status_of(error) if error else 200


def _unit_in_scope(unit_id: int) -> bool:
    return unit_id in _scope()


@bp.post("/units/<int:unit_id>/contacts")
@requires("admin.manage")
def contacts(unit_id: int) -> Any:
    """设置单位联系人: the unit's 联络员, 分管负责人 and 主要负责人 (for 约谈), each change audited."""
    if not _unit_in_scope(unit_id):
        return error_response(404, "该单位不在您管理的单位之内。", "unknown_unit")
    form, actor = request.form, current_actor().username
    changed = 0
    try:
        for role in CONTACT_ROLE_NAMES:
            name, phone = (form.get(f"{role}_name") or "").strip(), (form.get(f"{role}_phone") or "").strip()
            existing = db().get(UnitContact, (unit_id, role))
            if not name and existing is None:
                if phone:
                    raise register.UnitError("invalid_name", f"{CONTACT_ROLE_NAMES[role]}：填写了电话，请同时填写姓名。")
                continue
            if existing is not None and (existing.name, existing.phone or "") == (name, phone):
                continue
            operators.set_contact(db(), unit_id, role, name, phone or None, actor_name=actor)
            changed += 1
    except ReviewerError as exc:
        db().rollback()
        return units_page(exc, {"unit": unit_id, "form": "contacts", **form})
    flash(f"已更新 {changed} 位联系人。" if changed else "联系人没有变化。", "success" if changed else "info")
    return redirect(url_for("admin.units") + f"#unit-{unit_id}")


@bp.post("/units/<int:unit_id>/move")
@requires("admin.manage")
def move(unit_id: int) -> Any:
    """移动单位: put the unit under another of the admin's units; cycles and moves out of scope are refused."""
    raw = (request.form.get("parent") or "").strip()
    try:
        if not raw.isdigit() or len(raw) > 9:
            raise register.UnitError("invalid_input", "请选择新的上级单位。")
        unit, changes = unit_admin.move_unit(db(), unit_id, int(raw), _scope(), actor_name=current_actor().username)
    except ReviewerError as exc:
        db().rollback()
        return units_page(exc, {"unit": unit_id, "form": "move", **request.form})
    old, new = changes["parent"]
    flash(f"已将“{unit.name}”从“{old or '（顶级）'}”移到“{new}”之下。", "success")
    return redirect(url_for("admin.units") + f"#unit-{unit.id}")
