"""未经单位同意严禁发布: a restricted-topic finding is signed off only with a recorded consent."""

from __future__ import annotations

from webclient import csrf_token, sign_in

STATS_BODY = "据统计，今年一季度全市地区生产总值同比增长5.2%，经济运行稳中向好。"


def restricted(state: dict) -> list[dict]:
    return [f for f in state["findings"] if f["category"] == "restricted_topic"]


def submitted(editor) -> tuple[int, list[dict]]:
    draft_id = editor.submitted_draft(body=STATS_BODY)
    found = restricted(editor.state(draft_id))
    assert found and all(f["gate"] == "policy" for f in found)
    return draft_id, found


def test_approving_a_gate_with_restricted_data_needs_a_consent(editor, r2):
    draft_id, _ = submitted(editor)
    response = r2.sign(draft_id, 1, 1, "policy")
    assert response.status_code == 422
    assert response.get_json()["error"] == "consent_required"
    assert "同意人和同意日期" in response.get_json()["message"]


def test_a_recorded_consent_lets_the_gate_pass_and_is_shown(editor, r2):
    draft_id, found = submitted(editor)
    consents = {str(f["id"]): {"approver": "办公室主任 王强", "approved_on": "2026-11-30"} for f in found}
    response = r2.post(f"/drafts/{draft_id}/signoffs", {"version": 1, "level": 1, "gate": "policy",
                                                        "decision": "approve", "consents": consents})
    assert response.status_code == 201, response.get_json()
    signoff = next(s for s in editor.state(draft_id)["signoffs"] if s["gate"] == "policy")
    assert {c["approver"] for c in signoff["consents"]} == {"办公室主任 王强"}
    assert {c["approved_on"] for c in signoff["consents"]} == {"2026-11-30"}


def test_a_consent_must_name_a_real_day(editor, r2):
    draft_id, found = submitted(editor)
    consents = {str(found[0]["id"]): {"approver": "王强", "approved_on": "2026-02-30"}}
    response = r2.post(f"/drafts/{draft_id}/signoffs", {"version": 1, "level": 1, "gate": "policy",
                                                        "decision": "approve", "consents": consents})
    assert response.status_code == 422


def test_a_consent_for_a_finding_that_needs_none_is_refused(editor, r2):
    draft_id, found = submitted(editor)
    response = r2.post(f"/drafts/{draft_id}/signoffs", {"version": 1, "level": 1, "gate": "political",
                                                        "decision": "approve",
                                                        "consents": {str(found[0]["id"]): {
                                                            "approver": "王强", "approved_on": "2026-11-30"}}})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_consent"


def test_the_review_page_asks_for_the_consent_and_records_it(client, db, editor):
    draft_id, found = submitted(editor)
    sign_in(client, db, "reviewer2")
    page = client.get(f"/drafts/{draft_id}/review?level=1").get_data(as_text=True)
    assert f'name="consent_approver_{found[0]["id"]}"' in page and 'type="date"' in page
    form = {"csrf_token": csrf_token(client, f"/drafts/{draft_id}/review?level=1"), "version": "1", "level": "1",
            "gate": "policy", "decision": "approve"}
    for f in found:
        form[f"consent_approver_{f['id']}"] = "分管副局长 李娜"
        form[f"consent_date_{f['id']}"] = "2026-11-29"
    response = client.post(f"/drafts/{draft_id}/signoff", data=form)
    assert response.status_code == 302
    assert any(s["gate"] == "policy" for s in editor.state(draft_id)["signoffs"])
