"""An approval counts only while its signer still holds the authority to sign: checked at publish.

A signer who loses the reviewer role, is disabled, or leaves the unit no longer approves anything;
the draft says which level must be signed again and why, and another reviewer can sign it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reviewer.storage import SignOff, Unit, User, UserRole, UserUnit


def approved_draft(editor, r2, r3) -> int:
    draft_id = editor.submitted_draft()
    r2.approve_level(draft_id, 1, 1)
    r3.approve_level(draft_id, 1, 2)
    assert editor.state(draft_id)["status"] == "approved"
    return draft_id


def lose_role(db, user_id):
    db.delete(db.get(UserRole, (user_id, "reviewer")))


def disable(db, user_id):
    db.get(User, user_id).active = False


def leave_unit(db, user_id):
    other = db.scalar(select(Unit.id).where(Unit.name == "邻县人民政府办公室"))
    for membership in db.scalars(select(UserUnit).where(UserUnit.user_id == user_id)):
        db.delete(membership)
    db.flush()
    db.add(UserUnit(user_id=user_id, unit_id=other))


@pytest.mark.parametrize(("change", "reason"), [(lose_role, "不再担任审核员"), (disable, "停用"),
                                                (leave_unit, "不属于主办该账号的单位")])
def test_a_signer_who_lost_authority_no_longer_approves(editor, r2, r3, publisher, db, change, reason):
    draft_id = approved_draft(editor, r2, r3)
    change(db, db.scalar(select(User.id).where(User.username == "reviewer2")))
    db.commit()
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 1})
    assert response.status_code == 409 and response.get_json()["error"] == "not_publishable"
    assert "第 1 级须重新签署" in response.get_json()["message"] and reason in response.get_json()["message"]
    state = editor.state(draft_id)
    assert state["lapsed"] and state["lapsed"][0]["level"] == 1 and reason in state["lapsed"][0]["reason"]


def test_another_reviewer_signs_the_lapsed_level_again_and_the_draft_publishes(editor, r1, r2, r3, publisher, db):
    draft_id = approved_draft(editor, r2, r3)
    lose_role(db, db.scalar(select(User.id).where(User.username == "reviewer2")))
    db.commit()
    r1.approve_level(draft_id, 1, 1)
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 1})
    assert response.status_code == 200, response.get_json()
    lapsed = list(db.scalars(select(SignOff).where(SignOff.lapsed_at.is_not(None))))
    assert len(lapsed) == 5 and all("不再担任审核员" in s.lapse_reason for s in lapsed)


def test_the_draft_page_says_which_level_needs_signing_again(client, db, editor, r2, r3):
    from webclient import sign_in

    draft_id = approved_draft(editor, r2, r3)
    disable(db, db.scalar(select(User.id).where(User.username == "reviewer3")))
    db.commit()
    sign_in(client, db, "editor1")
    page = client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert "第 2 级须重新签署" in page and "停用" in page
