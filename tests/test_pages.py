"""The browser pages: they render in Chinese, and every workflow rule surfaces as a clear message."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from webclient import csrf_token, sign_in

from reviewer import workflow
from reviewer.storage import Account, Draft, FindingRow, User
from reviewer.vocabulary import GATES

#: Two block findings (an ID number and a phone number) under 保密关.
BLOCK_TEXT = "市民张先生身份证号110101199003078515，联系电话13812345678，相关业务已办理完毕。"
CLEAN_TEXT = "本周六上午九时，市图书馆举办少儿阅读分享会，欢迎市民携孩子参加。"
ONE_LEVEL = "示例文旅微博"
TWO_LEVELS = "示例文旅"


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def account_id(session, name: str) -> int:
    return session.scalar(select(Account.id).where(Account.name == name))


def make_draft(session, *, author: str = "editor1", account: str = ONE_LEVEL, body: str = BLOCK_TEXT,
               submit: bool = True, title: str = "测试稿件") -> int:
    draft = workflow.create_draft(session, user(session, author), account_id(session, account), title,
                                  body, "post")
    if submit:
        workflow.submit(session, user(session, author), draft.id)
    session.commit()
    return draft.id


def block_ids(session, draft_id: int) -> list[int]:
    draft = session.get(Draft, draft_id)
    session.refresh(draft)
    state = workflow.draft_state(session, draft)
    return [f["id"] for f in state["findings"] if f["severity"] == "block"]


def sign_level(session, draft_id: int, reviewer: str, level: int, decision: str = "approve") -> None:
    overrides = {fid: "已征得本人同意公开" for fid in block_ids(session, draft_id)}
    draft = session.get(Draft, draft_id)
    for gate in GATES:
        mine = {fid: r for fid, r in overrides.items() if session.get(FindingRow, fid).gate == gate}
        workflow.sign_off(session, user(session, reviewer), draft_id,
                          workflow.SignOffRequest(draft.current_version, level, gate, decision, "同意", mine))
    session.commit()


def page(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def form(client, path: str, data: dict, token_from: str = "/password"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def test_editor_list_shows_the_editors_drafts(client, session):
    draft_id = make_draft(session, submit=False)
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts")
    assert status == 200
    assert "我的稿件" in html and f"/drafts/{draft_id}" in html


def test_new_draft_offers_only_accounts_of_the_users_units(client, session):
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts/new")
    assert status == 200
    assert TWO_LEVELS in html and "邻县发布" not in html


def test_saving_a_new_draft_creates_version_one_and_shows_its_findings(client, session):
    sign_in(client, session, "editor1")
    response = form(client, "/drafts/new", {"account_id": account_id(session, ONE_LEVEL), "kind": "post",
                                            "title": "办事提醒", "body": BLOCK_TEXT, "action": "save"})
    assert response.status_code == 302
    status, html = page(client, response.headers["Location"])
    assert status == 200
    assert "第 1 版" in html
    assert re.search(r'<mark class="hl sev-block" title="保密关[^"]*"[^>]*>110101199003078515</mark>', html)


def test_a_new_draft_without_body_is_refused_with_the_form_kept(client, session):
    sign_in(client, session, "editor1")
    response = form(client, "/drafts/new", {"account_id": account_id(session, ONE_LEVEL), "kind": "post",
                                            "title": "保留的标题", "body": "  ", "action": "save"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "正文不能为空" in html and "保留的标题" in html


def test_check_highlights_findings_over_the_original_text(client, session):
    sign_in(client, session, "editor1")
    response = client.post("/check", json={"kind": "post", "title": "t", "body": BLOCK_TEXT},
                           headers={"X-CSRFToken": csrf_token(client, "/drafts/new")})
    assert response.status_code == 200
    data = response.get_json()
    assert data["verdict"] == "block"
    body = next(p for p in data["parts"] if p["field"] == "body")
    assert "".join(s["text"] for s in body["segments"]) == BLOCK_TEXT
    marked = [s for s in body["segments"] if s["severity"] == "block"]
    assert [s["text"] for s in marked] == ["110101199003078515", "13812345678"]
    assert "保密关" in marked[0]["tip"]


def test_check_without_csrf_header_is_refused(client, session):
    sign_in(client, session, "editor1")
    response = client.post("/check", json={"kind": "post", "body": BLOCK_TEXT})
    assert response.status_code == 400


def test_check_of_an_empty_body_answers_a_json_error(client, session):
    sign_in(client, session, "editor1")
    response = client.post("/check", json={"kind": "post", "body": ""},
                           headers={"X-CSRFToken": csrf_token(client, "/drafts/new")})
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_input"


def test_an_edit_on_a_stale_version_gets_409_and_keeps_the_typed_text(client, session):
    draft_id = make_draft(session, submit=False)
    workflow.edit_draft(session, user(session, "editor1"), draft_id, "测试稿件", CLEAN_TEXT, 1)
    session.commit()
    sign_in(client, session, "editor1")
    response = form(client, f"/drafts/{draft_id}/edit",
                    {"title": "我的修改", "body": "我刚写的正文", "base_version": "1", "action": "save"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "已不是最新版本" in html and "我刚写的正文" in html


def test_saving_an_edit_makes_a_new_version(client, session):
    draft_id = make_draft(session, submit=False)
    sign_in(client, session, "editor1")
    response = form(client, f"/drafts/{draft_id}/edit",
                    {"title": "测试稿件", "body": CLEAN_TEXT, "base_version": "1", "action": "save"})
    assert response.status_code == 302
    assert session.get(Draft, draft_id).current_version == 2


def test_the_queue_lists_a_submitted_draft_for_a_reviewer(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    status, html = page(client, "/queue")
    assert status == 200
    assert f"/drafts/{draft_id}/review?level=1" in html


def test_the_queue_leaves_out_drafts_the_reviewer_wrote(client, session):
    draft_id = make_draft(session, author="reviewer1")
    sign_in(client, session, "reviewer1")
    status, html = page(client, "/queue")
    assert status == 200
    assert f"/drafts/{draft_id}/review" not in html


def test_the_review_page_groups_findings_by_the_five_gates(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    status, html = page(client, f"/drafts/{draft_id}/review?level=1")
    assert status == 200
    for name in ("政治关", "法律关", "政策关", "保密关", "文字关"):
        assert name in html
    assert html.count('name="override_') == 2
    assert all(f'name="decision_{g}" id="decision-{g}-approve" value="approve" checked' in html for g in GATES)


def test_approving_a_block_finding_without_reason_is_refused(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "secrecy", "decision": "approve", "comment": "可以"},
                    token_from=f"/drafts/{draft_id}/review?level=1")
    assert response.status_code == 422
    assert "放行理由" in response.get_data(as_text=True)


def test_approving_a_block_finding_with_reasons_is_recorded(client, session):
    draft_id = make_draft(session)
    overrides = {f"override_{fid}": "当事人书面同意公开" for fid in block_ids(session, draft_id)}
    sign_in(client, session, "reviewer2")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "secrecy", "decision": "approve", **overrides},
                    token_from=f"/drafts/{draft_id}/review?level=1")
    assert response.status_code == 302
    status, html = page(client, f"/drafts/{draft_id}/history")
    assert "当事人书面同意公开" in html


def test_the_author_cannot_sign_their_own_draft(client, session):
    draft_id = make_draft(session, author="reviewer1", body=CLEAN_TEXT)
    sign_in(client, session, "reviewer1")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "political", "decision": "approve"})
    assert response.status_code == 403
    assert "不能审核" in response.get_data(as_text=True)


def test_a_reject_needs_a_comment(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "text", "decision": "reject", "comment": ""})
    assert response.status_code == 422
    assert "必须填写审核意见" in response.get_data(as_text=True)


def test_a_reject_returns_the_draft_with_the_comment_for_the_author(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "text", "decision": "reject", "comment": "时间写错了"})
    assert response.status_code == 302
    author = client.application.test_client()
    sign_in(author, session, "editor1")
    status, html = page(author, f"/drafts/{draft_id}/edit")
    assert "退回意见" in html and "时间写错了" in html


def test_a_stale_signoff_gets_409(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    workflow.edit_draft(session, user(session, "editor1"), draft_id, "测试稿件", CLEAN_TEXT + "。", 1)
    session.commit()
    sign_in(client, session, "reviewer2")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "text", "decision": "approve"})
    assert response.status_code == 409


def test_the_publisher_publishes_a_fully_approved_draft(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_level(session, draft_id, "reviewer2", 1)
    sign_in(client, session, "publisher1")
    status, html = page(client, "/publish")
    assert f"/drafts/{draft_id}/publish" in html
    response = form(client, f"/drafts/{draft_id}/publish", {"version": "1", "url": "https://www.gov.cn/x"})
    assert response.status_code == 302
    assert session.get(Draft, draft_id).status == "published"


def test_a_reviewer_who_signed_cannot_publish(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_level(session, draft_id, "reviewer3", 1)
    sign_in(client, session, "reviewer3")
    response = form(client, f"/drafts/{draft_id}/publish", {"version": "1", "url": "https://www.gov.cn/x"})
    assert response.status_code == 403
    assert "不能再发布" in response.get_data(as_text=True)


def test_publishing_an_unapproved_draft_is_refused(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_in(client, session, "publisher1")
    response = form(client, f"/drafts/{draft_id}/publish", {"version": "1", "url": ""})
    assert response.status_code == 409
    assert "尚未完成全部审核" in response.get_data(as_text=True)


def test_history_shows_a_diff_between_versions(client, session):
    draft_id = make_draft(session, body="活动时间为周六上午。", submit=False)
    workflow.edit_draft(session, user(session, "editor1"), draft_id, "测试稿件", "活动时间为周日下午。", 1)
    session.commit()
    sign_in(client, session, "editor1")
    status, html = page(client, f"/drafts/{draft_id}/history?a=1&b=2")
    assert status == 200
    assert "<del>六上</del>" in html and "<ins>日下</ins>" in html


def test_a_draft_of_another_unit_is_not_found(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "editor_other")
    for path in (f"/drafts/{draft_id}", f"/drafts/{draft_id}/history", f"/drafts/{draft_id}/edit",
                 f"/drafts/{draft_id}/review"):
        assert client.get(path).status_code == 404, path


def test_an_auditor_reads_a_draft_without_action_buttons(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "auditor1")
    status, html = page(client, f"/drafts/{draft_id}")
    assert status == 200
    assert "审核进度" in html
    assert f"/drafts/{draft_id}/edit" not in html and f"/drafts/{draft_id}/review" not in html


def test_a_role_missing_for_a_page_gets_403(client, session):
    sign_in(client, session, "auditor1")
    assert client.get("/queue").status_code == 403
    assert client.get("/drafts/new").status_code == 403


TITLE_PHONE = "活动咨询电话13812345678"


def test_check_reviews_the_title_too(client, session):
    sign_in(client, session, "editor1")
    response = client.post("/check", json={"kind": "post", "title": TITLE_PHONE, "body": CLEAN_TEXT},
                           headers={"X-CSRFToken": csrf_token(client, "/drafts/new")})
    data = response.get_json()
    title = next(p for p in data["parts"] if p["field"] == "title")
    assert [s["text"] for s in title["segments"] if s["severity"] == "block"] == ["13812345678"]
    assert [f["field"] for f in data["findings"]] == ["title"] and data["verdict"] == "block"


def test_check_leaves_the_citizen_message_of_a_reply_unreviewed(client, session):
    sign_in(client, session, "editor1")
    response = client.post("/check", json={"kind": "reply", "title": "回复", "citizen_message": BLOCK_TEXT,
                                           "body": "您好，已转相关部门办理，感谢您的反映。"},
                           headers={"X-CSRFToken": csrf_token(client, "/drafts/new")})
    assert [f["text"] for f in response.get_json()["findings"] if f["text"] in BLOCK_TEXT] == []


def test_the_review_page_highlights_a_title_finding_in_the_title(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT, title=TITLE_PHONE)
    (finding_id,) = block_ids(session, draft_id)
    sign_in(client, session, "reviewer2")
    status, html = page(client, f"/drafts/{draft_id}/review?level=1")
    assert re.search(r'<div class="doc doc-title">活动咨询电话<mark class="hl sev-block"[^>]*>13812345678</mark>', html)
    assert f'name="override_{finding_id}"' in html


def test_the_draft_page_marks_a_finding_as_found_in_the_title(client, session):
    make_draft(session, body=CLEAN_TEXT, title=TITLE_PHONE)
    draft_id = make_draft(session, body=CLEAN_TEXT, title=TITLE_PHONE)
    sign_in(client, session, "editor1")
    status, html = page(client, f"/drafts/{draft_id}")
    assert '<span class="badge field-title">标题</span>' in html


def test_a_title_block_finding_needs_a_reason_on_the_review_page(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT, title=TITLE_PHONE)
    sign_in(client, session, "reviewer2")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "1", "gate": "secrecy", "decision": "approve"},
                    token_from=f"/drafts/{draft_id}/review?level=1")
    assert response.status_code == 422 and "放行理由" in response.get_data(as_text=True)


def test_the_queue_links_a_two_level_draft_only_at_its_first_level(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer3")
    status, html = page(client, "/queue")
    assert f"/drafts/{draft_id}/review?level=1" in html
    assert f"/drafts/{draft_id}/review?level=2" not in html


def test_the_review_page_offers_no_form_for_a_level_not_yet_open(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer3")
    status, html = page(client, f"/drafts/{draft_id}/review?level=2")
    assert status == 200
    assert "第 2 级尚未开始" in html and 'name="decision_' not in html


def test_a_second_level_signoff_before_the_first_is_refused(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer3")
    response = form(client, f"/drafts/{draft_id}/signoff",
                    {"version": "1", "level": "2", "gate": "text", "decision": "approve"})
    assert response.status_code == 409 and "依次进行" in response.get_data(as_text=True)


def test_the_second_level_opens_on_the_review_page_after_the_first(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_level(session, draft_id, "reviewer2", 1)
    sign_in(client, session, "reviewer3")
    status, html = page(client, f"/drafts/{draft_id}/review")
    assert all(f'name="decision_{g}" id="decision-{g}-approve" value="approve" checked' in html for g in GATES)
    assert 'name="level" value="2"' in html
