"""Every finding the JSON API answers with names the database lexicon version it was found with."""

from __future__ import annotations

from sqlalchemy import select

from reviewer.curation import entries
from reviewer.storage import User

NEW_TERM = "东关小吃街"
TEXT = f"周末去{NEW_TERM}逛逛，顺便看看文化节。"


def _add_term(db) -> None:
    entries.add_entry(db, db.scalar(select(User).where(User.username == "admin1")), {"term": NEW_TERM, "category": "commercial"})
    db.commit()


def test_a_drafts_findings_in_the_api_carry_the_lexicon_version(db, editor):
    _add_term(db)
    state = editor.state(editor.new_draft(body=TEXT))
    found = [f for f in state["findings"] if f["text"] == NEW_TERM]
    assert found and all(f["lexicon_version"] == 1 for f in found)


def test_a_checks_findings_in_the_api_carry_the_lexicon_version(db, editor):
    _add_term(db)
    answer = editor.post("/check", {"text": TEXT})
    assert answer.status_code == 200
    found = [f for f in answer.get_json()["findings"] if f["text"] == NEW_TERM]
    assert found and all(f["lexicon_version"] == 1 for f in found)
