"""The browser pages of the review workflow: editor, queue, review, publish and history.

Views only translate forms into calls of ``reviewer.workflow`` and its answers into pages; every
rule (roles, units, separation of duties, versions, overrides) is decided there. A refused action
is rolled back and shown as a Chinese message with the workflow's HTTP status, keeping what the
user typed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from reviewer import workflow
from reviewer.errors import WorkflowError
from reviewer.vocabulary import DECISION_NAMES, FIELD_NAMES, FINDING_FIELDS, GATE_NAMES, KINDS, STATUS_NAMES, VERDICT_NAMES
from reviewer.web.diff import changed, diff_pieces
from reviewer.web.errors import status_of
from reviewer.web.highlight import by_gate, describe, segments, summary, with_overrides
from reviewer.web.security import current_actor, db, error_response, requires

bp = Blueprint("pages", __name__)

#: Where each role starts, first match wins.
HOME_BY_ROLE: tuple[tuple[str, str], ...] = (
    ("reviewer", "pages.queue"), ("editor", "pages.drafts"), ("publisher", "pages.publish_queue"),
    ("supervisor", "inspections.index"), ("auditor", "pages.all_drafts"), ("admin", "pages.all_drafts"),
)
VERDICT_CLASS: dict[str, str] = {"pass": "info", "review": "review", "block": "block"}
_INT = re.compile(r"\d{1,12}")
_OVERRIDE = re.compile(r"override_(\d{1,12})")
_CONSENT = re.compile(r"consent_(approver|date)_(\d{1,12})")


def _int(value: str | None) -> Any:
    """A form number as int; anything else passes through so the workflow refuses it clearly."""
    if value is not None and _INT.fullmatch(value.strip()):
        return int(value.strip())
    return value


def _ip() -> str | None:
    return request.remote_addr


def _refused(exc: WorkflowError) -> None:
    """Undo whatever the refused action flushed, so a redirect cannot commit half of it."""
    db().rollback()


def _draft_or_error(draft_id: int) -> Any:
    """The draft if the user's units hold it; otherwise raises WorkflowError (404)."""
    return workflow.get_draft(db(), current_actor(), draft_id)


def _act(action: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a workflow action as the current user, re-run on fresh state if it lost a race (as the API does)."""
    return workflow.retrying(db(), action, current_actor(), *args, **kwargs)


def _parts(texts: dict[str, str | None], findings: list[dict]) -> list[dict[str, Any]]:
    """Each reviewed field with its highlight segments; a finding's offsets point into its own field."""
    return [
        {"field": name, "label": FIELD_NAMES[name],
         "segments": segments(texts.get(name) or "", [f for f in findings if (f.get("field") or "body") == name])}
        for name in FINDING_FIELDS
    ]


def _shown(state: dict) -> dict[str, Any]:
    """What every page showing a draft's current version needs: highlighted fields, summary, groups."""
    findings = with_overrides(state["findings"], state["matrix"])
    return {"parts": {part["field"]: part for part in _parts(state, findings)},
            "summary": summary(findings), "groups": by_gate(findings)}


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError) -> Any:
    _refused(exc)
    return error_response(status_of(exc), exc.message, exc.code)


@bp.app_template_filter("localtime")
def _localtime(value: str | None) -> str:
    """ISO timestamps (UTC) shown as Beijing time, minutes precision."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


@bp.route("/")
@requires("session")
def home() -> Any:
    """首页: send each user to the list their role works from."""
    for role, endpoint in HOME_BY_ROLE:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return redirect(url_for("pages.all_drafts"))


# ---------------------------------------------------------------------------------------------
# Lists


def _status_filter() -> str | None:
    return request.args.get("status") or None


@bp.route("/drafts")
@requires("draft.write")
def drafts() -> Any:
    """我的稿件: the drafts this editor wrote, newest change first."""
    rows = workflow.list_drafts(db(), current_actor(), _status_filter())
    mine = [d for d in rows if d["author"] and d["author"]["id"] == current_user.id]
    return render_template("pages/drafts.html", drafts=mine, heading="我的稿件", status=_status_filter(),
                           endpoint="pages.drafts")


@bp.route("/all")
@requires("draft.read")
def all_drafts() -> Any:
    """全部稿件: every draft of the user's units (auditors and admins start here)."""
    rows = workflow.list_drafts(db(), current_actor(), _status_filter())
    return render_template("pages/drafts.html", drafts=rows, heading="本单位全部稿件", status=_status_filter(),
                           endpoint="pages.all_drafts")


@bp.route("/queue")
@requires("draft.sign")
def queue() -> Any:
    """审核队列: in-review drafts still awaiting this reviewer's signature, with their open levels."""
    return render_template("pages/queue.html", items=workflow.review_queue(db(), current_actor()))


@bp.route("/publish")
@requires("draft.publish")
def publish_queue() -> Any:
    """待发布: fully approved drafts, 发布 offered only where this user may publish (``allowed_actions``)."""
    return render_template("pages/publish_queue.html", drafts=workflow.publish_queue(db(), current_actor()))


# ---------------------------------------------------------------------------------------------
# Writing


def _form_values() -> dict[str, Any]:
    kind = request.form.get("kind", "post")
    citizen = request.form.get("citizen_message") if kind == "reply" else None
    return {
        "account_id": _int(request.form.get("account_id")),
        "kind": kind,
        "title": request.form.get("title", ""),
        "body": request.form.get("body", ""),
        "citizen_message": citizen or None,
        "base_version": _int(request.form.get("base_version")),
    }


def _editor(values: dict[str, Any], *, draft_state: dict | None = None, error: str | None = None,
            status: int = 200) -> Any:
    accounts = workflow.visible_accounts(db(), current_actor())
    extra: dict[str, Any] = {}
    if draft_state is not None:
        extra = {"current_parts": _parts(draft_state, draft_state["findings"]),
                 "current_summary": summary(draft_state["findings"]),
                 "current_findings": [describe(f) for f in draft_state["findings"]]}
    return render_template("pages/editor.html", values=values, accounts=accounts, state=draft_state,
                           error=error, kinds=KINDS, **extra), status


@bp.route("/drafts/new", methods=["GET", "POST"])
@requires("draft.write")
def new_draft() -> Any:
    """新建稿件: create version 1 (and optionally submit it at once)."""
    if request.method == "GET":
        values = {"account_id": _int(request.args.get("account_id")), "kind": "post", "title": "", "body": "",
                  "citizen_message": None, "base_version": None}
        return _editor(values)
    values = _form_values()
    try:
        draft = _act(_create, values, request.form.get("action") == "submit", ip=_ip())
    except WorkflowError as exc:
        _refused(exc)
        return _editor(values, error=exc.message, status=status_of(exc))
    if request.form.get("action") == "submit":
        flash("稿件已保存并提交审核。", "success")
        return redirect(url_for("pages.draft", draft_id=draft.id))
    flash("稿件已保存为第 1 版。", "success")
    return redirect(url_for("pages.edit_draft", draft_id=draft.id))


def _create(session: Any, actor: Any, values: dict[str, Any], submitting: bool, *, ip: str | None) -> Any:
    """Create version 1 and, when asked, submit it: one action, so a race re-runs both."""
    draft = workflow.create_draft(session, actor, values["account_id"], values["title"], values["body"],
                                  values["kind"], values["citizen_message"], ip=ip)
    if submitting:
        workflow.submit(session, actor, draft.id, ip=ip)
    return draft


def _save(session: Any, actor: Any, draft_id: int, values: dict[str, Any], edit: bool, submitting: bool, *,
          ip: str | None) -> None:
    """Save an edit as a new version and/or submit the current one: one action, so a race re-runs both."""
    if edit:
        workflow.edit_draft(session, actor, draft_id, values["title"], values["body"], values["base_version"],
                            values["citizen_message"], ip=ip)
    if submitting:
        workflow.submit(session, actor, draft_id, ip=ip)


@bp.route("/drafts/<int:draft_id>/edit", methods=["GET", "POST"])
@requires("draft.write")
def edit_draft(draft_id: int) -> Any:
    """编辑稿件: every save is a new version; a stale base version is refused, never overwritten."""
    draft = _draft_or_error(draft_id)
    state = workflow.draft_state(db(), draft)
    if request.method == "GET":
        values = {"account_id": state["account"]["id"], "kind": state["kind"], "title": state["title"],
                  "body": state["body"], "citizen_message": state["citizen_message"],
                  "base_version": state["version"]}
        return _editor(values, draft_state=state)
    values = _form_values()
    values["account_id"] = state["account"]["id"]
    values["kind"] = state["kind"]
    if state["kind"] == "reply":
        values["citizen_message"] = request.form.get("citizen_message") or None
    submitting = request.form.get("action") == "submit"
    unchanged = (values["base_version"] == state["version"] and values["title"] == state["title"]
                 and values["body"] == state["body"] and values["citizen_message"] == state["citizen_message"])
    try:
        _act(_save, draft_id, values, not (submitting and unchanged), submitting, ip=_ip())
    except WorkflowError as exc:
        _refused(exc)
        return _editor(values, draft_state=workflow.draft_state(db(), _draft_or_error(draft_id)),
                       error=exc.message, status=status_of(exc))
    if submitting:
        flash("稿件已提交审核。", "success")
        return redirect(url_for("pages.draft", draft_id=draft_id))
    flash(f"已保存为第 {draft.current_version} 版。", "success")
    return redirect(url_for("pages.edit_draft", draft_id=draft_id))


@bp.route("/drafts/<int:draft_id>/submit", methods=["POST"])
@requires("draft.write")
def submit_draft(draft_id: int) -> Any:
    """提交审核: send the current version to the reviewers."""
    _act(workflow.submit, draft_id, ip=_ip())
    flash("稿件已提交审核。", "success")
    return redirect(url_for("pages.draft", draft_id=draft_id))


@bp.route("/check", methods=["POST"])
@requires("draft.write")
def check() -> Any:
    """检测: review the editor's unsaved title and body as saving would, answer highlight segments as JSON.

    The citizen's message of a reply is shown as typed but never reviewed: those are not our words.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _json_error("invalid_input", "请求内容必须是 JSON 对象。", 422)
    title, body, kind = data.get("title") or "", data.get("body"), data.get("kind") or "post"
    if not isinstance(body, str) or not body.strip():
        return _json_error("invalid_input", "正文不能为空。", 422)
    account_id = _int(str(data.get("account_id"))) if data.get("account_id") not in (None, "") else None
    try:
        checked = workflow.check_text(db(), current_actor(), account_id, title, body, kind)
    except WorkflowError as exc:
        return _json_error(exc.code, exc.message, status_of(exc))
    findings = [{**describe(f), "field": field} for field, f in checked.findings]
    return jsonify({
        "verdict": checked.verdict,
        "verdict_name": VERDICT_NAMES.get(checked.verdict, checked.verdict),
        "verdict_class": VERDICT_CLASS.get(checked.verdict, "info"),
        "summary": summary(findings),
        "parts": _parts({"title": title, "body": body}, findings),
        "findings": findings,
    })


def _json_error(code: str, message: str, status: int) -> Any:
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    return response


# ---------------------------------------------------------------------------------------------
# Reading a draft


@bp.route("/drafts/<int:draft_id>")
@requires("draft.read")
def draft(draft_id: int) -> Any:
    """稿件详情: the current version with its findings, the sign-off matrix and what is missing."""
    row = _draft_or_error(draft_id)
    state = workflow.draft_state(db(), row)
    return render_template("pages/draft.html", state=state, actions=workflow.allowed_actions(db(), current_actor(), row), **_shown(state))


def _review_page(draft_id: int, level: Any = None, *, errors: dict[str, str] | None = None,
                 values: dict[str, dict] | None = None, error_code: str | None = None, status: int = 200) -> Any:
    row = _draft_or_error(draft_id)
    state = workflow.draft_state(db(), row)
    actions = workflow.allowed_actions(db(), current_actor(), row)
    levels = actions.review_levels
    if level is None:
        level = levels[0] if levels else state["open_level"]
    return render_template(
        "pages/review.html", state=state, level=level, open_levels=levels, refusal=actions.reasons.get("review"),
        can_sign=level in levels, **_shown(state),
        signed=state["matrix"].get(str(level), {}) if level is not None else {},
        errors=errors or {}, values=values or {}, error_code=error_code,
    ), status


@bp.route("/drafts/<int:draft_id>/review")
@requires("draft.sign")
def review(draft_id: int) -> Any:
    """审核: the draft with findings by gate, and one sign-off form per gate at the chosen level."""
    level = _int(request.args.get("level"))
    return _review_page(draft_id, level if isinstance(level, int) else None)


@bp.route("/drafts/<int:draft_id>/signoff", methods=["POST"])
@requires("draft.sign")
def signoff(draft_id: int) -> Any:
    """签署一关: approve or return one gate of one level; block findings need override reasons."""
    form = request.form
    gate, level, decision = form.get("gate", ""), _int(form.get("level")), form.get("decision", "")
    overrides = {m.group(1): value for key, value in form.items() if (m := _OVERRIDE.fullmatch(key))}
    consents = {m.group(2): {"approver": form.get(f"consent_approver_{m.group(2)}", ""),
                             "approved_on": form.get(f"consent_date_{m.group(2)}", "")}
                for key in form if (m := _CONSENT.fullmatch(key)) and m.group(1) == "approver"}
    try:
        request_ = workflow.SignOffRequest(_int(form.get("version")), level, gate, decision,
                                           form.get("comment") or None, overrides, consents)
        _act(workflow.sign_off, draft_id, request_, ip=_ip())
    except WorkflowError as exc:
        _refused(exc)
        if exc.code == "not_found":
            raise
        values = {gate: {"comment": form.get("comment", ""), "overrides": overrides, "consents": consents}}
        return _review_page(draft_id, level if isinstance(level, int) else None, errors={gate: exc.message},
                            values=values, error_code=exc.code, status=status_of(exc))
    gate_name = GATE_NAMES.get(gate, gate)
    flash(f"已签署第 {level} 级{gate_name}：{DECISION_NAMES.get(decision, decision)}。", "success")
    row = _draft_or_error(draft_id)
    if row.status != "in_review":
        flash(f"稿件状态已变为“{STATUS_NAMES[row.status]}”。", "info")
        return redirect(url_for("pages.draft", draft_id=draft_id))
    return redirect(url_for("pages.review", draft_id=draft_id, level=level) + f"#gate-{gate}")


@bp.route("/drafts/<int:draft_id>/publish", methods=["GET", "POST"])
@requires("draft.publish")
def publish(draft_id: int) -> Any:
    """发布: record the publication of the approved current version, with its URL."""
    row = _draft_or_error(draft_id)
    if request.method == "POST":
        url = (request.form.get("url") or "").strip() or None
        try:
            _act(workflow.publish, draft_id, _int(request.form.get("version")), url, ip=_ip())
        except WorkflowError as exc:
            _refused(exc)
            if exc.code == "not_found":
                raise
            state = workflow.draft_state(db(), _draft_or_error(draft_id))
            return render_template("pages/publish.html", state=state, error=exc.message, url=url or "",
                                   actions=workflow.allowed_actions(db(), current_actor(), row)), status_of(exc)
        flash("稿件已发布。", "success")
        return redirect(url_for("pages.draft", draft_id=draft_id))
    state = workflow.draft_state(db(), row)
    actions = workflow.allowed_actions(db(), current_actor(), row)
    return render_template("pages/publish.html", state=state, error=None, url="", actions=actions)


@bp.route("/drafts/<int:draft_id>/history")
@requires("draft.read")
def history(draft_id: int) -> Any:
    """历史: every version, a diff between any two, every sign-off with overrides, the publication."""
    row = _draft_or_error(draft_id)
    state = workflow.draft_state(db(), row)
    numbers = [v["number"] for v in state["versions"]]
    new = _int(request.args.get("b"))
    old = _int(request.args.get("a"))
    new = new if new in numbers else numbers[-1]
    old = old if old in numbers else max(1, new - 1)
    by_number = {v["number"]: v for v in state["versions"]}
    diffs = [(label, diff_pieces(by_number[old].get(key), by_number[new].get(key)))
             for key, label in (("title", "标题"), ("body", "正文"), ("citizen_message", "群众留言"))
             if by_number[old].get(key) or by_number[new].get(key)]
    finding_texts = {f["id"]: f for v in state["versions"] for f in v["findings"]}
    return render_template("pages/history.html", state=state, old=old, new=new, numbers=numbers,
                           diffs=diffs, any_change=any(changed(p) for _, p in diffs),
                           finding_texts=finding_texts)
