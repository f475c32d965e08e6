"""Citizens' messages in the browser: the queue, one message, entry by hand, the import, the Q&A library.

Every change is made by ``reviewer.messages`` (inbox, importing, replies, library), the same
functions the API and ``reviewer messages`` call; a refusal answers with its code's status and
the reason, where the user is looking, and the form keeps what was typed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from reviewer import workflow
from reviewer.calendar import BEIJING
from reviewer.errors import ReviewerError, fail
from reviewer.messages import handling, importing, inbox, library, replies
from reviewer.messages import qa as qa_library
from reviewer.storage import Account, MessageRow, Unit, User, utcnow
from reviewer.vocabulary import MESSAGE_STATE_NAMES
from reviewer.web.errors import status_of
from reviewer.web.security import current_actor, db, error_response, requires

bp = Blueprint("messages", __name__, url_prefix="/messages")
PAGE_SIZE = 20
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _ip() -> str | None:
    return request.remote_addr


@bp.app_template_filter("beijing")
def _beijing(moment: Any) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def segments(text: str, marks: list) -> list[tuple[str, str | None]]:
    """The shown text cut at its marks: (piece, "威胁" | "辱骂" | None)."""
    out, at = [], 0
    for start, end, kind in sorted(marks):
        if start < at:
            continue
        out += [(text[at:start], None), (text[start:end], kind)]
        at = end
    out.append((text[at:], None))
    return [(piece, kind) for piece, kind in out if piece]


@bp.get("/")
@requires("message.read")
def queue() -> Any:
    """群众留言: open messages first, overdue at the top, with how long the citizen has waited."""
    state = request.args.get("state") or ""
    state = state if state in MESSAGE_STATE_NAMES else ""
    account_id = _int(request.args.get("account_id"))
    page = inbox.queue(db(), current_actor(), utcnow(), state=state or None, account_id=account_id,
                       page=_int(request.args.get("page")) or 1, size=PAGE_SIZE)
    overdue = inbox.overdue_messages(db(), utcnow(), inbox.unit_scope(db(), current_actor()))
    return render_template("messages/queue.html", page=page, state=state, account_id=account_id, overdue=len(overdue),
                           accounts=workflow.visible_accounts(db(), current_actor()), states=MESSAGE_STATE_NAMES)


def _received_form(values: dict[str, str], error: ReviewerError | None = None) -> Any:
    body = render_template("messages/new.html", values=values, error=error,
                           accounts=workflow.visible_accounts(db(), current_actor()))
    return body, status_of(error) if error else 200


@bp.route("/new", methods=["GET", "POST"])
@requires("message.handle")
def new() -> Any:
    """登记留言: one message entered by hand (from a phone call, a letter, a platform without an export)."""
    if request.method == "GET":
        now = utcnow().astimezone(BEIJING)
        return _received_form({"received_at": now.strftime("%Y-%m-%dT%H:%M")})
    values = {k: (request.form.get(k) or "").strip() for k in ("account_id", "received_at", "text", "contact")}
    try:
        row = inbox.receive(db(), current_actor(), inbox.Incoming(_int(values["account_id"]) or values["account_id"],
                                                                 values["received_at"], values["text"], values["contact"] or None),
                            via="web", ip=_ip())
    except ReviewerError as exc:
        db().rollback()
        return _received_form(values, exc)
    flash(f"已登记留言 {row.id}，答复期限 {_beijing(row.due_at)}。", "success")
    return redirect(url_for("messages.message", message_id=row.id))


def _message_page(message_id: int, *, error: ReviewerError | None = None, form: dict | None = None) -> Any:
    actor = current_actor()
    try:
        row = inbox.get_message(db(), actor, message_id)
    except ReviewerError as exc:
        return error_response(404, exc.message, exc.code)
    account = db().get(Account, row.account_id)
    steps = inbox.history(db(), row)
    names = dict(db().execute(select(User.username, User.display_name)).all())
    units = dict(db().execute(select(Unit.id, Unit.name)).all())
    drafts = replies.replies_of(db(), actor, row.id)
    suggestions = library.suggestions(db(), actor, row.id) if row.state in inbox.OPEN_STATES else []
    form = dict(form or {})
    use = _int(request.args.get("use"))
    chosen = next((s for s in suggestions if s.entry.id == use), None)
    if chosen is not None and not form:
        form["body"] = chosen.entry.answer
    form.setdefault("title", replies.default_title(row.shown_text))
    rules = handling.default_rules()
    moves = [(code, rules.moves[code].name) for code in inbox.MANUAL_MOVES if row.state in rules.moves[code].sources]
    now = utcnow()
    body = render_template(
        "messages/message.html", row=row, account=account, steps=steps, names=names, units=units, drafts=drafts,
        suggestions=suggestions, chosen=chosen, form=form, error=error, moves=moves, segments=segments(row.shown_text, row.marks),
        handlers=inbox.handlers(db(), row) if row.state in inbox.OPEN_STATES else [],
        transfer_units=sorted(((i, n) for i, n in units.items() if i != row.unit_id), key=lambda u: u[0]),
        overdue=row.state in inbox.OPEN_STATES and now > row.due_at,
        waited=inbox.waited_text((row.answered_at or now) - row.received_at), step_names=STEP_NAMES,
        answered_reply=library.published_reply(db(), row) if row.state in ("answered", "closed") else None,
        remaining=_remaining(row.due_at - now), handler=db().get(User, row.handler_id) if row.handler_id else None)
    return body, status_of(error) if error else 200


def _remaining(span: timedelta) -> str:
    return ("剩余 " + inbox.waited_text(span)) if span.total_seconds() > 0 else ("已超期 " + inbox.waited_text(-span))


STEP_NAMES = {"receive": "收到", "assign": "分派", "reply": "起草答复", **{c: m.name for c, m in handling.default_rules().moves.items()}}


@bp.get("/<int:message_id>")
@requires("message.read")
def message(message_id: int) -> Any:
    """One message: masked text and marks, deadline, history, the forms, and the reply with Q&A suggestions."""
    return _message_page(message_id)


def _act(message_id: int, action: Any, done: str) -> Any:
    try:
        action()
    except ReviewerError as exc:
        db().rollback()
        return _message_page(message_id, error=exc, form=dict(request.form))
    flash(done, "success")
    return redirect(url_for("messages.message", message_id=message_id))


@bp.post("/<int:message_id>/assign")
@requires("message.handle")
def assign(message_id: int) -> Any:
    """分派: give the message to a handler."""
    return _act(message_id, lambda: inbox.assign(db(), current_actor(), message_id, request.form.get("handler") or "", ip=_ip()),
                "已分派承办人。")


@bp.post("/<int:message_id>/move")
@requires("message.handle")
def move(message_id: int) -> Any:
    """接办, 转办 (to another unit, with a reason) or 办结."""
    code = request.form.get("move") or ""
    name = handling.default_rules().moves[code].name if code in handling.default_rules().moves else "办理"
    return _act(message_id, lambda: inbox.move(db(), current_actor(), message_id, code, unit_id=_int(request.form.get("unit_id")),
                                               reason=request.form.get("reason"), ip=_ip()), f"已{name}。")


@bp.post("/<int:message_id>/reply")
@requires("message.handle")
def reply(message_id: int) -> Any:
    """起草答复: a reply draft linked to the message, saved or sent to review at once."""
    submitting = request.form.get("action") == "submit"
    try:
        draft = replies.draft_reply(db(), current_actor(), message_id, request.form.get("title"), request.form.get("body"),
                                    submit=submitting, ip=_ip())
    except ReviewerError as exc:
        db().rollback()
        return _message_page(message_id, error=exc, form=dict(request.form))
    flash("答复已保存并提交审核。" if submitting else "答复已保存为草稿。", "success")
    return redirect(url_for("pages.draft", draft_id=draft.id) if submitting else url_for("pages.edit_draft", draft_id=draft.id))


@bp.post("/<int:message_id>/to-qa")
@requires("qa.curate")
def to_qa(message_id: int) -> Any:
    """转为问答条目: the answered message and its published reply become an entry of the library."""
    try:
        entry = library.entry_from_message(db(), current_actor(), message_id, ip=_ip())
    except ReviewerError as exc:
        db().rollback()
        return _message_page(message_id, error=exc)
    flash(f"已加入问答库（条目 {entry.id}），可在问答库中修改。", "success")
    return redirect(url_for("messages.qa_edit", entry_id=entry.id))


# -- the import ---------------------------------------------------------------------------------


def _import_page(preview: importing.Preview | None = None, rows: list | None = None, name: str = "",
                 error: str | None = None, status: int = 200) -> Any:
    return render_template("messages/import.html", preview=preview, rows_json=json.dumps(rows or [], ensure_ascii=False),
                           name=name, error=error, columns=importing.COLUMNS), status


@bp.route("/import", methods=["GET", "POST"])
@requires("message.handle")
def import_messages() -> Any:
    """导入留言: upload an XLSX/CSV, see every line checked, then import all of them or none."""
    if request.method == "GET":
        return _import_page()
    actor = current_actor()
    try:
        if request.form.get("action") == "apply":
            rows = json.loads(request.form.get("rows") or "[]")
            name = (request.form.get("name") or "留言")[:200]
            if not isinstance(rows, list) or not all(isinstance(r, list) and all(isinstance(c, str) for c in r) for r in rows):
                raise fail("invalid_file", "导入内容无效，请重新上传文件。")
            stored = importing.apply_import(db(), actor, rows, file_name=name, ip=_ip())
            flash(f"已导入 {len(stored)} 条留言。", "success")
            return redirect(url_for("messages.queue"))
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise fail("missing_field", "请选择要导入的 XLSX 或 CSV 文件。")
        data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise fail("file_too_large", "文件超过 5 MB，请分批导入。")
        rows = importing.read_table(data, importing.format_of(upload.filename))
        preview = importing.preview_import(db(), actor, rows)
    except (ReviewerError, json.JSONDecodeError) as exc:
        db().rollback()
        message = exc.message if isinstance(exc, ReviewerError) else "导入内容无效，请重新上传文件。"
        return _import_page(error=message, status=status_of(exc) if isinstance(exc, ReviewerError) else 422)
    return _import_page(preview, rows if preview.ok else None, upload.filename, status=200 if preview.ok else 422)


# -- the Q&A library ----------------------------------------------------------------------------


def _qa_page(error: ReviewerError | None = None, form: dict | None = None) -> Any:
    actor = current_actor()
    scope = inbox.unit_scope(db(), actor)
    units = db().scalars(select(Unit).where(Unit.id.in_(sorted(scope) or [-1])).order_by(Unit.id)).all()
    entries = library.entries(db(), actor, include_retired=True)
    today = utcnow().astimezone(BEIJING).date()
    renamed = {e.id: qa_library.renamed_agencies(e.answer) for e in entries if e.retired_at is None}
    topics = library.answered_topics(db(), actor)
    body = render_template("messages/qa.html", units=units, entries=entries, today=today, renamed=renamed, topics=topics,
                           error=error, form=form or {}, unit_names={u.id: u.name for u in units})
    return body, status_of(error) if error else 200


@bp.get("/qa")
@requires("message.read")
def qa() -> Any:
    """问答库: the entries of one's units, outdated ones marked, and answered messages by topic."""
    return _qa_page()


@bp.post("/qa/new")
@requires("qa.curate")
def qa_add() -> Any:
    """新增问答条目."""
    form = {k: request.form.get(k) or "" for k in ("unit_id", "question", "answer", "department", "valid_until")}
    try:
        entry = library.add_entry(db(), current_actor(), _int(form["unit_id"]), form["question"], form["answer"],
                                  form["department"], form["valid_until"], ip=_ip())
    except ReviewerError as exc:
        db().rollback()
        return _qa_page(exc, form)
    flash(f"已新增问答条目 {entry.id}。", "success")
    return redirect(url_for("messages.qa"))


@bp.route("/qa/<int:entry_id>/edit", methods=["GET", "POST"])
@requires("qa.curate")
def qa_edit(entry_id: int) -> Any:
    """修改问答条目."""
    try:
        entry = library.get_entry(db(), current_actor(), entry_id)
    except ReviewerError as exc:
        return error_response(404, exc.message, exc.code)
    error = None
    form = {"question": entry.question, "answer": entry.answer, "department": entry.department or "",
            "valid_until": entry.valid_until.isoformat() if entry.valid_until else ""}
    if request.method == "POST":
        form = {k: request.form.get(k) or "" for k in form}
        try:
            library.edit_entry(db(), current_actor(), entry_id, form["question"], form["answer"], form["department"],
                               form["valid_until"], ip=_ip())
            flash("问答条目已修改。", "success")
            return redirect(url_for("messages.qa"))
        except ReviewerError as exc:
            db().rollback()
            error = exc
    source = db().get(MessageRow, entry.message_id) if entry.message_id else None
    return render_template("messages/qa_edit.html", entry=entry, form=form, error=error, source=source,
                           renamed=qa_library.renamed_agencies(form["answer"])), status_of(error) if error else 200


@bp.post("/qa/<int:entry_id>/retire")
@requires("qa.curate")
def qa_retire(entry_id: int) -> Any:
    """停用问答条目 (kept on record, no longer offered)."""
    try:
        library.retire_entry(db(), current_actor(), entry_id, ip=_ip())
    except ReviewerError as exc:
        db().rollback()
        return _qa_page(exc)
    flash("问答条目已停用，不再推荐。", "success")
    return redirect(url_for("messages.qa"))

