"""The after-publishing JSON API: the same use cases, rules and stable codes as the 发布后处理 page."""

from __future__ import annotations

from alert_helpers import publish_draft
from sqlalchemy import select

from reviewer.audit.chain import AuditEntry
from reviewer.storage import PostCorrection

ALL_OK = {"display": {"ok": True}, "images": {"ok": True}, "links": {"ok": True}}


def test_the_after_state_of_a_published_draft_says_live_and_what_the_publisher_may_do(editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    state = publisher.get(f"/drafts/{draft_id}/after").get_json()
    assert state["id"] == draft_id and state["state"] == "live" and state["state_name"] == "在线"
    assert state["can"]["withdraw_post"] is True and state["can"]["check"] is True and state["can"]["correct"] is False


def test_a_correction_through_the_api_is_a_new_linked_draft_that_must_be_reviewed(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    response = editor.post(f"/drafts/{draft_id}/correct", {"reason": "活动时间有误，应为10月2日"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["corrects"] == draft_id and body["status"] == "draft" and body["version"] == 1
    link = db.scalar(select(PostCorrection).where(PostCorrection.original_draft_id == draft_id))
    assert link.correction_draft_id == body["id"]
    again = editor.post(f"/drafts/{draft_id}/correct", {"reason": "再更正一次"})
    assert again.status_code == 409 and again.get_json()["error"] == "correction_open"


def test_a_withdrawal_through_the_api_answers_the_withdrawn_state_and_is_audited(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    response = publisher.post(f"/drafts/{draft_id}/withdraw-post", {"reason": "配图使用未获授权"})
    assert response.status_code == 200, response.get_json()
    state = response.get_json()
    assert state["state"] == "withdrawn" and state["withdrawal"]["reason"] == "配图使用未获授权"
    assert db.scalar(select(AuditEntry.event).where(AuditEntry.event == "post.withdraw", AuditEntry.draft_id == draft_id))
    twice = publisher.post(f"/drafts/{draft_id}/withdraw-post", {"reason": "再撤一次"})
    assert twice.status_code == 409 and twice.get_json()["error"] == "post_withdrawn"


def test_an_editor_may_not_withdraw_a_published_post(editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    response = editor.post(f"/drafts/{draft_id}/withdraw-post", {"reason": "我想撤"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden_role"


def test_the_check_through_the_api_records_every_item_once(editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    response = publisher.post(f"/drafts/{draft_id}/check", {"items": ALL_OK})
    assert response.status_code == 201, response.get_json()
    assert [r["item"] for r in response.get_json()["check"]["results"]] == ["display", "images", "links"]
    again = publisher.post(f"/drafts/{draft_id}/check", {"items": ALL_OK})
    assert again.status_code == 409 and again.get_json()["error"] == "already_checked"


def test_a_check_with_a_problem_and_no_note_is_refused_in_chinese(editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    items = {**ALL_OK, "links": {"ok": False}}
    response = publisher.post(f"/drafts/{draft_id}/check", {"items": items})
    assert response.status_code == 422 and "说明" in response.get_json()["message"]


def test_a_check_missing_an_item_is_refused_by_the_schema(editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    response = publisher.post(f"/drafts/{draft_id}/check", {"items": {"display": {"ok": True}}})
    assert response.status_code == 422 and response.get_json()["error"] != "internal"


def test_an_unpublished_draft_cannot_be_corrected_through_the_api(editor):
    draft_id = editor.new_draft()
    response = editor.post(f"/drafts/{draft_id}/correct", {"reason": "更正"})
    assert response.status_code == 409 and response.get_json()["error"] == "not_published"
