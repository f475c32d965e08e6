"""Messages over HTTP: the API takes one message and refuses bad input with stable codes; the pages
show the queue, the masked message, the import preview, and offer Q&A entries for the reply."""

from __future__ import annotations

import io

from sqlalchemy import select
from webclient import post_form, sign_in

from reviewer.messages import inbox, library
from reviewer.storage import MessageRow, Unit, User

LAMP = "小区门口的路灯坏了一个月，什么时候修？"


def _post(client, token: str, body) -> tuple[int, dict]:
    response = client.post("/api/v1/messages", json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json()


def test_the_api_takes_one_message_and_answers_its_deadline(client, token_for):
    status, body = _post(client, token_for("editor1"), {"account_id": 1, "received_at": "2026-11-27 17:00", "text": LAMP})
    assert status == 201
    assert body["due_at"] == "2026-12-01T17:00:00+08:00" and body["state"] == "pending"


def test_the_api_refuses_a_missing_text_with_a_stable_code(client, token_for):
    status, body = _post(client, token_for("editor1"), {"account_id": 1, "received_at": "2026-11-27 17:00"})
    assert (status, body["error"]) == (422, "missing_field") and "text" in body["message"]


def test_the_api_refuses_a_time_it_cannot_read(client, token_for):
    status, body = _post(client, token_for("editor1"), {"account_id": 1, "received_at": "上周五", "text": LAMP})
    assert (status, body["error"]) == (422, "invalid_time") and "上周五" in body["message"]


def test_the_api_refuses_an_account_of_another_county(client, token_for):
    status, body = _post(client, token_for("editor_other"), {"account_id": 1, "received_at": "2026-11-27 17:00", "text": LAMP})
    assert (status, body["error"]) == (404, "unknown_account")


def test_the_api_refuses_a_role_that_does_not_handle_messages(client, token_for):
    status, body = _post(client, token_for("auditor1"), {"account_id": 1, "received_at": "2026-11-27 17:00", "text": LAMP})
    assert (status, body["error"]) == (403, "forbidden_role")


def test_the_api_queue_lists_the_overdue_message_first(client, token_for):
    token = token_for("editor1")
    _post(client, token, {"account_id": 1, "received_at": "2026-11-30 09:00", "text": "博物馆周一开放吗？"})
    _post(client, token, {"account_id": 1, "received_at": "2026-11-20 09:00", "text": LAMP})
    items = client.get("/api/v1/messages", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert items[0]["text"] == LAMP and items[0]["overdue"]


def _receive(db, text: str = LAMP, received: str = "2026-11-20 09:00") -> MessageRow:
    row = inbox.receive(db, db.scalar(select(User).where(User.username == "editor1")), inbox.Incoming(1, received, text))
    db.commit()
    return row


def test_the_queue_page_shows_an_overdue_message_and_how_long_it_waited(client, db):
    row = _receive(db)
    sign_in(client, db, "editor1")
    html = client.get("/messages/").get_data(as_text=True)
    assert f'/messages/{row.id}' in html and "超期" in html and " 天 " in html


def test_the_message_page_masks_the_phone_number_and_marks_abuse(client, db):
    row = _receive(db, "我的电话13912345678，你们这帮狗官什么时候修路灯？")
    sign_in(client, db, "editor1")
    html = client.get(f"/messages/{row.id}").get_data(as_text=True)
    assert "13912345678" not in html and '<mark class="msg-mark" title="辱骂">狗官</mark>' in html


def test_a_qa_entry_is_offered_and_one_click_puts_its_answer_into_the_reply(client, db):
    row = _receive(db)
    editor = db.scalar(select(User).where(User.username == "editor1"))
    city = db.scalar(select(Unit).where(Unit.name == "示例市人民政府办公室"))
    entry = library.add_entry(db, editor, city.id, "路灯坏了找谁修？", "路灯损坏可拨打12345热线报修，维修单位三个工作日内修复。", "城管")
    db.commit()
    sign_in(client, db, "editor1")
    html = client.get(f"/messages/{row.id}").get_data(as_text=True)
    assert "路灯坏了找谁修？" in html and f"use={entry.id}" in html
    chosen = client.get(f"/messages/{row.id}?use={entry.id}").get_data(as_text=True)
    assert "维修单位三个工作日内修复。</textarea>" in chosen


def test_an_expired_entry_is_offered_but_marked(client, db):
    row = _receive(db)
    editor = db.scalar(select(User).where(User.username == "editor1"))
    library.add_entry(db, editor, 1, "路灯坏了找谁修？", "路灯损坏请拨打12345热线报修。", "城管", "2025-12-31")
    db.commit()
    sign_in(client, db, "editor1")
    assert "已过有效期（2025-12-31）" in client.get(f"/messages/{row.id}").get_data(as_text=True)


def test_the_import_page_names_the_bad_line_and_imports_nothing(client, db):
    sign_in(client, db, "editor1")
    data = "账号,收到时间,留言内容\n示例文旅,2026-11-27 17:00,路灯坏了\n示例文旅,明天,公交站牌坏了\n".encode()
    response = post_form(client, "/messages/import", {"action": "preview", "file": (io.BytesIO(data), "留言.csv")},
                         token_from="/messages/import")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "第 3 行" in html and "确认导入" not in html
    assert db.scalars(select(MessageRow)).all() == []


def test_a_transfer_without_a_reason_is_refused_on_the_page_where_the_form_is(client, db):
    row = _receive(db)
    sign_in(client, db, "editor1")
    response = post_form(client, f"/messages/{row.id}/move", {"move": "transfer", "unit_id": "3", "reason": ""},
                         token_from=f"/messages/{row.id}")
    assert response.status_code == 422 and "转办须写明理由" in response.get_data(as_text=True)
