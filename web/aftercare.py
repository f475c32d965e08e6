"""After publishing, and taking back a draft not yet published, in the browser.

One page per draft (``/drafts/<id>/after``) shows what became of it (在线, 已更正, 已撤稿), the
correction links both ways, the 双向反馈 check, and the forms the user may use now: 更正 and 撤稿
for a published item, the check for its publisher, 撤回 and 删除 for a draft not published. The
confirmation page lists the block findings a submission would carry and submits only when
confirmed. Use cases are ``reviewer.aftercare`` and ``reviewer.workflow.retraction``; a refusal
re-renders the page with the error next to the form used and the input kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from reviewer import workflow
from reviewer.aftercare import actions
from reviewer.aftercare.state import post_state
from reviewer.errors import WorkflowError
from reviewer.vocabulary import POST_CHECK_ITEMS
from reviewer.web.errors import status_of
from reviewer.web.highlight import describe
from reviewer.web.security import current_actor, db, error_response, requires
from reviewer.workflow import retraction

bp = Blueprint("aftercare", __name__)


@bp.app_context_processor
def _after_state() -> dict[str, Any]:
    """``after_state(draft_id)`` for any page that shows a draft: what became of it once published."""
    def after_state(draft_id: int) -> dict[str, Any]:
        return post_state(db(), current_actor(), workflow.get_draft(db(), current_actor(), draft_id))

    return {"after_state": after_state}


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError) -> Any:
    """A draft not found (another unit's, or deleted) or a refusal outside a form: the Chinese error page."""
    db().rollback()
    return error_response(status_of(exc), exc.message, exc.code)


def _version(value: str | None) -> Any:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else value


def _page(draft_id: int, *, form: str | None = None, error: str | None = None, values: dict | None = None,
          status: int = 200) -> Any:
    draft = workflow.get_draft(db(), current_actor(), draft_id)
    state = workflow.draft_state(db(), draft)
    return render_template("aftercare/page.html", state=state, after=post_state(db(), current_actor(), draft),
                           form=form, error=error, values=values or {}, items=POST_CHECK_ITEMS), status


def _act(form: str, draft_id: int, action: Any, done: str, *args: Any, to: str | None = None) -> Any:
    """Run one use case; on refusal show the page again with the error at the form used."""
    try:
        result = workflow.retrying(db(), action, current_actor(), draft_id, *args, ip=request.remote_addr)
    except WorkflowError as exc:
        db().rollback()
        return _page(draft_id, form=form, error=exc.message, values=request.form.to_dict(), status=status_of(exc))
    flash(done, "success")
    return redirect(to(result) if callable(to) else url_for("aftercare.page", draft_id=draft_id))


@bp.get("/drafts/<int:draft_id>/after")
@requires("draft.read")
def page(draft_id: int) -> Any:
    """发布后处理 / 撤回与删除: what became of the draft and what the user may do now."""
    return _page(draft_id)


@bp.post("/drafts/<int:draft_id>/correct")
@requires("draft.write")
def correct(draft_id: int) -> Any:
    """更正: start a linked correction draft, then edit it and send it through the whole review."""
    return _act("correct", draft_id, actions.start_correction, "已新建更正稿，请修改后提交审核；更正稿须重新经过全部审核。",
                request.form.get("reason"), to=lambda d: url_for("pages.edit_draft", draft_id=d.id))


@bp.post("/drafts/<int:draft_id>/withdraw-post")
@requires("post.withdraw")
def withdraw_post(draft_id: int) -> Any:
    """撤稿: record that the published item was taken down, why, by whom, when."""
    return _act("withdraw_post", draft_id, actions.withdraw_post, "已登记撤稿。", request.form.get("reason"))


@bp.post("/drafts/<int:draft_id>/check")
@requires("post.check")
def check(draft_id: int) -> Any:
    """双向反馈: the publisher's check of the live post, item by item."""
    results = {}
    for item in POST_CHECK_ITEMS:
        answer = request.form.get(f"{item}_ok")
        results[item] = {"ok": {"yes": True, "no": False}.get(answer or ""), "note": request.form.get(f"{item}_note")}
    return _act("check", draft_id, actions.record_check, "已记录双向反馈核查。", results)


@bp.post("/drafts/<int:draft_id>/withdraw")
@requires("draft.write")
def withdraw(draft_id: int) -> Any:
    """撤回: take a draft out of review back to editing."""
    return _act("withdraw", draft_id, retraction.withdraw_draft, "稿件已撤回，可以继续修改；此前的审核签署不再有效。",
                _version(request.form.get("version")), request.form.get("reason"),
                to=lambda d: url_for("pages.edit_draft", draft_id=d.id))


@bp.post("/drafts/<int:draft_id>/delete")
@requires("draft.write")
def delete(draft_id: int) -> Any:
    """删除: hide a draft not published; the audit log keeps everything."""
    return _act("delete", draft_id, retraction.delete_draft, "稿件已删除，记录保留在审计日志中。",
                _version(request.form.get("version")), request.form.get("reason"), to=lambda _: url_for("pages.drafts"))


@bp.get("/drafts/<int:draft_id>/confirm-submit")
@requires("draft.write")
def confirm_submit(draft_id: int) -> Any:
    """确认提交: the block findings of the current version, and the choice to submit anyway or go back."""
    draft = workflow.get_draft(db(), current_actor(), draft_id)
    state = workflow.draft_state(db(), draft)
    blocks = [describe(f) for f in state["findings"] if f["severity"] == "block"]
    if not blocks:
        return redirect(url_for("pages.draft", draft_id=draft_id))
    return render_template("aftercare/confirm_submit.html", state=state, blocks=blocks)


@bp.post("/drafts/<int:draft_id>/confirm-submit")
@requires("draft.write")
def submit_confirmed(draft_id: int) -> Any:
    """提交审核 after the editor confirmed the block findings."""
    workflow.get_draft(db(), current_actor(), draft_id)  # another unit's draft: 404
    try:
        workflow.retrying(db(), workflow.submit, current_actor(), draft_id, ip=request.remote_addr, confirm_blocks=True)
    except WorkflowError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("pages.draft", draft_id=draft_id))
    flash("稿件已提交审核（含“禁止发布”问题，审核员须逐条填写放行理由或退回）。", "success")
    return redirect(url_for("pages.draft", draft_id=draft_id))
