"""Published drafts for the alert and after-publishing tests, and a way to make them older.

A draft is written by editor1, approved at both levels of 示例文旅 by reviewer1 and reviewer2 (a
block finding with an override reason) and published by publisher1, all through the JSON API, as
a CMS would. ``age`` moves a publication back in time: the sweep judges deadlines from it.
"""

from __future__ import annotations

from datetime import timedelta

from api_helpers import CLEAN_BODY, block_finding
from sqlalchemy import select

from reviewer.storage import Publication, User

OVERRIDE = "经核实为引用外电报道原文，已请示分管领导同意发布"
#: One block finding (台湾总统, 政治关) and nothing that needs the unit's consent.
BLOCK_BODY = "本市将于国庆期间在人民公园举办文化旅游节，有游客问及台湾总统一词的说法，活动设有非遗展示、文创市集等，欢迎广大市民游客参加。"


def publish_draft(editor, r1, r2, publisher, body: str = CLEAN_BODY, account: str = "示例文旅") -> int:
    """A draft through the whole review and published; its id."""
    draft_id = editor.submitted_draft(account, body)
    overrides = {str(block_finding(editor.state(draft_id))): OVERRIDE} if body == BLOCK_BODY else None
    r1.approve_level(draft_id, 1, 1, overrides)
    r2.approve_level(draft_id, 1, 2, overrides)
    response = publisher.post(f"/drafts/{draft_id}/publish", {"version": 1, "url": "https://mp.weixin.qq.com/s/x"})
    assert response.status_code == 200, response.get_json()
    return draft_id


def age(session, draft_id: int, **delta: float) -> None:
    """Move the draft's publication back by ``delta`` (days=, hours=) and commit."""
    publication = session.scalar(select(Publication).where(Publication.draft_id == draft_id))
    publication.published_at = publication.published_at - timedelta(**delta)
    session.commit()


def person(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))
