"""The review page and the editor (issue 16, defects 5 and 12, expectations 2, 3 and 6), as pages and API.

One action per level signs the five gates at once with per-gate exceptions; a return collects
comments on several gates and on selected words; a reviewer opening a newer version sees what
changed since the version they last saw; saving a draft in review asks first; suggestions apply.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_pages import BLOCK_TEXT, CLEAN_TEXT, TWO_LEVELS, block_ids, form, make_draft, page, sign_level, user
from webclient import csrf_token, sign_in

from reviewer import workflow
from reviewer.audit.chain import AuditEntry
from reviewer.storage import Draft, DraftView, ReviewNote, SignOff
from reviewer.vocabulary import GATES


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def review_path(draft_id: int, level: int = 1) -> str:
    return f"/drafts/{draft_id}/review?level={level}"


def level_form(client, draft_id: int, action: str, fields: dict, *, version: int = 1, level: int = 1):
    data = {"version": str(version), "level": str(level), "action": action,
            **{f"decision_{g}": "approve" for g in GATES}, **fields}
    return client.post(f"/drafts/{draft_id}/level", data={**data, "csrf_token": csrf_token(client, review_path(draft_id, level))})


def reasons(session, draft_id: int) -> dict[str, str]:
    return {f"override_{fid}": "当事人书面同意公开" for fid in block_ids(session, draft_id)}


def signoffs(session, draft_id: int) -> list[SignOff]:
    session.expire_all()
    draft = session.get(Draft, draft_id)
    state = workflow.draft_state(session, draft)
    return [s for s in state["signoffs"] if s["version"] == state["version"]]


def edit(session, draft_id: int, body: str, editor: str = "editor1") -> None:
    draft = session.get(Draft, draft_id)
    session.refresh(draft)
    workflow.edit_draft(session, user(session, editor), draft_id, "测试稿件", body, draft.current_version)
    session.commit()


# -- expectation 2: one action per level ---------------------------------------------------------------


def test_all_five_gates_are_approved_by_one_action(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    response = level_form(client, draft_id, "approve", reasons(session, draft_id))
    assert response.status_code == 302
    assert sorted((s["gate"], s["decision"]) for s in signoffs(session, draft_id)) == sorted((g, "approve") for g in GATES)
    assert session.get(Draft, draft_id).status == "approved"


def test_a_gate_left_for_later_is_the_one_exception_to_all_five(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    response = level_form(client, draft_id, "approve", {"decision_policy": "later"})
    assert response.status_code == 302
    assert sorted(s["gate"] for s in signoffs(session, draft_id)) == sorted(set(GATES) - {"policy"})
    _, html = page(client, review_path(draft_id))
    assert 'name="decision_policy"' in html and 'name="decision_text"' not in html


def test_a_gate_returned_as_the_exception_returns_the_draft_with_its_comment(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    level_form(client, draft_id, "approve", {"decision_text": "reject", "comment_text": "时间写错了"})
    decided = {s["gate"]: (s["decision"], s["comment"]) for s in signoffs(session, draft_id)}
    assert decided["text"] == ("reject", "时间写错了") and decided["political"] == ("approve", None)
    assert session.get(Draft, draft_id).status == "returned"


def test_a_level_missing_an_override_reason_is_refused_on_that_gate_and_nothing_is_signed(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    response = level_form(client, draft_id, "approve", {"summary": "整体可以"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-secrecy"' in html and "通过前须逐条填写放行理由" in html
    assert 'id="error-political"' not in html and "整体可以" in html
    assert signoffs(session, draft_id) == []


def test_the_author_is_refused_the_level_with_the_exact_reason(client, session):
    draft_id = make_draft(session, author="reviewer1", body=CLEAN_TEXT)
    sign_in(client, session, "reviewer1")
    response = level_form(client, draft_id, "approve", {})
    assert response.status_code == 403
    assert "您撰写或修改过这篇稿件" in response.get_data(as_text=True)


def test_a_level_action_is_audited_gate_by_gate_in_the_same_transaction(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    level_form(client, draft_id, "approve", {"summary": "各关均无问题"})
    events = [e.event for e in session.scalars(select(AuditEntry).where(AuditEntry.draft_id == draft_id))]
    assert events.count("signoff") == 5 and events.count("signoff.level") == 1
    summary = session.scalar(select(ReviewNote).where(ReviewNote.field.is_(None)))
    assert summary.comment == "各关均无问题"


def test_returning_collects_comments_on_two_gates_and_on_selected_words(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    start = CLEAN_TEXT.index("市图书馆")
    sign_in(client, session, "reviewer2")
    response = level_form(client, draft_id, "return", {
        "comment_text": "请写明活动地点的楼层。", "comment_policy": "请补充报名方式。",
        "note_field_1": "body", "note_start_1": str(start), "note_end_1": str(start + 4), "note_gate_1": "text",
        "note_quote_1": "市图书馆", "note_comment_1": "写全称：示例市图书馆"})
    assert response.status_code == 302
    decided = {s["gate"]: s["decision"] for s in signoffs(session, draft_id)}
    assert decided == {"text": "reject", "policy": "reject"}
    assert session.get(Draft, draft_id).status == "returned"
    note = session.scalar(select(ReviewNote).where(ReviewNote.field == "body"))
    assert (note.quote, note.start, note.comment) == ("市图书馆", start, "写全称：示例市图书馆")
    sign_in(client, session, "editor1")
    _, html = page(client, f"/drafts/{draft_id}/edit")
    assert "请补充报名方式。" in html and "写全称：示例市图书馆" in html and "“市图书馆”" in html


def test_a_return_without_any_comment_is_refused_where_the_buttons_are(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    response = level_form(client, draft_id, "return", {"summary": "再看看"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="level-error"' in html and "至少在一关写明审核意见" in html
    assert "再看看" in html and signoffs(session, draft_id) == []


def test_a_selection_pointing_outside_the_text_is_refused(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    response = level_form(client, draft_id, "return", {
        "note_field_1": "body", "note_start_1": "5", "note_end_1": "99999", "note_comment_1": "此处"})
    assert response.status_code == 422
    assert "不在此版本的正文里" in response.get_data(as_text=True)


def test_the_api_signs_a_whole_level_with_the_same_use_case(session, editor, r2):
    draft_id = make_draft(session)
    ids = block_ids(session, draft_id)
    gates = {g: {"decision": "approve"} for g in GATES}
    gates["secrecy"]["overrides"] = {str(i): "当事人同意公开" for i in ids}
    response = r2.post(f"/drafts/{draft_id}/levels", {"version": 1, "level": 1, "gates": gates, "comment": "同意"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "approved" and len(response.get_json()["signoffs"]) == 5


def test_the_api_names_each_refused_gate(session, r2):
    draft_id = make_draft(session)
    response = r2.post(f"/drafts/{draft_id}/levels",
                       {"version": 1, "level": 1, "gates": {"secrecy": {"decision": "approve"},
                                                            "political": {"decision": "approve", "overrides": {"999999": "同意"}}}})
    body = response.get_json()
    assert response.status_code == 422
    assert body["gates"] == {"secrecy": {"error": "override_required", "message": body["gates"]["secrecy"]["message"]},
                             "political": {"error": "invalid_override", "message": body["gates"]["political"]["message"]}}
    assert "保密关" in body["message"] and "政治关" in body["message"]


def test_the_api_asks_for_a_comment_on_a_returned_gate(session, r2):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    response = r2.post(f"/drafts/{draft_id}/levels", {"version": 1, "level": 1, "gates": {"text": {"decision": "reject"}}})
    assert response.status_code == 422 and response.get_json()["error"] == "comment_required"


def test_the_api_refuses_the_author_as_a_single_signoff_would(session, r1):
    draft_id = make_draft(session, author="reviewer1", body=CLEAN_TEXT)
    response = r1.post(f"/drafts/{draft_id}/levels", {"version": 1, "level": 1, "gates": {"text": {"decision": "approve"}}})
    assert response.status_code == 403 and response.get_json()["error"] == "separation_of_duties"


# -- expectation 3 and defect 5: re-review from what changed -------------------------------------------


def test_a_reviewer_opening_a_newer_version_sees_what_changed_since_the_one_they_saw(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    page(client, review_path(draft_id))
    edit(session, draft_id, CLEAN_TEXT.replace("市图书馆", "市图书馆三楼"))
    _, html = page(client, review_path(draft_id))
    assert "自您上次查看的第 1 版以来的修改" in html and "<ins>三楼</ins>" in html
    _, again = page(client, review_path(draft_id))
    assert "<ins>三楼</ins>" in again  # reloading keeps the comparison with the version seen before


def test_the_first_look_at_a_draft_shows_no_comparison(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    _, html = page(client, review_path(draft_id))
    assert "以来的修改" not in html
    assert session.scalar(select(DraftView.version).where(DraftView.draft_id == draft_id)) == 1


def test_the_review_page_compares_with_the_last_signed_version(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT, account=TWO_LEVELS)
    sign_level(session, draft_id, "reviewer2", 1)
    edit(session, draft_id, CLEAN_TEXT + "咨询电话：12345。")
    sign_in(client, session, "reviewer3")
    _, html = page(client, review_path(draft_id))
    assert "自上次签署的第 1 版以来的修改" in html and "<ins>咨询电话：12345。</ins>" in html


def test_signing_a_version_edited_meanwhile_shows_the_stale_error_with_the_diff(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    token = csrf_token(client, review_path(draft_id))
    edit(session, draft_id, CLEAN_TEXT.replace("九时", "十时"))
    response = client.post(f"/drafts/{draft_id}/level", data={
        "version": "1", "level": "1", "action": "approve", "csrf_token": token, **{f"decision_{g}": "approve" for g in GATES}})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "已不是最新版本" in html
    assert "<del>九</del><ins>十</ins>" in html or ("<del>九时</del>" in html and "<ins>十时</ins>" in html)


def test_override_reasons_given_on_the_earlier_version_are_offered_again(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS)
    sign_level(session, draft_id, "reviewer2", 1)
    edit(session, draft_id, BLOCK_TEXT + "特此说明。")
    sign_in(client, session, "reviewer2")
    _, html = page(client, review_path(draft_id))
    assert html.count('class="reuse-reason small"') == 2 and "沿用上一版的放行理由：已征得本人同意公开" in html


def test_saving_a_draft_in_review_asks_first_and_says_the_signatures_stop_counting(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT, account=TWO_LEVELS)
    sign_level(session, draft_id, "reviewer2", 1)
    sign_in(client, session, "editor1")
    _, html = page(client, f"/drafts/{draft_id}/edit")
    assert 'id="in-review-warning"' in html
    changed = CLEAN_TEXT.replace("九时", "十时")
    data = {"title": "测试稿件", "body": changed, "base_version": "1", "action": "save"}
    response = form(client, f"/drafts/{draft_id}/edit", data, token_from=f"/drafts/{draft_id}/edit")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "确认保存为第 2 版" in html and "5 关签署将不再计入" in html and changed in html
    assert session.get(Draft, draft_id).current_version == 1
    response = form(client, f"/drafts/{draft_id}/edit", {**data, "confirm_save": "1"}, token_from=f"/drafts/{draft_id}/edit")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Draft, draft_id).current_version == 2


def test_saving_a_draft_not_yet_submitted_asks_nothing(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "editor1")
    response = form(client, f"/drafts/{draft_id}/edit", {"title": "测试稿件", "body": CLEAN_TEXT + "欢迎参加。",
                                                          "base_version": "1", "action": "save"},
                    token_from=f"/drafts/{draft_id}/edit")
    assert response.status_code == 302


# -- expectation 6 and defect 12: suggestions the editor applies ---------------------------------------


def test_the_check_offers_the_whole_standard_name_for_the_whole_old_name(client, session):
    sign_in(client, session, "editor1")
    response = client.post("/check", json={"kind": "post", "title": "通知", "body": "国家工商总局发布通知。"},
                           headers={"X-CSRFToken": csrf_token(client, "/drafts/new")})
    found = next(f for f in response.get_json()["findings"] if f["category"] == "outdated_name")
    assert (found["start"], found["end"], found["text"]) == (0, 6, "国家工商总局")
    assert found["replacements"] == ["国家市场监督管理总局"]


def test_the_editor_lists_apply_and_locate_buttons_for_a_saved_finding(client, session):
    draft_id = make_draft(session, body="请到县工商局办理营业执照。", submit=False)
    sign_in(client, session, "editor1")
    _, html = page(client, f"/drafts/{draft_id}/edit")
    assert 'data-replacement="市场监督管理局"' in html and "采用“市场监督管理局”" in html
    assert 'data-start="3" data-end="6" data-text="工商局"' in html and "在文本框中定位" in html


def test_a_highlight_is_reachable_by_keyboard_and_carries_its_finding(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    _, html = page(client, review_path(draft_id))
    assert 'tabindex="0" role="button" aria-haspopup="dialog" data-tip="保密关' in html
