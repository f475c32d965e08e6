"""词库管理 pages: browse and filter every entry, add, edit, disable, import with a preview, export,
"test a term" (检测词条), the feedback queue; and the reviewers' 误报/漏报 forms on findings.

Thin shells over ``reviewer.curation`` (which checks, bumps the lexicon version and audits); forms
carry the CSRF token like every page, refused input comes back on the same page with the input kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from reviewer.curation import catalog, feedback
from reviewer.curation import entries as entry_admin
from reviewer.errors import WorkflowError
from reviewer.storage import Unit
from reviewer.web.errors import status_of
from reviewer.web.highlight import category_names
from reviewer.web.security import current_actor, db, error_response, requires

bp = Blueprint("lexicons", __name__, url_prefix="/admin/lexicon")
feedback_bp = Blueprint("lexicon_feedback", __name__, url_prefix="/feedback")
feedback_bp.add_app_template_global(category_names, "lexicon_category_names")
FORM_FIELDS = ("term", "category", "gate", "severity", "suggestion", "note", "kind", "unit_id")
MAX_UPLOAD = 2 * 1024 * 1024


def _units() -> list[Unit]:
    scope = sorted(entry_admin.admin_units(db(), current_actor())) or [-1]
    return list(db().query(Unit).filter(Unit.id.in_(scope)).order_by(Unit.id))


def _filters() -> catalog.Filters:
    args = request.args
    return catalog.Filters(**{name: (args.get(name) or "").strip()[:100] for name in catalog.Filters.__dataclass_fields__})


def _page_of(rows: list, size: int = catalog.PAGE) -> tuple[list, int, int]:
    raw = request.args.get("page") or "1"
    pages = max(1, -(-len(rows) // size))
    page = min(int(raw) if raw.isdigit() and len(raw) < 7 else 1, pages)
    return rows[(page - 1) * size:page * size], page, pages


def _index(form: dict | None = None, error: str | None = None, status: int = 200) -> Any:
    filters = _filters()
    rows = catalog.search(db(), current_actor(), filters)
    shown, page, pages = _page_of(rows)
    units = _units()
    return render_template("lexicon/index.html", rows=shown, total=len(rows), page=page, pages=pages, f=filters,
                           families=entry_admin.categories(db()), units=units, unit_names={u.id: u.name for u in units},
                           form=form or {}, error=error, sources=catalog.source_names()), status


@bp.get("")
@requires("lexicon.manage")
def index() -> Any:
    """词库管理: every entry (shipped and the database's), filtered, one page at a time, and the add form."""
    return _index()


@bp.post("/entries")
@requires("lexicon.manage")
def add() -> Any:
    """Add a term, an allow phrase or a leader (for the deployment or a unit)."""
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    try:
        entry = entry_admin.add_entry(db(), current_actor(), form)
    except WorkflowError as exc:
        db().rollback()
        return _index(form, exc.message, status_of(exc))
    flash(f"已添加“{entry.term}”，新的检测立即生效。", "success")
    return redirect(url_for("lexicons.index"))


@bp.route("/entries/<int:entry_id>", methods=["GET", "POST"])
@requires("lexicon.manage")
def edit(entry_id: int) -> Any:
    """Edit one database entry (its kind stays)."""
    try:
        entry = entry_admin.get_entry(db(), current_actor(), entry_id)
    except WorkflowError as exc:
        return error_response(404, exc.message, exc.code)
    if request.method == "GET":
        return render_template("lexicon/edit.html", entry=entry, form=entry.to_dict(), error=None,
                               families=entry_admin.categories(db()), units=_units())
    form = {name: request.form.get(name, "") for name in FORM_FIELDS if name != "kind"}
    try:
        entry_admin.update_entry(db(), current_actor(), entry_id, form)
    except WorkflowError as exc:
        db().rollback()
        return render_template("lexicon/edit.html", entry=entry, form={**form, "category": form.get("category")},
                               error=exc.message, families=entry_admin.categories(db()), units=_units()), status_of(exc)
    flash("已保存修改。", "success")
    return redirect(url_for("lexicons.index"))


@bp.post("/entries/<int:entry_id>/enabled")
@requires("lexicon.manage")
def toggle(entry_id: int) -> Any:
    """停用 or 启用 a database entry."""
    try:
        entry = entry_admin.set_enabled(db(), current_actor(), entry_id, request.form.get("enabled") == "1")
    except WorkflowError as exc:
        db().rollback()
        return error_response(status_of(exc), exc.message, exc.code)
    flash(f"已{'启用' if entry.enabled else '停用'}“{entry.term}”。", "success")
    return redirect(request.referrer or url_for("lexicons.index"))


@bp.post("/shipped/disable")
@requires("lexicon.manage")
def disable_shipped() -> Any:
    """Switch off a shipped term for the whole deployment (kept by family and term across upgrades)."""
    try:
        entry_admin.disable_shipped(db(), current_actor(), request.form.get("category") or "", request.form.get("term") or "")
    except WorkflowError as exc:
        db().rollback()
        return error_response(status_of(exc), exc.message, exc.code)
    flash("已停用该随包词条（词库升级后仍保持停用）。", "success")
    return redirect(request.referrer or url_for("lexicons.index"))


def _import_form() -> tuple[dict, str]:
    form = {name: request.form.get(name, "") for name in ("kind", "category", "unit_id", "text")}
    text = form["text"]
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise WorkflowError("file_too_large", "文件过大（上限 2 MB）。")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WorkflowError("invalid_encoding", "文件不是 UTF-8 编码。") from None
        form["text"] = text
    return form, upload.filename if upload is not None and upload.filename else "粘贴的文本"


@bp.route("/import", methods=["GET", "POST"])
@requires("lexicon.manage")
def import_file() -> Any:
    """导入: preview every line (errors by line number) and apply all or nothing."""
    families, units = entry_admin.categories(db()), _units()
    if request.method == "GET":
        return render_template("lexicon/import.html", form={"kind": "term"}, preview=None, error=None,
                               families=families, units=units)
    try:
        form, name = _import_form()
        unit = int(form["unit_id"]) if form["unit_id"].isdigit() else None
        options = {"kind": form["kind"] or "term", "category": form["category"] or None, "unit_id": unit}
        if request.form.get("action") == "apply":
            stored = catalog.apply_import(db(), current_actor(), form["text"], file_name=name, **options)
            flash(f"已导入 {stored.count} 条，新的检测立即生效。", "success")
            return redirect(url_for("lexicons.index"))
        checked = catalog.preview(db(), current_actor(), form["text"], **options)
    except WorkflowError as exc:
        db().rollback()
        checked = catalog.preview(db(), current_actor(), request.form.get("text", ""), kind=request.form.get("kind") or "term",
                                  category=request.form.get("category") or None) if exc.code == "import_invalid" else None
        return render_template("lexicon/import.html", form=request.form, preview=checked, error=exc.message,
                               families=families, units=units), status_of(exc)
    return render_template("lexicon/import.html", form=form, preview=checked, error=None, families=families, units=units)


@bp.get("/export")
@requires("lexicon.manage")
def export() -> Any:
    """导出 the filtered entries as TSV (the import format)."""
    rows = catalog.search(db(), current_actor(), _filters())
    return Response(catalog.export_tsv(rows), mimetype="text/tab-separated-values; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=lexicon.tsv"})


@bp.route("/test", methods=["GET", "POST"])
@requires("lexicon.manage")
def test_term() -> Any:
    """检测词条: paste a text, see what fires and why (entry, view, normalization, allow phrases)."""
    from reviewer.bootstrap import review_engine
    from reviewer.engine.explain import explain
    from reviewer.workflow.checking import unit_path

    text = (request.form.get("text") or "")[:5000]
    unit = request.form.get("unit_id") or ""
    result = None
    if request.method == "POST" and text.strip():
        units = unit_path(db(), int(unit)) if unit.isdigit() and int(unit) in entry_admin.admin_units(db(), current_actor()) else ()
        result = explain(review_engine(db()), text, units=units)
    return render_template("lexicon/test.html", text=text, unit=unit, result=result, units=_units(),
                           families=entry_admin.categories(db()))


@bp.get("/feedback")
@requires("lexicon.manage")
def queue() -> Any:
    """反馈队列: 误报 (allow-list candidates) and 漏报 (new-term candidates), most reviewers first."""
    kind = request.args.get("kind") or ""
    rows, page, pages = _page_of(feedback.queue(db(), current_actor(), kind or None))
    units = _units()
    return render_template("lexicon/queue.html", rows=rows, page=page, pages=pages, kind=kind,
                           unit_names={u.id: u.name for u in units}, families=entry_admin.categories(db()))


@bp.post("/feedback")
@requires("lexicon.manage")
def decide() -> Any:
    """采纳 (creates the allow phrase or term, audited) or 驳回 one suggestion."""
    try:
        feedback.decide(db(), current_actor(), request.form.get("ref") or "", request.form.get("action") == "accept",
                        everywhere=request.form.get("everywhere") == "1")
    except WorkflowError as exc:
        db().rollback()
        return error_response(status_of(exc), exc.message, exc.code)
    flash("已采纳，词库已更新。" if request.form.get("action") == "accept" else "已驳回。", "success")
    return redirect(url_for("lexicons.queue"))


def _back(draft_id: str | None) -> Any:
    return redirect(request.referrer or (url_for("pages.draft", draft_id=int(draft_id)) if draft_id and draft_id.isdigit()
                                         else url_for("pages.home")))


@feedback_bp.post("/false-alarm")
@requires("lexicon.feedback")
def false_alarm() -> Any:
    """误报: a reviewer says a finding should not have fired, and why."""
    raw = request.form.get("finding_id") or ""
    try:
        feedback.false_alarm(db(), current_actor(), int(raw) if raw.isdigit() and len(raw) < 10 else None,
                             request.form.get("reason"))
    except WorkflowError as exc:
        db().rollback()
        return error_response(status_of(exc), exc.message, exc.code)
    flash("已记录误报反馈，管理员将在反馈队列中处理。", "success")
    return _back(request.form.get("draft_id"))


@feedback_bp.post("/missed")
@requires("lexicon.feedback")
def missed() -> Any:
    """漏报: a reviewer selected text the tool missed and named its family."""
    from sqlalchemy import select

    from reviewer.storage import DraftVersion

    form = request.form
    draft, number = form.get("draft_id") or "", form.get("version") or ""
    version_id = db().scalar(select(DraftVersion.id).where(DraftVersion.draft_id == int(draft), DraftVersion.number == int(number))) \
        if draft.isdigit() and number.isdigit() and len(draft) < 10 and len(number) < 10 else None
    try:
        feedback.missed(db(), current_actor(), version_id, form.get("field"), form.get("text"), form.get("category"),
                        form.get("reason"))
    except WorkflowError as exc:
        db().rollback()
        return error_response(status_of(exc), exc.message, exc.code)
    flash("已记录漏报反馈，管理员将在反馈队列中处理。", "success")
    return _back(form.get("draft_id"))
