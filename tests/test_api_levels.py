"""Review levels are signed in order (初审 → 复审 → 终审): a level opens only when every lower level
has one reviewer's approval of all five gates of that exact version."""

from __future__ import annotations

from api_helpers import CLEAN_BODY

from reviewer.vocabulary import GATES


def test_second_level_cannot_sign_before_the_first(editor, r3):
    draft_id = editor.submitted_draft()
    response = r3.sign(draft_id, 1, 2, "political")
    assert response.status_code == 409
    assert response.get_json()["error"] == "level_not_open"
    assert "第 1 级" in response.get_json()["message"]


def test_second_level_stays_closed_while_one_first_level_gate_is_missing(editor, r2, r3):
    draft_id = editor.submitted_draft()
    for gate in GATES[:-1]:
        assert r2.sign(draft_id, 1, 1, gate).status_code == 201
    response = r3.sign(draft_id, 1, 2, "political")
    assert response.status_code == 409 and response.get_json()["error"] == "level_not_open"
    assert "文字关" in response.get_json()["message"]


def test_second_level_opens_when_the_first_approved_all_gates(editor, r2, r3):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    assert r3.sign(draft_id, 1, 2, "political").status_code == 201


def test_third_level_waits_for_the_second(editor, r1, r2, r3):
    draft_id = editor.submitted_draft(account="示例税务")  # three levels
    r1.approve_level(draft_id, 1, 1)
    response = r3.sign(draft_id, 1, 3, "political")
    assert response.status_code == 409 and response.get_json()["error"] == "level_not_open"
    r2.approve_level(draft_id, 1, 2)
    assert r3.sign(draft_id, 1, 3, "political").status_code == 201


def test_first_level_approval_of_an_earlier_version_does_not_open_the_second(editor, r2, r3):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    assert editor.put(f"/drafts/{draft_id}", {"title": "改", "body": CLEAN_BODY + "。",
                                              "base_version": 1}).status_code == 200
    response = r3.sign(draft_id, 2, 2, "political")
    assert response.status_code == 409 and response.get_json()["error"] == "level_not_open"


def test_refused_early_signoff_is_not_recorded(editor, r3):
    draft_id = editor.submitted_draft()
    r3.sign(draft_id, 1, 2, "political")
    assert editor.state(draft_id)["signoffs"] == []


def test_draft_state_names_the_open_level(editor, r2):
    draft_id = editor.submitted_draft()
    assert editor.state(draft_id)["open_level"] == 1
    r2.approve_level(draft_id, 1, 1)
    assert editor.state(draft_id)["open_level"] == 2


def test_draft_state_has_no_open_level_outside_review(editor, r2, r3):
    draft_id = editor.new_draft()
    assert editor.state(draft_id)["open_level"] is None
    editor.post(f"/drafts/{draft_id}/submit")
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    assert editor.state(draft_id)["open_level"] is None


def test_queue_offers_a_draft_only_at_its_open_level(editor, r2, r3):
    draft_id = editor.submitted_draft()
    assert [(d["id"], d["levels"]) for d in r3.get("/queue").get_json()] == [(draft_id, [1])]
    r2.approve_level(draft_id, 1, 1)
    assert [(d["id"], d["levels"]) for d in r3.get("/queue").get_json()] == [(draft_id, [2])]


def test_queue_drops_a_draft_for_the_reviewer_who_signed_the_lower_level(editor, r2):
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    assert draft_id not in [d["id"] for d in r2.get("/queue").get_json()]


def test_a_note_whose_comment_is_only_blanks_python_strips_is_refused_by_name(editor, r2):
    draft_id = editor.submitted_draft()
    gates = {gate: {"decision": "approve"} for gate in GATES}
    notes = [{"field": "body", "start": 0, "end": 2, "comment": "\x1f\u3000"}]
    response = r2.post(f"/drafts/{draft_id}/levels", {"version": 1, "level": 1, "gates": gates, "notes": notes})
    assert response.status_code == 422
    assert response.get_json() == {"error": "invalid_value", "message": "字段 notes.0.comment 不能为空白。"}


def test_the_published_blank_rule_is_what_the_server_strips():
    import re
    import sys

    from reviewer.errors import NOT_BLANK_PATTERN

    disagree = [hex(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF
                and (re.search(NOT_BLANK_PATTERN, chr(c)) is None) != (chr(c).strip() == "")]
    assert disagree == []
