"""The alert and after-publishing pages, the API's confirm flag and the ``reviewer alerts`` commands."""

from __future__ import annotations

import io

import openpyxl
from alert_helpers import BLOCK_BODY, publish_draft
from sqlalchemy import select
from webclient import post_form, sign_in

from reviewer.alerts.sweep import sweep, today
from reviewer.storage import Alert, Draft, PostWithdrawal, Unit


def _swept(db) -> Alert:
    sweep(db)
    db.commit()
    return db.scalar(select(Alert).where(Alert.source == "block_published"))


def test_the_supervisor_sees_the_days_alerts_by_unit(client, db, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    alert = _swept(db)
    sign_in(client, db, "supervisor1")
    page = client.get("/alerts/").get_data(as_text=True)
    assert "示例市文化和旅游局" in page and "禁止发布问题已发布" in page and f"alert-{alert.id}" in page
    assert "block_published" not in page


def test_clearing_without_a_note_shows_the_error_at_the_alert_and_keeps_the_choice(client, db, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    alert = _swept(db)
    sign_in(client, db, "supervisor1")
    response = post_form(client, f"/alerts/{alert.id}/clear", {"outcome": "dismissed", "note": " "}, "/alerts/")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    form = page[page.index(f'id="alert-{alert.id}"'):]
    assert "请填写不予认定的理由" in form[:3000] and 'value="dismissed" checked' in form[:3000]


def test_clearing_with_a_note_marks_the_alert_rectified(client, db, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    alert = _swept(db)
    sign_in(client, db, "supervisor1")
    response = post_form(client, f"/alerts/{alert.id}/clear", {"outcome": "rectified", "note": "原文已更正"}, "/alerts/")
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Alert, alert.id).state == "rectified"
    assert "原文已更正" in client.get("/alerts/").get_data(as_text=True)


def test_an_editor_cannot_open_the_alert_list(client, db):
    sign_in(client, db, "editor1")
    assert client.get("/alerts/").status_code == 403


def test_the_alert_list_is_in_the_supervisors_navigation_only(client, db):
    sign_in(client, db, "supervisor1")
    assert 'href="/alerts/"' in client.get("/inspections/").get_data(as_text=True)
    sign_in(client, db, "editor1")
    assert 'href="/alerts/"' not in client.get("/drafts").get_data(as_text=True)


def test_the_rectification_report_downloads_as_a_workbook(client, db, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    alert = _swept(db)
    sign_in(client, db, "supervisor1")
    response = client.get(f"/alerts/report?unit={alert.unit_id}&last={today().isoformat()}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value.startswith("示例市文化和旅游局违规警报整改情况表") and sheet["C4"].value == "禁止发布问题已发布"


def test_the_rectification_report_of_another_office_is_not_found(client, db):
    other = db.scalar(select(Unit.id).where(Unit.name == "邻县人民政府办公室"))
    sign_in(client, db, "supervisor1")
    assert client.get(f"/alerts/report?unit={other}").status_code == 404


def test_a_publisher_withdraws_a_published_post_from_its_page(client, db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    sign_in(client, db, "publisher1")
    path = f"/drafts/{draft_id}/after"
    response = post_form(client, f"/drafts/{draft_id}/withdraw-post", {"reason": "活动取消，撤下预告"}, path)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "已撤稿" in page and "活动取消，撤下预告" in page
    assert db.scalar(select(PostWithdrawal.reason)) == "活动取消，撤下预告"


def test_a_withdrawal_without_a_reason_is_refused_where_the_form_is(client, db, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    sign_in(client, db, "publisher1")
    response = post_form(client, f"/drafts/{draft_id}/withdraw-post", {"reason": ""}, f"/drafts/{draft_id}/after")
    assert response.status_code == 422 and 'id="error-withdraw_post"' in response.get_data(as_text=True)


def test_an_editor_deletes_an_unpublished_draft_from_its_page(client, db, editor):
    draft_id = editor.new_draft()
    sign_in(client, db, "editor1")
    response = post_form(client, f"/drafts/{draft_id}/delete", {"version": "1", "reason": "重复稿件"},
                         f"/drafts/{draft_id}/after")
    assert response.status_code == 302 and client.get(f"/drafts/{draft_id}").status_code == 404


def test_submitting_a_draft_with_block_findings_shows_them_and_asks(client, db, editor):
    draft_id = editor.new_draft(body=BLOCK_BODY)
    sign_in(client, db, "editor1")
    response = post_form(client, f"/drafts/{draft_id}/submit", {}, f"/drafts/{draft_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/drafts/{draft_id}/confirm-submit")
    page = client.get(f"/drafts/{draft_id}/confirm-submit").get_data(as_text=True)
    assert "台湾总统" in page and "确认仍要提交审核" in page
    db.expire_all()
    assert db.get(Draft, draft_id).status == "draft"
    post_form(client, f"/drafts/{draft_id}/confirm-submit", {}, f"/drafts/{draft_id}/confirm-submit")
    db.expire_all()
    assert db.get(Draft, draft_id).status == "in_review"


def test_saving_and_submitting_a_draft_with_block_findings_saves_it_and_asks(client, db, editor):
    sign_in(client, db, "editor1")
    account = editor.account_id("示例文旅")
    response = post_form(client, "/drafts/new", {"account_id": str(account), "kind": "post", "title": "活动预告",
                                                 "body": BLOCK_BODY, "action": "submit"}, "/drafts/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/confirm-submit")
    db.expire_all()
    assert db.scalar(select(Draft.status).order_by(Draft.id.desc()).limit(1)) == "draft"


def test_the_api_refuses_a_submission_with_block_findings_when_asked_to_confirm(editor):
    draft_id = editor.new_draft(body=BLOCK_BODY)
    response = editor.post(f"/drafts/{draft_id}/submit", {"confirm": False})
    assert response.status_code == 409 and response.get_json()["error"] == "blocks_unconfirmed"
    assert editor.post(f"/drafts/{draft_id}/submit", {"confirm": True}).status_code == 200


def test_the_sweep_command_raises_alerts_once(cli, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    first = cli("alerts", "sweep")
    assert first.exit_code == 0, first.output
    assert "新增违规警报 1 条" in first.output and "禁止发布问题已发布：1 条" in first.output
    assert "新增违规警报 0 条" in cli("alerts", "sweep").output


def test_the_list_command_prints_the_days_alerts_of_a_unit(cli, editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    cli("alerts", "sweep")
    result = cli("alerts", "list", "--unit", "示例市文化和旅游局")
    assert result.exit_code == 0 and "【示例市文化和旅游局】待处理 1 条" in result.output and "[待处理]" in result.output


def test_the_sweep_command_refuses_a_date_that_is_not_one(cli):
    result = cli("alerts", "sweep", "--date", "2026-13-01")
    assert result.exit_code == 2 and "日期“2026-13-01”无效" in result.output
