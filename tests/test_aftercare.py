"""After publishing and before: a correction is a new draft reviewed in full and linked both ways, a
withdrawal records who, why and when and leaves the inspection's live updates, the 双向反馈 check
is recorded item by item; editors withdraw or delete drafts not yet published; submitting a draft
with block findings asks first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from alert_helpers import BLOCK_BODY, age, person, publish_draft
from sqlalchemy import select

from reviewer.aftercare.actions import record_check, start_correction, withdraw_post
from reviewer.aftercare.history import write_history
from reviewer.aftercare.state import post_state
from reviewer.audit.chain import AuditEntry
from reviewer.engine.core import load_engine
from reviewer.errors import WorkflowError
from reviewer.inspection.accounts import Window
from reviewer.inspection.run import inspect
from reviewer.storage import Draft, SignOff, utcnow
from reviewer.workflow import list_drafts, submit
from reviewer.workflow.retraction import delete_draft, withdraw_draft


def _refusal(action, *args) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        action(*args)
    return refused.value


def test_a_correction_is_a_new_draft_linked_to_the_original_in_both_directions(db, editor, r1, r2, publisher):
    original = publish_draft(editor, r1, r2, publisher)
    correction = start_correction(db, person(db, "editor1"), original, "活动日期写错，应为10月2日")
    db.commit()
    assert correction.id != original and correction.status == "draft"
    shown = post_state(db, person(db, "editor1"), db.get(Draft, original))
    assert [c["draft_id"] for c in shown["corrections"]] == [correction.id]
    assert shown["corrections"][0]["reason"] == "活动日期写错，应为10月2日"
    assert post_state(db, person(db, "editor1"), correction)["corrects"]["draft_id"] == original


def test_a_correction_goes_through_the_whole_review_before_it_is_published(db, editor, r1, r2, publisher):
    original = publish_draft(editor, r1, r2, publisher)
    correction = start_correction(db, person(db, "editor1"), original, "活动地点有误").id
    db.commit()
    assert editor.post(f"/drafts/{correction}/submit").status_code == 200
    r1.approve_level(correction, 1, 1)
    assert publisher.post(f"/drafts/{correction}/publish", {"version": 1}).get_json()["error"] == "not_publishable"
    r2.approve_level(correction, 1, 2)
    assert publisher.post(f"/drafts/{correction}/publish", {"version": 1}).status_code == 200
    db.expire_all()
    assert post_state(db, person(db, "editor1"), db.get(Draft, original))["state"] == "corrected"


def test_an_unpublished_draft_cannot_be_corrected_or_withdrawn_from_the_public(db, editor):
    draft_id = editor.new_draft()
    assert _refusal(start_correction, db, person(db, "editor1"), draft_id, "更正").code == "not_published"
    assert _refusal(withdraw_post, db, person(db, "publisher1"), draft_id, "撤稿").code == "not_published"


def test_a_withdrawal_records_who_why_and_when_and_the_item_shows_as_withdrawn(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    before = utcnow()
    withdraw_post(db, person(db, "publisher1"), draft_id, "配图使用未获授权")
    db.commit()
    shown = post_state(db, person(db, "publisher1"), db.get(Draft, draft_id))
    assert shown["state"] == "withdrawn" and shown["state_name"] == "已撤稿"
    assert shown["withdrawal"]["by"] == "发布员 陈静" and shown["withdrawal"]["reason"] == "配图使用未获授权"
    assert shown["withdrawal"]["at"] >= before.isoformat()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.event == "post.withdraw"))
    assert entry.draft_id == draft_id and entry.details_dict["reason"] == "配图使用未获授权"


def test_a_withdrawn_post_shows_as_withdrawn_in_the_lists_too(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    withdraw_post(db, person(db, "publisher1"), draft_id, "配图使用未获授权")
    db.commit()
    row = next(d for d in list_drafts(db, person(db, "editor1")) if d["id"] == draft_id)
    assert row["status_name"] == "已撤稿" and row["withdrawn"] is True
    assert "已撤稿" in editor.get("/drafts").get_data(as_text=True)


def test_a_withdrawal_needs_a_reason_and_happens_once(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    assert _refusal(withdraw_post, db, person(db, "publisher1"), draft_id, "").code == "invalid_input"
    withdraw_post(db, person(db, "publisher1"), draft_id, "内容已过时")
    assert _refusal(withdraw_post, db, person(db, "publisher1"), draft_id, "再撤一次").code == "post_withdrawn"


def test_a_withdrawn_post_is_no_longer_a_live_update_in_the_inspection(db, editor, r1, r2, publisher, settings, tmp_path):
    older = publish_draft(editor, r1, r2, publisher)
    newer = publish_draft(editor, r1, r2, publisher)
    age(db, older, days=20)
    age(db, newer, days=2)
    window = Window(date.today() - timedelta(days=27), date.today())
    engine = load_engine(settings)

    def judged() -> tuple[int, list[str]]:
        path = tmp_path / "history.jsonl"
        rows = write_history(db, path)
        verdict = next(v for v in inspect([path], window, engine).verdicts if v.account.name == "示例文旅")
        return rows, [wording for _, wording, _ in verdict.problems]

    rows, problems = judged()
    assert rows == 2 and "监测时间点前2周内未更新" not in problems
    withdraw_post(db, person(db, "publisher1"), newer, "信息有误，已撤下")
    db.commit()
    rows, problems = judged()
    assert rows == 1 and "监测时间点前2周内未更新" in problems


def test_the_check_of_the_live_post_is_recorded_item_by_item(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    results = {"display": {"ok": True, "note": "手机端显示正常"}, "images": {"ok": False, "note": "第2张图未加载，已补传"},
               "links": {"ok": True, "note": ""}}
    record_check(db, person(db, "publisher1"), draft_id, results)
    db.commit()
    check = post_state(db, person(db, "publisher1"), db.get(Draft, draft_id))["check"]
    assert [(r["name"], r["ok"]) for r in check["results"]] == [("页面显示", True), ("图片", False), ("链接", True)]
    assert check["late"] is False and check["by"] == "发布员 陈静"


def test_a_problem_found_in_the_check_needs_a_note(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    results = {"display": {"ok": True}, "images": {"ok": False, "note": ""}, "links": {"ok": True}}
    refused = _refusal(record_check, db, person(db, "publisher1"), draft_id, results)
    assert refused.code == "invalid_input" and "图片" in refused.message


def test_a_check_after_the_set_time_is_kept_and_marked_late(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    age(db, draft_id, hours=30)
    record_check(db, person(db, "publisher1"), draft_id, {k: {"ok": True} for k in ("display", "images", "links")})
    db.commit()
    assert post_state(db, person(db, "publisher1"), db.get(Draft, draft_id))["check"]["late"] is True


def test_an_editor_withdraws_a_draft_in_review_back_to_editing_and_its_signatures_lapse(db, editor, r1):
    draft_id = editor.submitted_draft()
    r1.sign(draft_id, 1, 1, "political")
    withdraw_draft(db, person(db, "editor1"), draft_id, 1, "领导要求补充活动时间")
    db.commit()
    assert db.get(Draft, draft_id).status == "draft"
    assert all(s.lapsed_at is not None for s in db.scalars(select(SignOff)))
    assert db.scalar(select(AuditEntry.event).where(AuditEntry.event == "draft.withdraw")) == "draft.withdraw"


def test_a_draft_not_in_review_cannot_be_withdrawn(db, editor):
    draft_id = editor.new_draft()
    assert _refusal(withdraw_draft, db, person(db, "editor1"), draft_id, 1).code == "invalid_state"


def test_a_deleted_draft_leaves_the_lists_and_keeps_its_audit_trail(db, editor):
    draft_id = editor.new_draft()
    delete_draft(db, person(db, "editor1"), draft_id, 1, "重复稿件")
    db.commit()
    assert draft_id not in [d["id"] for d in list_drafts(db, person(db, "editor1"))]
    assert editor.get(f"/drafts/{draft_id}").status_code == 404
    events = list(db.scalars(select(AuditEntry.event).where(AuditEntry.draft_id == draft_id).order_by(AuditEntry.seq)))
    assert events[0] == "draft.create" and events[-1] == "draft.delete"
    assert db.get(Draft, draft_id) is not None


def test_a_deletion_needs_a_reason(db, editor):
    draft_id = editor.new_draft()
    assert _refusal(delete_draft, db, person(db, "editor1"), draft_id, 1, " ").code == "invalid_input"


def test_a_published_draft_can_be_neither_withdrawn_to_editing_nor_deleted(db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    for action, args in ((withdraw_draft, ()), (delete_draft, ("不要了",))):
        refused = _refusal(action, db, person(db, "editor1"), draft_id, 1, *args)
        assert refused.code == "invalid_state" and "更正" in refused.message


def test_submitting_a_draft_with_block_findings_asks_for_confirmation_first(db, editor):
    draft_id = editor.new_draft(body=BLOCK_BODY)
    refused = _refusal(lambda: submit(db, person(db, "editor1"), draft_id, confirm_blocks=False))
    assert refused.code == "blocks_unconfirmed" and "台湾总统" in refused.message
    db.rollback()
    assert submit(db, person(db, "editor1"), draft_id, confirm_blocks=True).status == "in_review"


def test_a_clean_draft_is_submitted_without_asking(db, editor):
    draft_id = editor.new_draft()
    assert submit(db, person(db, "editor1"), draft_id, confirm_blocks=False).status == "in_review"
