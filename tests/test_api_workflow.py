"""The review rules of issue 4, exercised through the JSON API as a CMS would use it."""

from __future__ import annotations

import pytest
from api_helpers import BLOCK_BODY, CLEAN_BODY, block_finding
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reviewer.storage import DraftVersion, SignOff, User
from reviewer.vocabulary import GATES


def test_create_draft_answers_id_version_and_status(editor):
    response = editor.post("/drafts", {"account_id": editor.account_id("示例文旅"), "title": "活动预告",
                                       "body": CLEAN_BODY, "kind": "post"})
    assert response.status_code == 201
    assert set(response.get_json()) == {"id", "version", "status"}
    assert response.get_json()["version"] == 1 and response.get_json()["status"] == "draft"


def test_submit_returns_in_review_and_findings_with_ids(editor):
    draft_id = editor.new_draft(body=BLOCK_BODY)
    response = editor.post(f"/drafts/{draft_id}/submit")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "in_review"
    assert data["findings"] and all(isinstance(f["id"], int) for f in data["findings"])
    assert "台湾总统选举" in [f["text"] for f in data["findings"]]


def test_author_cannot_sign_off_own_draft(api_as):
    author = api_as("reviewer1")  # reviewer and editor
    draft_id = author.submitted_draft()
    response = author.sign(draft_id, 1, 1, "political")
    assert response.status_code == 403
    assert response.get_json()["error"] == "separation_of_duties"


def test_editor_of_any_version_cannot_sign_off(editor, r1):
    draft_id = editor.submitted_draft()
    assert r1.put(f"/drafts/{draft_id}", {"title": "改", "body": CLEAN_BODY + "。", "base_version": 1}).status_code == 200
    response = r1.sign(draft_id, 2, 1, "political")
    assert response.status_code == 403
    assert response.get_json()["error"] == "separation_of_duties"


def test_reviewer_cannot_sign_two_levels_of_one_version(editor, r2):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    response = r2.sign(draft_id, 1, 2, "legal")
    assert response.status_code == 403
    assert response.get_json()["error"] == "separation_of_duties"


def test_one_level_is_signed_by_one_reviewer(editor, r2, r3):
    draft_id = editor.submitted_draft()
    assert r2.sign(draft_id, 1, 1, "political").status_code == 201
    response = r3.sign(draft_id, 1, 1, "legal")
    assert response.status_code == 409
    assert response.get_json()["error"] == "level_taken"


def test_reviewer_who_signed_cannot_publish(editor, r2, r3):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    response = r3.post(f"/drafts/{draft_id}/publish", {"version": 1, "url": "https://mp.weixin.qq.com/s/x"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "separation_of_duties"


def test_reviewer_who_signed_an_earlier_version_cannot_publish_the_next(editor, r1, r2, r3):
    draft_id = editor.submitted_draft()
    r3.approve_level(draft_id, 1, 1)  # reviewer3 also holds the publisher role
    assert editor.put(f"/drafts/{draft_id}", {"title": "改", "body": CLEAN_BODY + "。",
                                              "base_version": 1}).status_code == 200
    r2.approve_level(draft_id, 2, 1)
    r1.approve_level(draft_id, 2, 2)
    assert editor.state(draft_id)["status"] == "approved"
    response = r3.post(f"/drafts/{draft_id}/publish", {"version": 2})
    assert response.status_code == 403
    assert response.get_json()["error"] == "separation_of_duties"


def test_an_editor_who_also_publishes_cannot_publish_their_own_draft(api_as, db, editor, r2, r3):
    from reviewer.storage import UserRole

    editor_id = db.scalar(select(User.id).where(User.username == "editor1"))
    db.add(UserRole(user_id=editor_id, role="publisher"))
    db.commit()
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    response = api_as("editor1").post(f"/drafts/{draft_id}/publish", {"version": 1})
    assert response.status_code == 403
    assert response.get_json()["error"] == "separation_of_duties"
    assert "撰写或修改过" in response.get_json()["message"]


def test_two_level_draft_is_published_after_two_reviewers_approve_all_gates(editor, r2, r3, publisher):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    assert editor.state(draft_id)["status"] == "in_review"
    r3.approve_level(draft_id, 1, 2)
    assert editor.state(draft_id)["status"] == "approved"
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 1, "url": "https://mp.weixin.qq.com/s/x"})
    assert response.status_code == 200
    state = editor.state(draft_id)
    assert state["status"] == "published"
    assert state["publication"]["version"] == 1 and state["publication"]["publisher"]["username"] == "publisher1"


def test_three_level_account_needs_three_distinct_reviewers(editor, r1, r2, r3, publisher):
    draft_id = editor.submitted_draft(account="示例税务")
    r1.approve_level(draft_id, 1, 1)
    r2.approve_level(draft_id, 1, 2)
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 1})
    assert response.status_code == 409 and response.get_json()["error"] == "not_publishable"
    r3.approve_level(draft_id, 1, 3)
    assert publisher.post(f"/drafts/{draft_id}/publish", {"version": 1}).status_code == 200


def test_level_beyond_the_accounts_review_levels_is_refused(editor, r2):
    draft_id = editor.submitted_draft(account="示例文旅微博")  # one level
    response = r2.sign(draft_id, 1, 2, "political")
    assert response.status_code == 409 and response.get_json()["error"] == "no_such_level"


def test_publish_with_four_of_five_gates_is_409(editor, r2, r3, publisher):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    for gate in GATES[:-1]:
        assert r3.sign(draft_id, 1, 2, gate).status_code == 201
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 1})
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_publishable"
    assert "文字关" in response.get_json()["message"]


def test_edit_makes_earlier_signoffs_stop_counting(editor, r2, r3, publisher):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    assert editor.put(f"/drafts/{draft_id}", {"title": "改", "body": CLEAN_BODY + "。",
                                              "base_version": 1}).status_code == 200
    state = editor.state(draft_id)
    assert state["status"] == "in_review" and state["version"] == 2
    assert len(state["missing"]) == 10
    assert len(state["signoffs"]) == 10  # still on record, attached to version 1
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 2})
    assert response.status_code == 409 and response.get_json()["error"] == "not_publishable"


def test_signoff_of_an_old_version_is_409_stale(editor, r2):
    draft_id = editor.submitted_draft()
    editor.put(f"/drafts/{draft_id}", {"title": "改", "body": CLEAN_BODY + "。", "base_version": 1})
    response = r2.sign(draft_id, 1, 1, "political")
    assert response.status_code == 409
    assert response.get_json()["error"] == "stale_version"


def test_publishing_an_old_version_is_409_stale(editor, r2, r3, publisher):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 7})
    assert response.status_code == 409 and response.get_json()["error"] == "stale_version"


def test_edit_with_stale_base_version_is_409_and_keeps_content(editor):
    draft_id = editor.new_draft()
    assert editor.put(f"/drafts/{draft_id}", {"title": "二", "body": "第二版正文。", "base_version": 1}).status_code == 200
    response = editor.put(f"/drafts/{draft_id}", {"title": "覆盖", "body": "覆盖正文。", "base_version": 1})
    assert response.status_code == 409
    assert response.get_json()["error"] == "stale_version"
    state = editor.state(draft_id)
    assert state["version"] == 2 and state["body"] == "第二版正文。"


def test_second_signoff_is_refused_by_the_api(editor, r2):
    draft_id = editor.submitted_draft()
    assert r2.sign(draft_id, 1, 1, "political").status_code == 201
    response = r2.sign(draft_id, 1, 1, "political")
    assert response.status_code == 409 and response.get_json()["error"] == "already_signed"


def test_database_refuses_second_signoff_of_same_version_level_and_gate(editor, r2, db):
    draft_id = editor.submitted_draft()
    assert r2.sign(draft_id, 1, 1, "political").status_code == 201
    version_id = db.scalar(select(DraftVersion.id).where(DraftVersion.draft_id == draft_id))
    other = db.scalar(select(User.id).where(User.username == "reviewer3"))
    db.add(SignOff(version_id=version_id, level=1, gate="political", reviewer_id=other, decision="approve"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_approving_a_block_finding_without_reason_is_422(editor, r2):
    draft_id = editor.submitted_draft(body=BLOCK_BODY)
    response = r2.sign(draft_id, 1, 1, "political")
    assert response.status_code == 422
    assert response.get_json()["error"] == "override_required"


def test_blank_override_reason_counts_as_missing(editor, r2):
    draft_id = editor.submitted_draft(body=BLOCK_BODY)
    finding_id = block_finding(editor.state(draft_id))
    response = r2.sign(draft_id, 1, 1, "political", overrides={str(finding_id): "   "})
    assert response.status_code == 422 and response.get_json()["error"] == "override_required"


def test_block_finding_approved_with_reason_is_kept_on_the_signoff(editor, r2):
    draft_id = editor.submitted_draft(body=BLOCK_BODY)
    finding_id = block_finding(editor.state(draft_id))
    reason = "引用原话，已加引号并注明出处"
    assert r2.sign(draft_id, 1, 1, "political", overrides={str(finding_id): reason}).status_code == 201
    signoff = editor.state(draft_id)["signoffs"][0]
    assert signoff["overrides"] == [{"finding_id": finding_id, "reason": reason}]


def test_override_for_a_finding_of_another_draft_is_422(editor, r2):
    other = editor.submitted_draft(body=BLOCK_BODY)
    foreign_id = block_finding(editor.state(other))
    draft_id = editor.submitted_draft(body=BLOCK_BODY)
    response = r2.sign(draft_id, 1, 1, "political", overrides={str(foreign_id): "理由"})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_override"


def test_reject_without_comment_is_422(editor, r2):
    draft_id = editor.submitted_draft()
    response = r2.sign(draft_id, 1, 1, "legal", decision="reject")
    assert response.status_code == 422 and response.get_json()["error"] == "comment_required"


def test_reject_returns_draft_to_author_with_comment(editor, r2):
    draft_id = editor.submitted_draft()
    assert r2.sign(draft_id, 1, 1, "text", decision="reject", comment="第二段有错别字").status_code == 201
    state = editor.state(draft_id)
    assert state["status"] == "returned"
    assert [c["comment"] for c in state["return_comments"]] == ["第二段有错别字"]


def test_returned_draft_cannot_be_resubmitted_unrevised(editor, r2):
    draft_id = editor.submitted_draft()
    r2.sign(draft_id, 1, 1, "text", decision="reject", comment="请修改")
    response = editor.post(f"/drafts/{draft_id}/submit")
    assert response.status_code == 409 and response.get_json()["error"] == "revision_required"


def test_reject_revise_resubmit_then_publish(editor, r2, r3, publisher):
    draft_id = editor.submitted_draft()
    r2.sign(draft_id, 1, 1, "text", decision="reject", comment="请修改标题")
    assert r2.sign(draft_id, 1, 1, "political").status_code == 409  # returned: not in review
    assert editor.put(f"/drafts/{draft_id}", {"title": "新标题", "body": CLEAN_BODY, "base_version": 1}).status_code == 200
    assert editor.post(f"/drafts/{draft_id}/submit").get_json()["status"] == "in_review"
    r2.approve_level(draft_id, 2, 1)
    r3.approve_level(draft_id, 2, 2)
    assert publisher.post(f"/drafts/{draft_id}/publish", {"version": 2}).status_code == 200


def test_draft_of_another_unit_is_404(editor, api_as):
    draft_id = editor.new_draft()
    outsider = api_as("editor_other")
    for response in (outsider.get(f"/drafts/{draft_id}"),
                     outsider.put(f"/drafts/{draft_id}", {"title": "x", "body": "y", "base_version": 1}),
                     outsider.post(f"/drafts/{draft_id}/submit"),
                     outsider.sign(draft_id, 1, 1, "political")):
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


def test_account_of_another_unit_is_404(api_as):
    outsider = api_as("editor_other")
    editor = api_as("editor1")
    response = outsider.post("/drafts", {"account_id": editor.account_id("示例文旅"), "title": "t",
                                         "body": CLEAN_BODY, "kind": "post"})
    assert response.status_code == 404


def test_accounts_list_only_the_callers_units(api_as):
    names = {a["name"] for a in api_as("editor_other").get("/accounts").get_json()}
    assert names == {"邻县发布"}
    first = api_as("editor1").get("/accounts").get_json()[0]
    assert set(first) >= {"id", "name", "platform", "unit", "review_levels"}


def test_nonexistent_and_huge_draft_ids_are_404(editor):
    assert editor.get("/drafts/999999").status_code == 404
    assert editor.get("/drafts/99999999999999999999999").status_code == 404


@pytest.mark.parametrize(("user", "method", "path"), [
    ("publisher1", "post", "/drafts"),
    ("editor1", "post", "/drafts/1/signoffs"),
    ("editor1", "post", "/drafts/1/publish"),
    ("auditor1", "put", "/drafts/1"),
])
def test_wrong_role_is_403_forbidden_role(api_as, user, method, path):
    response = getattr(api_as(user), method)(path, {})
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden_role"


def test_signoff_is_audited_in_the_same_transaction(editor, r2, db):
    from reviewer.audit.chain import AuditEntry

    draft_id = editor.submitted_draft()
    r2.sign(draft_id, 1, 1, "legal", comment="无问题")
    events = db.scalars(select(AuditEntry.event).where(AuditEntry.draft_id == draft_id)
                        .order_by(AuditEntry.seq)).all()
    assert events == ["draft.create", "findings.attach", "draft.submit", "signoff"]


def test_refused_signoff_leaves_no_audit_entry(editor, r2, db):
    from reviewer.audit.chain import AuditEntry

    draft_id = editor.submitted_draft(body=BLOCK_BODY)
    assert r2.sign(draft_id, 1, 1, "political").status_code == 422
    assert db.scalar(select(AuditEntry.seq).where(AuditEntry.event == "signoff")) is None


def test_queue_lists_drafts_awaiting_the_reviewer(editor, r2):
    draft_id = editor.submitted_draft()
    queue = r2.get("/queue").get_json()
    assert [(d["id"], d["levels"]) for d in queue] == [(draft_id, [1])]
    r2.sign(draft_id, 1, 1, "political")
    assert r2.get("/queue").get_json()[0]["levels"] == [1]
