"""What a new user tripped over in the daily job (issue 16), each as the page or file shows it."""

from __future__ import annotations

import io
import re
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select
from test_pages import ONE_LEVEL, TWO_LEVELS, account_id, block_ids, make_draft, page, sign_level, user
from webclient import csrf_token, sign_in

from reviewer import workflow
from reviewer.audit import exports
from reviewer.audit import register as register_module
from reviewer.audit.chain import AuditEntry
from reviewer.audit.scope import EVERYTHING
from reviewer.storage import Draft


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def publish(session, draft_id: int, publisher: str = "publisher1") -> None:
    draft = session.get(Draft, draft_id)
    workflow.publish(session, user(session, publisher), draft_id, draft.current_version, "https://example.gov.cn/a")
    session.commit()


def signoff_form(client, draft_id: int, gate: str, decision: str, **fields: str):
    session_page = f"/drafts/{draft_id}/review?level=1"
    data = {"version": "1", "level": "1", "gate": gate, "decision": decision, **fields,
            "csrf_token": csrf_token(client, session_page)}
    return client.post(f"/drafts/{draft_id}/signoff", data=data)


# -- 1: a refused sign-off answers next to its form, with what was typed ------------------------------


def test_a_refused_signoff_focuses_the_missing_comment_of_its_gate(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "reviewer2")
    response = signoff_form(client, draft_id, "text", "reject", comment="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="form-error" role="alert" id="error-text">' in html
    assert re.search(r'<textarea id="comment-text" form="level-form" name="comment_text"[^>]*autofocus', html)


def test_a_refused_signoff_keeps_the_override_reason_that_was_typed(client, session):
    draft_id = make_draft(session)
    first, second = block_ids(session, draft_id)
    sign_in(client, session, "reviewer2")
    response = signoff_form(client, draft_id, "secrecy", "approve", **{f"override_{first}": "本人同意公开"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "本人同意公开</textarea>" in html
    assert re.search(rf'name="override_{second}"[^>]*autofocus', html)


# -- 2: the review page names the refusal the domain decided ---------------------------------------------


def test_the_review_page_tells_an_author_why_they_cannot_sign(client, session):
    draft_id = make_draft(session, author="reviewer1")
    sign_in(client, session, "reviewer1")
    _, html = page(client, f"/drafts/{draft_id}/review")
    assert "您撰写或修改过这篇稿件，不能审核它" in html
    assert "或各级均已由他人签署" not in html


def test_the_review_page_tells_the_first_level_signer_why_they_cannot_sign_the_second(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS)
    sign_level(session, draft_id, "reviewer2", 1)
    sign_in(client, session, "reviewer2")
    _, html = page(client, f"/drafts/{draft_id}/review?level=2")
    assert "您已在另一审核级别签署过此版本，同一人不能签署两个级别。" in html


# -- 10: 发布 is offered only to who may publish ----------------------------------------------------------


def test_the_publish_queue_offers_no_publish_button_to_the_versions_signer(client, session):
    draft_id = make_draft(session)
    sign_level(session, draft_id, "reviewer3", 1)
    sign_in(client, session, "reviewer3")
    _, html = page(client, "/publish")
    assert f'href="/drafts/{draft_id}/publish"' not in html
    assert "您签署过这篇稿件的审核，不能再发布它" in html


def test_the_publish_queue_offers_publish_to_a_publisher_who_took_no_part(client, session):
    draft_id = make_draft(session)
    sign_level(session, draft_id, "reviewer3", 1)
    sign_in(client, session, "publisher1")
    _, html = page(client, "/publish")
    assert f'href="/drafts/{draft_id}/publish"' in html


def test_the_publish_page_shows_the_signer_the_reason_instead_of_the_form(client, session):
    draft_id = make_draft(session)
    sign_level(session, draft_id, "reviewer3", 1)
    sign_in(client, session, "reviewer3")
    _, html = page(client, f"/drafts/{draft_id}/publish")
    assert "确认发布" not in html
    assert "您签署过这篇稿件的审核，不能再发布它" in html


# -- 11: an overridden block finding says so ----------------------------------------------------------


def test_a_published_draft_shows_who_overrode_each_block_finding_and_why(client, session):
    draft_id = make_draft(session)
    sign_level(session, draft_id, "reviewer2", 1)
    publish(session, draft_id)
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/drafts/{draft_id}")
    assert "禁止发布 2 处（均已审核放行）" in html
    assert html.count("已放行</span> 第 1 级 审核员 王芳") == 2
    assert "已征得本人同意公开" in html


# -- 9: no internal codes in the Chinese pages -------------------------------------------------------


def test_a_finding_shows_its_familys_chinese_name_and_no_rule_code(client, session):
    draft_id = make_draft(session, body="希望大家再接再励，取得更好成绩。")
    sign_in(client, session, "editor1")
    _, html = page(client, f"/drafts/{draft_id}")
    assert '<div class="rule">错别字</div>' in html
    assert "lexicon." not in html


def test_the_error_page_words_its_reason_in_chinese_without_a_code(client, session):
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts/999999")
    assert status == 404
    assert "错误代码" not in html and ">not_found<" not in html


def test_the_audit_event_choices_show_only_chinese_names(client, session):
    sign_in(client, session, "auditor1")
    _, html = page(client, "/audit/")
    assert '<option value="draft.submit">提交审核</option>' in html
    assert "（draft.submit）" not in html


# -- 3: the audit log in Chinese, with names and short hashes ------------------------------------


def test_the_audit_table_words_a_signoff_in_chinese_with_the_reviewers_name(client, session):
    draft_id = make_draft(session)
    sign_level(session, draft_id, "reviewer2", 1)
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/audit/?event=signoff&draft_id={draft_id}")
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "结论：</span>通过" in table and "审核意见：</span>同意" in table and "放行理由：</span>#" in table
    assert "审核员 王芳" in table
    for raw in ("decision", "null", "overrides", "comment:", "reviewer2<"):
        assert raw not in table


def test_the_audit_table_names_findings_by_gate_and_severity(client, session):
    draft_id = make_draft(session)
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/audit/?event=findings.attach&draft_id={draft_id}")
    assert "按关口与级别：</span>保密关禁止发布 2" in html
    assert "by_gate_severity" not in html and "secrecy/block" not in html


def test_the_timeline_shows_a_short_hash_and_keeps_the_whole_one_to_copy(client, session):
    draft_id = make_draft(session)
    head = session.scalars(select(AuditEntry).where(AuditEntry.draft_id == draft_id)).first()
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/audit/drafts/{draft_id}")
    assert f'data-copy="{head.entry_hash}"' in html
    assert f'title="{head.entry_hash}（点击复制完整哈希）"' in html
    assert f"<code>{head.entry_hash[:12]}…</code>" in html


# -- 14: small forms answer on the page, forms kept; dates are date inputs -------------------------------


def test_a_bad_register_month_answers_on_the_audit_page_with_the_form_kept(client, session):
    sign_in(client, session, "auditor1")
    account = account_id(session, TWO_LEVELS)
    response = client.post("/audit/register", data={"account_id": str(account), "month": "2026-13",
                                                    "csrf_token": csrf_token(client, "/audit/")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="register-form"' in html and 'id="register-error"' in html and "月份格式不正确" in html
    assert 'value="2026-13"' in html
    assert f'<option value="{account}" selected>' in html


def test_a_bad_anchor_answers_on_the_audit_page_with_the_anchor_kept(client, session):
    sign_in(client, session, "auditor1")
    response = client.post("/audit/verify", data={"anchor": "xyz", "csrf_token": csrf_token(client, "/audit/")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="anchor-error"' in html and 'value="xyz"' in html


def test_the_audit_dates_and_the_register_month_are_date_and_month_inputs(client, session):
    sign_in(client, session, "auditor1")
    _, html = page(client, "/audit/")
    assert re.search(r'id="since" name="since" type="date"', html)
    assert re.search(r'id="until" name="until" type="date"', html)
    assert re.search(r'id="register-month" name="month" type="month"', html)


# -- 4 and 15: the register and the audit workbook ------------------------------------------------------


def returned_then_published(session) -> int:
    """Version 1 returned at 文字关, version 2 approved and published."""
    draft_id = make_draft(session)
    editor = user(session, "editor1")
    workflow.sign_off(session, user(session, "reviewer2"), draft_id,
                      workflow.SignOffRequest(1, 1, "text", "reject", "请改写", {}))
    workflow.edit_draft(session, editor, draft_id, "测试稿件", "本周六上午九时，市图书馆举办少儿阅读分享会。", 1)
    workflow.submit(session, editor, draft_id)
    session.commit()
    sign_level(session, draft_id, "reviewer2", 1)
    publish(session, draft_id)
    return draft_id


def test_the_register_shows_each_versions_own_outcome(session):
    draft_id = returned_then_published(session)
    month = datetime.now(exports.LOCAL_TZ).strftime("%Y-%m")
    rows = [r for r in register_module.register_rows(session, account_id(session, ONE_LEVEL), month)
            if r.draft_id == draft_id]
    assert [(r.version, r.status) for r in rows] == [(1, "已退回"), (2, "已发布")]


def register_sheet(session):
    returned_then_published(session)
    buffer = io.BytesIO()
    month = datetime.now(exports.LOCAL_TZ).strftime("%Y-%m")
    register_module.write_register(session, account_id(session, ONE_LEVEL), month, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active


def test_the_register_prints_landscape_with_its_header_row_on_every_page(session):
    sheet = register_sheet(session)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1


def test_the_register_ends_with_lines_for_the_reviewers_and_the_heads_signatures(session):
    texts = [r[0] for r in register_sheet(session).iter_rows(values_only=True) if r and r[0]]
    assert texts[-2].startswith("审核人（签字）：") and "日期：" in texts[-2]
    assert texts[-1].startswith("负责人（签字）：") and "日期：" in texts[-1]


def audit_workbook(session):
    make_draft(session)
    buffer = io.BytesIO()
    exports.write_xlsx(exports.iter_entries(session, exports.AuditFilter(), scope=EVERYTHING), buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active


def test_the_audit_workbook_sets_column_widths(session):
    sheet = audit_workbook(session)
    assert sheet.column_dimensions["A"].width == 8
    assert sheet.column_dimensions["N"].width == 60


def test_the_audit_workbook_gives_beijing_time_as_a_date_time_to_the_second(session):
    sheet = audit_workbook(session)
    cell = sheet.cell(row=2, column=3)
    assert isinstance(cell.value, datetime) and cell.value.microsecond == 0
    assert cell.number_format == "yyyy-mm-dd hh:mm:ss"
    assert exports.local_time(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).first().created_at) \
        == cell.value.isoformat(sep=" ")


def test_two_overlapping_findings_show_as_two_where_the_second_begins(client, session):
    draft_id = make_draft(session, body="有意者请加微信wjg2026咨询。")
    sign_in(client, session, "editor1")
    _, html = page(client, f"/drafts/{draft_id}")
    begins = re.findall(r'<mark class="hl sev-\w+ hl-overlap hl-begins"[^>]*>([^<]+)</mark>', html)
    assert begins == ["加", "微信"]  # 加微信 starts inside the ad sentence, 微信wjg2026 inside 加微信
