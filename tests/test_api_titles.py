"""Titles are reviewed like bodies: each stored finding says which field its offsets point into, and
a block finding in a title needs an override reason. A reply's citizen message is never reviewed."""

from __future__ import annotations

from api_helpers import CLEAN_BODY

TITLE_BLOCK = "台湾总统选举后本市文旅市场平稳"
TITLE_PHONE = "活动咨询电话13812345678"
CITIZEN = "我听说台湾总统要来？我的电话13812345678，身份证号110101199003078515，请回电。"


def _title_findings(state: dict) -> list[dict]:
    return [f for f in state["findings"] if f["field"] == "title"]


def test_a_block_term_in_the_title_is_a_title_finding(editor):
    state = editor.state(editor.new_draft(title=TITLE_BLOCK))
    found = _title_findings(state)
    assert [(f["text"], f["gate"], f["severity"]) for f in found] == [("台湾总统选举", "political", "block")]


def test_title_finding_offsets_point_into_the_title(editor):
    state = editor.state(editor.new_draft(title=TITLE_PHONE))
    (finding,) = _title_findings(state)
    assert state["title"][finding["start"]:finding["end"]] == finding["text"] == "13812345678"


def test_body_findings_are_marked_as_body(editor):
    body = "报名请拨打13812345678。" + CLEAN_BODY
    state = editor.state(editor.new_draft(body=body))
    assert state["findings"] and {f["field"] for f in state["findings"]} == {"body"}


def test_a_clean_title_adds_no_finding(editor):
    assert editor.state(editor.new_draft(title="国庆文化旅游节活动预告"))["findings"] == []


def test_an_edit_reviews_the_new_title(editor):
    draft_id = editor.new_draft()
    response = editor.put(f"/drafts/{draft_id}", {"title": TITLE_PHONE, "body": CLEAN_BODY, "base_version": 1})
    assert response.status_code == 200
    assert [f["field"] for f in response.get_json()["findings"]] == ["title"]


def test_submit_answers_title_findings_with_their_field(editor):
    draft_id = editor.new_draft(title=TITLE_BLOCK)
    findings = editor.post(f"/drafts/{draft_id}/submit").get_json()["findings"]
    assert [f["field"] for f in findings] == ["title"]


def test_approving_a_gate_with_a_title_block_finding_needs_a_reason(editor, r2):
    draft_id = editor.new_draft(title=TITLE_BLOCK)
    editor.post(f"/drafts/{draft_id}/submit")
    response = r2.sign(draft_id, 1, 1, "political")
    assert response.status_code == 422 and response.get_json()["error"] == "override_required"


def test_a_title_block_finding_approved_with_a_reason_is_kept(editor, r2):
    draft_id = editor.new_draft(title=TITLE_BLOCK)
    editor.post(f"/drafts/{draft_id}/submit")
    (finding,) = _title_findings(editor.state(draft_id))
    reason = "标题引用境外媒体原话，已改为“台湾地区领导人选举”后放行"
    assert r2.sign(draft_id, 1, 1, "political", overrides={str(finding["id"]): reason}).status_code == 201
    assert editor.state(draft_id)["signoffs"][0]["overrides"] == [{"finding_id": finding["id"], "reason": reason}]


def test_the_citizen_message_of_a_reply_is_not_reviewed(editor):
    response = editor.post("/drafts", {"account_id": editor.account_id("示例文旅"), "title": "关于活动咨询的回复",
                                       "body": "您好，活动详情请关注本号后续发布，感谢您的关注。", "kind": "reply",
                                       "citizen_message": CITIZEN})
    assert response.status_code == 201
    assert editor.state(response.get_json()["id"])["findings"] == []


def test_openapi_describes_the_field_of_a_finding(client):
    document = client.get("/api/v1/openapi.json").get_json()
    item = document["paths"]["/api/v1/drafts/{draft_id}/submit"]["post"]
    finding = item["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["findings"]["items"]
    assert finding["properties"]["field"] == {"enum": ["title", "body"]}


def test_check_with_an_account_judges_against_its_duty(editor):
    text = "本周末市图书馆举办少儿阅读分享会，欢迎市民携孩子参加。"
    tax = editor.post("/check", {"text": text, "account_id": editor.account_id("示例税务")}).get_json()
    culture = editor.post("/check", {"text": text, "account_id": editor.account_id("示例文旅")}).get_json()
    assert tax["labels"]["off_topic"] > culture["labels"]["off_topic"]


def test_check_with_an_account_of_another_unit_is_404(api_as, editor):
    outsider = api_as("editor_other")
    response = outsider.post("/check", {"text": CLEAN_BODY, "account_id": editor.account_id("示例文旅")})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_check_refuses_duty_and_account_together(editor):
    response = editor.post("/check", {"text": CLEAN_BODY, "duty": "文旅", "account_id": editor.account_id("示例文旅")})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_input"
