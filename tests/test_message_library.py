"""The stored Q&A library: entries of the account's unit and the units above it are offered for a
message, outdated ones flagged, retired ones not; an answered message becomes an entry; answered
messages are grouped by topic; every curation is audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from reviewer import workflow
from reviewer.audit.chain import AuditEntry
from reviewer.errors import WorkflowError
from reviewer.messages import handling, inbox, library, replies
from reviewer.storage import MessageRow, Unit, User
from reviewer.vocabulary import GATES, MESSAGE_STATE_NAMES

LAMP = "小区门口的路灯坏了一个月，什么时候修？"
ANSWER = "路灯损坏可拨打12345热线报修，维修单位三个工作日内修复。"


def user(db, name: str = "editor1") -> User:
    return db.scalar(select(User).where(User.username == name))


def unit_id(db, name: str) -> int:
    return db.scalar(select(Unit.id).where(Unit.name == name))


def message(db, text: str = LAMP) -> MessageRow:  # on 示例文旅, held by 示例市文化和旅游局
    return inbox.receive(db, user(db), inbox.Incoming("示例文旅", "2026-11-27 17:00", text))


def test_the_message_states_of_the_rules_are_those_of_the_vocabulary():
    assert dict(handling.default_rules().states) == dict(MESSAGE_STATE_NAMES)


def test_entries_of_the_unit_above_are_offered_and_those_of_a_sibling_unit_are_not(db):
    parent = library.add_entry(db, user(db), unit_id(db, "示例市人民政府办公室"), "路灯坏了找谁修？", ANSWER, "城管")
    library.add_entry(db, user(db), unit_id(db, "示例市税务局"), "路灯坏了找谁修？", "税务局不管路灯。", "税务")
    offered = library.suggestions(db, user(db), message(db).id)
    assert [s.entry.id for s in offered] == [parent.id]
    assert offered[0].entry.unit == "示例市人民政府办公室"


def test_an_expired_entry_is_offered_but_flagged(db):
    library.add_entry(db, user(db), unit_id(db, "示例市文化和旅游局"), "路灯坏了找谁修？", ANSWER, "城管", "2026-06-30")
    [offered] = library.suggestions(db, user(db), message(db).id, today=date(2026, 12, 1))
    assert offered.flags == ("expired",)


def test_an_entry_naming_a_renamed_agency_is_flagged_with_the_new_name(db):
    library.add_entry(db, user(db), unit_id(db, "示例市文化和旅游局"), "路灯坏了找谁修？", "请向市国土资源局反映路灯问题。")
    [offered] = library.suggestions(db, user(db), message(db).id, today=date(2026, 12, 1))
    assert offered.outdated_name and any(r.startswith("国土资源局→") for r in offered.renamed)


def test_a_retired_entry_is_no_longer_offered(db):
    entry = library.add_entry(db, user(db), unit_id(db, "示例市文化和旅游局"), "路灯坏了找谁修？", ANSWER)
    library.retire_entry(db, user(db), entry.id)
    assert library.suggestions(db, user(db), message(db).id) == []


def test_an_edit_is_offered_at_once_and_audited_with_what_changed(db):
    entry = library.add_entry(db, user(db), unit_id(db, "示例市文化和旅游局"), "博物馆几点开门？", "九点开门。")
    library.edit_entry(db, user(db), entry.id, "路灯坏了找谁修？", ANSWER)
    assert [s.entry.answer for s in library.suggestions(db, user(db), message(db).id)] == [ANSWER]
    events = [e.event for e in db.scalars(select(AuditEntry).where(AuditEntry.event.like("qa.%")).order_by(AuditEntry.seq))]
    assert events == ["qa.create", "qa.edit"]


def test_an_entry_with_an_unreadable_validity_date_is_refused(db):
    with pytest.raises(WorkflowError) as refused:
        library.add_entry(db, user(db), unit_id(db, "示例市文化和旅游局"), "问题", "答复", valid_until="明年")
    assert refused.value.code == "invalid_date"


def _answer(db, row: MessageRow, body: str) -> None:
    draft = replies.draft_reply(db, user(db), row.id, "答复", body, submit=True)
    for level, reviewer in ((1, "reviewer2"), (2, "reviewer3")):
        for gate in GATES:
            workflow.sign_off(db, user(db, reviewer), draft.id, workflow.SignOffRequest(1, level, gate, "approve", "同意"))
    workflow.publish(db, user(db, "publisher1"), draft.id, 1, None)


def test_an_answered_message_becomes_an_entry_with_its_published_reply(db):
    row = message(db)
    _answer(db, row, ANSWER)
    entry = library.entry_from_message(db, user(db), row.id)
    assert (entry.question, entry.answer, entry.message_id) == (row.shown_text, ANSWER, row.id)


def test_an_unanswered_message_cannot_become_an_entry(db):
    with pytest.raises(WorkflowError) as refused:
        library.entry_from_message(db, user(db), message(db).id)
    assert refused.value.code == "not_answered"


def test_answered_messages_are_grouped_by_topic(db):
    texts = ["路灯坏了一个月没人修", "小区路灯不亮了找谁修", "博物馆周一开放吗", "博物馆开放时间是几点"]
    for text in texts:
        _answer(db, message(db, text), "已转有关部门办理，感谢您的反映。")
    topics = library.answered_topics(db, user(db), n_clusters=2)
    groups = sorted(sorted(m.text for m in t.messages) for t in topics)
    assert groups == [sorted(texts[2:]), sorted(texts[:2])]
