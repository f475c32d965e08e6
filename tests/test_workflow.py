"""Domain rules of reviewer.workflow, called directly on a Session (as the pages and the API do)."""

from __future__ import annotations

import pytest
from api_helpers import BLOCK_BODY, CLEAN_BODY
from sqlalchemy import func, select

from reviewer import workflow
from reviewer.storage import Account, Draft, DraftVersion, SignOff, User
from reviewer.vocabulary import GATES
from reviewer.workflow import WorkflowError


@pytest.fixture
def users(db):
    return {u.username: u for u in db.scalars(select(User))}


@pytest.fixture
def account(db):
    return db.scalar(select(Account).where(Account.name == "示例文旅"))


def _approve(db, users, draft, version, level, who):
    for gate in GATES:
        workflow.sign_off(db, users[who], draft.id, workflow.SignOffRequest(version, level, gate, "approve"))


def test_workflow_functions_leave_the_commit_to_the_caller(db, users, account):
    workflow.create_draft(db, users["editor1"], account.id, "标题", CLEAN_BODY, "post")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Draft)) == 0


def test_units_below_the_users_unit_are_visible(db, users):
    names = {a.name for a in workflow.visible_accounts(db, users["editor1"])}
    assert {"示例税务", "示例公安", "示例市政府发布"} <= names
    assert "邻县发布" not in names


def test_version_hash_covers_title_body_and_citizen_message():
    base = workflow.content_sha256("标题", "正文", None)
    assert base == workflow.content_sha256("标题", "正文", None)
    assert len({base, workflow.content_sha256("标题", "正文", "留言"), workflow.content_sha256("标题2", "正文", None),
                workflow.content_sha256("标题", "正文2", None)}) == 4


def test_each_version_keeps_its_own_findings(db, users, account):
    draft = workflow.create_draft(db, users["editor1"], account.id, "标题", BLOCK_BODY, "post")
    workflow.edit_draft(db, users["editor1"], draft.id, "标题", CLEAN_BODY, 1)
    state = workflow.draft_state(db, draft)
    first, second = ([f["text"] for f in v["findings"]] for v in state["versions"])
    assert "台湾总统选举" in first and "台湾总统选举" not in second
    assert state["findings"] == state["versions"][1]["findings"]


def test_submitting_twice_is_refused(db, users, account):
    draft = workflow.create_draft(db, users["editor1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["editor1"], draft.id)
    with pytest.raises(WorkflowError) as caught:
        workflow.submit(db, users["editor1"], draft.id)
    assert caught.value.code == "invalid_state"


def test_editing_an_approved_draft_sends_it_back_to_review(db, users, account):
    draft = workflow.create_draft(db, users["editor1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["editor1"], draft.id)
    _approve(db, users, draft, 1, 1, "reviewer2")
    _approve(db, users, draft, 1, 2, "reviewer3")
    assert draft.status == "approved"
    workflow.edit_draft(db, users["editor1"], draft.id, "标题", CLEAN_BODY + "补充。", 1)
    assert draft.status == "in_review" and draft.current_version == 2


def test_published_draft_cannot_be_edited(db, users, account):
    draft = workflow.create_draft(db, users["editor1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["editor1"], draft.id)
    _approve(db, users, draft, 1, 1, "reviewer2")
    _approve(db, users, draft, 1, 2, "reviewer3")
    workflow.publish(db, users["publisher1"], draft.id, 1, None)
    with pytest.raises(WorkflowError) as caught:
        workflow.edit_draft(db, users["editor1"], draft.id, "标题", "改", 1)
    assert caught.value.code == "invalid_state"


def test_publish_recounts_approvals_from_the_rows_not_the_status(db, users, account):
    """Rows written around the workflow (one level split between two people) never publish."""
    draft = workflow.create_draft(db, users["editor1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["editor1"], draft.id)
    version_id = db.scalar(select(DraftVersion.id).where(DraftVersion.draft_id == draft.id))
    for gate in GATES:
        reviewer = users["reviewer1"] if gate == "text" else users["reviewer2"]
        db.add(SignOff(version_id=version_id, level=1, gate=gate, reviewer_id=reviewer.id, decision="approve"))
        db.add(SignOff(version_id=version_id, level=2, gate=gate, reviewer_id=users["reviewer3"].id,
                       decision="approve"))
    draft.status = "approved"
    db.flush()
    with pytest.raises(WorkflowError) as caught:
        workflow.publish(db, users["publisher1"], draft.id, 1, None)
    assert caught.value.code == "not_publishable"


def test_signatures_of_a_writer_never_count(db, users, account):
    draft = workflow.create_draft(db, users["reviewer1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["reviewer1"], draft.id)
    version = db.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft.id))
    for gate in GATES:
        db.add(SignOff(version_id=version.id, level=1, gate=gate, reviewer_id=users["reviewer1"].id,
                       decision="approve"))
        db.add(SignOff(version_id=version.id, level=2, gate=gate, reviewer_id=users["reviewer3"].id,
                       decision="approve"))
    db.flush()
    assert (1, "political") in workflow.approval(db, draft, version).missing


def test_level_signatures_that_do_not_count_keep_the_next_level_closed(db, users, account):
    draft = workflow.create_draft(db, users["reviewer1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["reviewer1"], draft.id)
    version = db.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft.id))
    for gate in GATES:
        db.add(SignOff(version_id=version.id, level=1, gate=gate, reviewer_id=users["reviewer1"].id,
                       decision="approve"))
    db.flush()
    with pytest.raises(WorkflowError) as caught:
        workflow.sign_off(db, users["reviewer3"], draft.id, workflow.SignOffRequest(1, 2, "political", "approve"))
    assert caught.value.code == "level_not_open"


def test_queue_omits_drafts_the_reviewer_wrote(db, users, account):
    draft = workflow.create_draft(db, users["reviewer1"], account.id, "标题", CLEAN_BODY, "post")
    workflow.submit(db, users["reviewer1"], draft.id)
    assert workflow.review_queue(db, users["reviewer1"]) == []
    assert [d["id"] for d in workflow.review_queue(db, users["reviewer2"])] == [draft.id]


def test_create_and_edit_write_audit_entries_with_the_version_hash(db, users, account):
    from reviewer.audit.chain import AuditEntry

    draft = workflow.create_draft(db, users["editor1"], account.id, "标题", CLEAN_BODY, "post")
    version = workflow.edit_draft(db, users["editor1"], draft.id, "标题", CLEAN_BODY + "。", 1)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.event == "draft.edit"))
    assert entry.version == 2 and entry.details_dict["sha256"] == version.sha256
