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
from reviewer.vocabulary import FIELD_NAMES, FINDING_FIELDS, KINDS, VERDICT_NAMES
from reviewer.web.diff import changed, diff_pieces
from reviewer.web.errors import status_of
from reviewer.web.highlight import by_gate, describe, segments, summary, with_overrides
from reviewer.web.security import current_actor, db, error_response, requires
from reviewer.web.worklists import list_view
from reviewer.workflow import lifecycle, listing, retraction

bp = Blueprint("pages", __name__)

#: Where each role starts, first match wins.
HOME_BY_ROLE: tuple[tuple[str, str], ...] = (
    ("reviewer", "pages.queue"), ("editor", "pages.drafts"), ("publisher", "pages.publish_queue"),
    ("supervisor", "inspections.index"), ("auditor", "pages.all_drafts"), ("admin", "register_forms.dashboard"),
)
VERDICT_CLASS: dict[str, str] = {"pass": "info", "review": "review", "block": "block"}
_INT = re.compile(r"\d{1,12}")


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


@bp.route("/drafts")
@requires("draft.write")
def drafts() -> Any:
    """我的稿件: the drafts this editor wrote, newest change first, paged and searchable."""
    return list_view("pages/drafts.html", "pages.drafts",
                     lambda session, actor, flt: listing.draft_page(session, actor, flt, author_only=True),
                     heading="我的稿件")


@bp.route("/all")
@requires("draft.read")
def all_drafts() -> Any:
    """全部稿件: every draft of the user's units (auditors and admins start here), paged and searchable."""
    return list_view("pages/drafts.html", "pages.all_drafts", listing.draft_page, heading="本单位全部稿件")


@bp.route("/queue")
@requires("draft.sign")
def queue() -> Any:
    """审核队列: in-review drafts still awaiting this reviewer's signature, with their open levels."""
    return list_view("pages/queue.html", "pages.queue", listing.review_queue_page)


@bp.route("/publish")
@requires("draft.publish")
def publish_queue() -> Any:
    """待发布: fully approved drafts, 发布 offered only where this user may publish (``allowed_actions``)."""
    return list_view("pages/publish_queue.html", "pages.publish_queue", listing.publish_queue_page)


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
            status: int = 200, confirm_save: bool = False) -> Any:
    accounts = workflow.visible_accounts(db(), current_actor())
    extra: dict[str, Any] = {}
    if draft_state is not None:
        extra = {"current_parts": _parts(draft_state, draft_state["findings"]),
                 "current_summary": summary(draft_state["findings"]),
                 "current_findings": [describe(f) for f in draft_state["findings"]],
                 "return_notes": [n for n in workflow.notes_of(db(), _draft_or_error(draft_state["id"]))
                                  if n["version"] == draft_state["version"]]}
    return render_template("pages/editor.html", values=values, accounts=accounts, state=draft_state,
                           error=error, kinds=KINDS, confirm_save=confirm_save,
                           live_signoffs=_live_signoffs(draft_state), **extra), status


#: Statuses in which saving an edit restarts the review: the editor confirms first (issue 16, defect 5).
IN_REVIEW = (workflow.lifecycle.SIGNABLE, workflow.lifecycle.PUBLISHABLE)


def _live_signoffs(state: dict | None) -> int:
    """How many sign-offs of the current version still count (and stop counting once it is edited)."""
    return sum(1 for gates in (state or {}).get("matrix", {}).values() for s in gates.values() if s)


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
        if draft.status != "in_review":
            return _ask_to_confirm(draft.id)
        flash("稿件已保存并提交审核。", "success")
        return redirect(url_for("pages.draft", draft_id=draft.id))
    flash("稿件已保存为第 1 版。", "success")
    return redirect(url_for("pages.edit_draft", draft_id=draft.id))


def _create(session: Any, actor: Any, values: dict[str, Any], submitting: bool, *, ip: str | None) -> Any:
    """Create version 1 and, when asked, submit it: one action, so a race re-runs both."""
    draft = workflow.create_draft(session, actor, values["account_id"], values["title"], values["body"],
                                  values["kind"], values["citizen_message"], ip=ip)
    if submitting and not retraction.block_findings(session, draft):  # else saved, and the editor is asked first
        workflow.submit(session, actor, draft.id, ip=ip)
    return draft


def _save(session: Any, actor: Any, draft_id: int, values: dict[str, Any], edit: bool, submitting: bool, *,
          ip: str | None) -> None:
    """Save an edit as a new version and/or submit the current one: one action, so a race re-runs both."""
    if edit:
        workflow.edit_draft(session, actor, draft_id, values["title"], values["body"], values["base_version"],
                            values["citizen_message"], ip=ip)
    if submitting and not retraction.block_findings(session, workflow.get_draft(session, actor, draft_id)):
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
    restarting = state["status"] in IN_REVIEW and not submitting
    if restarting and not request.form.get("confirm_save"):
        return _editor(values, draft_state=state, confirm_save=True, status=409)
    try:
        _act(_save, draft_id, values, not (submitting and unchanged), submitting, ip=_ip())
    except WorkflowError as exc:
        _refused(exc)
        return _editor(values, draft_state=workflow.draft_state(db(), _draft_or_error(draft_id)),
                       error=exc.message, status=status_of(exc))
    if submitting:
        if workflow.get_draft(db(), current_actor(), draft_id).status != "in_review":
            return _ask_to_confirm(draft_id)
        flash("稿件已提交审核。", "success")
        return redirect(url_for("pages.draft", draft_id=draft_id))
    flash(f"已保存为第 {draft.current_version} 版。" + ("此前的签署不再计入，稿件须重新审核。" if restarting else ""),
          "success")
    return redirect(url_for("pages.edit_draft", draft_id=draft_id))


def _ask_to_confirm(draft_id: int, *, saved: bool = True) -> Any:
    """The version (saved) still has block findings: show them and ask before submitting."""
    flash(("已保存。" if saved else "") + "此版本仍有“禁止发布”问题，请确认后再提交审核。", "warning")
    return redirect(url_for("aftercare.confirm_submit", draft_id=draft_id))


@bp.route("/drafts/<int:draft_id>/submit", methods=["POST"])
@requires("draft.write")
def submit_draft(draft_id: int) -> Any:
    """提交审核: send the current version to the reviewers (block findings are confirmed first)."""
    draft = _draft_or_error(draft_id)
    if draft.status in lifecycle.SUBMITTABLE and retraction.block_findings(db(), draft):
        return _ask_to_confirm(draft_id, saved=False)
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


# The review page and its sign-off routes: reviewer.web.reviewing (on this blueprint).


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
