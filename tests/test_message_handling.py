"""A citizen's message: its moves, its deadline in working days, and what screening masks and marks."""

from __future__ import annotations

from datetime import datetime

import pytest

from reviewer.calendar import BEIJING
from reviewer.config import load_settings
from reviewer.engine.core import Engine
from reviewer.errors import WorkflowError
from reviewer.messages.handling import Message, answered_late, due_at, move, overdue, screen


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def message(platform: str = "微信", received: str = "2026-11-27 17:00") -> Message:  # a Friday
    return Message(platform, "示例发布", at(received), "小区门口的路灯坏了一个月，什么时候修？", "示例区城管局")


def test_a_message_received_friday_at_five_with_two_working_days_is_due_tuesday_at_five():
    assert due_at(message("微信")) == at("2026-12-01 17:00")


def test_the_limit_follows_the_platform():
    assert due_at(message("微博")) == at("2026-11-30 17:00")


def test_a_message_received_before_a_holiday_is_due_after_it():
    assert due_at(message("微信", "2026-09-30 10:00")) == at("2026-10-09 10:00")


def test_an_unanswered_message_past_its_deadline_is_overdue():
    assert overdue(message(), at("2026-12-01 17:01"))
    assert not overdue(message(), at("2026-12-01 16:59"))


def test_an_answered_message_is_not_overdue_but_a_late_answer_is_recorded_as_late():
    m = move(message(), "answer", at("2026-12-02 09:00"), "编辑一")
    assert not overdue(m, at("2026-12-03 09:00"))
    assert answered_late(m)


def test_a_transfer_keeps_the_history_and_moves_the_message_to_the_other_unit():
    m = move(message(), "take", at("2026-11-27 17:30"), "张三")
    m = move(m, "transfer", at("2026-11-28 09:00"), "张三", unit="示例区住建局", reason="路灯属住建局管理")
    assert (m.state, m.holder) == ("pending", "示例区住建局")
    assert [s.move for s in m.steps] == ["take", "transfer"]
    assert m.steps[1].reason == "路灯属住建局管理"
    assert due_at(m) == due_at(message())  # the clock runs from the receipt


def test_a_transfer_without_a_reason_is_refused():
    with pytest.raises(WorkflowError) as refused:
        move(message(), "transfer", at("2026-11-28 09:00"), "张三", unit="示例区住建局")
    assert refused.value.code == "reason_required"


def test_a_closed_message_cannot_be_answered_again():
    m = move(move(message(), "answer", at("2026-11-30 09:00"), "编辑一"), "close", at("2026-11-30 10:00"), "编辑一")
    with pytest.raises(WorkflowError) as refused:
        move(m, "answer", at("2026-11-30 11:00"), "编辑一")
    assert refused.value.code == "message_move_not_allowed" and "已办结" in refused.value.message


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(load_settings(), classifier=False)


def test_screening_masks_a_phone_number_and_keeps_the_length(engine):
    text = "我的电话13912345678，请尽快回电。"
    shown = screen(text, engine)
    assert shown.masked == 1 and "13912345678" not in shown.shown
    assert shown.shown.startswith("我的电话139") and len(shown.shown) == len(text)


def test_screening_marks_a_threat_and_abuse_for_the_handler(engine):
    shown = screen("再不解决我就去跳楼，你们这群狗官。", engine)
    assert [(shown.shown[a:b], kind) for a, b, kind in shown.marks] == [("跳楼", "威胁"), ("狗官", "辱骂")]


def test_a_plain_message_is_shown_as_written(engine):
    text = "请问社保卡丢了怎么补办？"
    shown = screen(text, engine)
    assert (shown.shown, shown.masked, shown.marks) == (text, 0, ())
