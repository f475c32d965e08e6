"""Stored messages: receipt fixes the deadline, the queue shows what is overdue, a transfer keeps the
history, an import is all or nothing, and publishing the reviewed reply answers the message."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from reviewer import workflow
from reviewer.audit.chain import AuditEntry
from reviewer.calendar import BEIJING
from reviewer.errors import WorkflowError
from reviewer.messages import importing, inbox, replies
from reviewer.storage import Account, MessageRow, Unit, User
from reviewer.vocabulary import GATES

LAMP = "小区门口的路灯坏了一个月，什么时候修？"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def user(db, name: str) -> User:
    return db.scalar(select(User).where(User.username == name))


def unit(db, name: str) -> Unit:
    return db.scalar(select(Unit).where(Unit.name == name))


def receive(db, text: str = LAMP, received: str = "2026-11-27 17:00", account: str = "示例文旅", **kw) -> MessageRow:
    return inbox.receive(db, user(db, "editor1"), inbox.Incoming(account, received, text, **kw))


def events(db, message_id: int) -> list[str]:
    return [e.event for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if json.loads(e.details or "{}").get("message_id") == message_id]


def test_a_message_received_friday_at_five_on_a_two_day_account_is_due_tuesday_at_five(db):
    row = receive(db)  # 示例文旅 is a 微信 account: 2 working days
    assert row.due_at == at("2026-12-01 17:00")
    assert (row.state, row.via) == ("pending", "web")


def test_receiving_a_message_is_audited_in_the_same_transaction(db):
    row = receive(db)
    assert events(db, row.id) == ["message.receive"]
    message_id = row.id
    db.rollback()
    assert db.get(MessageRow, message_id) is None and events(db, message_id) == []


def test_personal_data_is_masked_when_shown_and_a_threat_is_marked(db):
    row = receive(db, "我的电话13912345678，再不修我就去你们单位跳楼。")
    assert "13912345678" not in row.shown_text and "13912345678" in row.text
    assert row.masked == 1
    assert [kind for _, _, kind in row.marks] == ["威胁"]


def test_a_message_received_after_now_is_refused(db):
    with pytest.raises(WorkflowError) as refused:
        receive(db, received="2026-12-31 09:00")
    assert refused.value.code == "received_in_future"


def test_an_overdue_message_comes_first_in_the_queue_and_in_the_overdue_list(db):
    fresh = receive(db, "请问博物馆周一开放吗？", "2026-11-30 09:00")
    late = receive(db)
    page = inbox.queue(db, user(db, "editor1"), at("2026-12-01 17:30"))
    assert [i.message.id for i in page.items][:2] == [late.id, fresh.id]
    assert page.items[0].overdue and not page.items[1].overdue
    assert page.items[0].waited_text == "4 天 0 小时"
    overdue = inbox.overdue_messages(db, at("2026-12-01 17:30"))
    assert [(o.message_id, o.account) for o in overdue] == [(late.id, "示例文旅")]


def test_a_message_answered_after_the_moment_asked_about_was_overdue_then(db):
    row = receive(db)
    row.state, row.answered_at = "answered", at("2026-12-03 10:00")
    db.flush()
    assert [o.message_id for o in inbox.overdue_messages(db, at("2026-12-02 09:00"))] == [row.id]
    assert inbox.overdue_messages(db, at("2026-12-04 09:00")) == []


def test_a_transferred_message_keeps_its_history_and_its_deadline(db):
    row = receive(db)
    editor = user(db, "editor1")
    inbox.move(db, editor, row.id, "take", at=at("2026-11-27 17:30"))
    target = unit(db, "示例市交通运输局")
    inbox.move(db, editor, row.id, "transfer", unit_id=target.id, reason="路灯由交通运输局管理", at=at("2026-11-30 09:00"))
    steps = inbox.history(db, row)
    assert [(s.move, s.state) for s in steps] == [("receive", "pending"), ("take", "handling"), ("transfer", "pending")]
    assert steps[-1].reason == "路灯由交通运输局管理" and steps[-1].unit_id == target.id
    assert (row.unit_id, row.due_at) == (target.id, at("2026-12-01 17:00"))
    assert events(db, row.id) == ["message.receive", "message.take", "message.transfer"]


def test_a_transfer_without_a_reason_is_refused(db):
    row = receive(db)
    with pytest.raises(WorkflowError) as refused:
        inbox.move(db, user(db, "editor1"), row.id, "transfer", unit_id=unit(db, "示例市税务局").id)
    assert refused.value.code == "reason_required"


def test_a_message_is_answered_only_by_publishing_a_reply(db):
    row = receive(db)
    with pytest.raises(WorkflowError) as refused:
        inbox.move(db, user(db, "editor1"), row.id, "answer")
    assert refused.value.code == "message_move_not_allowed"


def test_assigning_a_handler_outside_the_holding_unit_is_refused(db):
    row = receive(db)
    with pytest.raises(WorkflowError) as refused:
        inbox.assign(db, user(db, "editor1"), row.id, "editor_other")
    assert refused.value.code == "unknown_handler"
    inbox.assign(db, user(db, "editor1"), row.id, "reviewer1")
    assert row.handler_id == user(db, "reviewer1").id


def test_a_message_of_another_county_is_not_found(db):
    row = receive(db)
    with pytest.raises(WorkflowError) as refused:
        inbox.get_message(db, user(db, "editor_other"), row.id)
    assert refused.value.code == "not_found"


def test_publishing_the_reviewed_reply_answers_the_message(db):
    row = receive(db)
    draft = replies.draft_reply(db, user(db, "editor1"), row.id, "答复：路灯维修",
                                "您好，已通知维修单位，本周内修复。感谢您的反映。", submit=True)
    assert (draft.kind, draft.message_id, row.state) == ("reply", row.id, "handling")
    for level, reviewer in ((1, "reviewer2"), (2, "reviewer3")):
        for gate in GATES:
            workflow.sign_off(db, user(db, reviewer), draft.id, workflow.SignOffRequest(1, level, gate, "approve", "同意"))
    workflow.publish(db, user(db, "publisher1"), draft.id, 1, "https://mp.weixin.qq.com/s/reply")
    assert row.state == "answered" and row.answered_at is not None
    assert [s.move for s in inbox.history(db, row)] == ["receive", "take", "reply", "answer"]
    assert events(db, row.id)[-1] == "message.answer"


def test_a_reply_carries_the_masked_message_for_its_reviewers(db):
    row = receive(db, "我的身份证110101199003078515丢了，怎么补办？")
    draft = replies.draft_reply(db, user(db, "editor1"), row.id, "答复", "您好，请携带户口簿到户籍窗口办理。")
    version = workflow.draft_state(db, draft)
    assert "110101199003078515" not in (version.get("citizen_message") or row.shown_text)


HEADER = ["账号", "收到时间", "留言内容", "联系方式"]


def test_an_import_with_a_bad_line_applies_nothing_and_names_the_line(db):
    rows = [HEADER, ["示例文旅", "2026-11-27 17:00", LAMP, ""], ["示例文旅", "昨天下午", "公交站牌被撞坏了", ""],
            ["不存在的账号", "2026-11-27 18:00", "你好", ""]]
    preview = importing.preview_import(db, user(db, "editor1"), rows)
    assert not preview.ok and [line.number for line in preview.errors] == [3, 4]
    assert "第 3 行" in preview.problems()[0] and "收到时间" in preview.problems()[0]
    with pytest.raises(WorkflowError) as refused:
        importing.apply_import(db, user(db, "editor1"), rows, file_name="留言.xlsx")
    assert refused.value.code == "import_invalid" and "第 3 行" in refused.value.message
    assert db.scalars(select(MessageRow)).all() == []


def test_a_good_import_stores_every_line_with_its_deadline_and_one_summary_entry(db):
    rows = [HEADER, ["示例文旅", "2026-11-27 17:00", LAMP, "王先生"], ["示例文旅微博", "2026-11-27 17:00", "景区几点关门？", ""]]
    stored = importing.apply_import(db, user(db, "editor1"), rows, file_name="留言.csv")
    assert [(r.via, r.due_at) for r in stored] == [("import", at("2026-12-01 17:00")), ("import", at("2026-11-30 17:00"))]
    summary = db.scalars(select(AuditEntry).where(AuditEntry.event == "message.import")).one()
    assert json.loads(summary.details)["count"] == 2


def test_a_header_without_the_text_column_is_refused_as_a_whole(db):
    preview = importing.preview_import(db, user(db, "editor1"), [["账号", "收到时间"], ["示例文旅", "2026-11-27 17:00"]])
    assert not preview.ok and "留言内容" in preview.error


def test_the_account_is_found_by_name_within_the_actors_units(db):
    account = db.scalar(select(Account).where(Account.name == "邻县发布"))
    with pytest.raises(WorkflowError) as refused:
        receive(db, account=account.name)
    assert refused.value.code == "unknown_account"


def test_messages_due_on_the_command_line_lists_the_overdue_message_first(db, cli):
    receive(db, "请问博物馆周一开放吗？", "2026-11-30 09:00")
    late = receive(db)
    db.commit()
    result = cli("messages", "due", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "超期未答复 1 条，待答复 1 条" in lines[0]
    assert lines[1].startswith(f"【超期】 留言 {late.id} ") and lines[2].startswith("【待办】")


def test_messages_import_on_the_command_line_previews_then_applies(db, cli, tmp_path):
    path = tmp_path / "留言.csv"
    path.write_text("账号,收到时间,留言内容\n示例文旅,2026-11-27 17:00,路灯坏了\n", encoding="utf-8")
    preview = cli("messages", "import", str(path), "--user", "editor1")
    assert preview.exit_code == 0 and "答复期限 2026-12-01 17:00" in preview.output
    assert db.scalars(select(MessageRow)).all() == []
    applied = cli("messages", "import", str(path), "--user", "editor1", "--apply")
    assert applied.exit_code == 0 and "已导入 1 条留言" in applied.output


def test_messages_import_on_the_command_line_names_the_bad_line_and_exits_2(db, cli, tmp_path):
    path = tmp_path / "留言.csv"
    path.write_text("账号,收到时间,留言内容\n示例文旅,2026-11-27 17:00,路灯坏了\n示例文旅,下午,\n", encoding="utf-8")
    result = cli("messages", "import", str(path), "--user", "editor1", "--apply")
    assert result.exit_code == 2 and "第 3 行" in result.output
    assert db.scalars(select(MessageRow)).all() == []


def test_a_published_reply_enters_the_inspected_history_with_the_time_its_message_arrived(db, settings, tmp_path):
    from datetime import date

    from reviewer.aftercare.history import write_history
    from reviewer.engine.core import load_engine
    from reviewer.inspection.accounts import Window
    from reviewer.inspection.run import inspect

    row = receive(db)  # received 2026-11-27 17:00, answered today: far past the 48-hour reply limit
    draft = replies.draft_reply(db, user(db, "editor1"), row.id, "答复：路灯维修",
                                "您好，已通知维修单位，本周内修复。感谢您的反映。", submit=True)
    for level, reviewer in ((1, "reviewer2"), (2, "reviewer3")):
        for gate in GATES:
            workflow.sign_off(db, user(db, reviewer), draft.id, workflow.SignOffRequest(1, level, gate, "approve", "同意"))
    workflow.publish(db, user(db, "publisher1"), draft.id, 1, "https://mp.weixin.qq.com/s/reply")
    db.commit()
    path = tmp_path / "history.jsonl"
    write_history(db, path)
    [line] = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]
    assert (line["kind"], datetime.fromisoformat(line["message_at"])) == ("reply", at("2026-11-27 17:00"))
    today = datetime.now(BEIJING).date()
    verdict = next(v for v in inspect([path], Window(date(today.year, 1, 1), today), load_engine(settings)).verdicts
                   if v.account.name == "示例文旅")
    assert any(key == "late_reply" for key, *_ in verdict.problems)


def test_a_message_never_answered_enters_the_inspected_history_and_is_a_late_reply(db, settings, tmp_path):
    from datetime import date

    from reviewer.aftercare.history import write_history
    from reviewer.engine.core import load_engine
    from reviewer.inspection.accounts import Window
    from reviewer.inspection.run import inspect

    row = receive(db)  # received 2026-11-27 17:00 and never answered: past the 48-hour limit by now
    db.commit()
    path = tmp_path / "history.jsonl"
    write_history(db, path)
    [line] = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]
    assert (line["kind"], line["id"], line["text"]) == ("unanswered", f"留言{row.id}（未答复）", "")
    today = datetime.now(BEIJING).date()
    verdict = next(v for v in inspect([path], Window(date(today.year, 1, 1), today), load_engine(settings)).verdicts
                   if v.account.name == "示例文旅")
    assert dict((k, e) for k, _, e in verdict.problems)["late_reply"] == [f"留言{row.id}（未答复）"]
