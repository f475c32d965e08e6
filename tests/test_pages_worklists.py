"""Lists with paging, search and filters; 待办 with its count; the 审核签批单 and its PDF (issue 16)."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from test_pages import CLEAN_TEXT, ONE_LEVEL, TWO_LEVELS, account_id, make_draft, page, sign_level, user
from webclient import sign_in

from reviewer import workflow
from reviewer.storage import Draft
from reviewer.workflow.todo import waited_text


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def rows_of(html: str, table_id: str) -> list[str]:
    """The draft ids a list table shows, in order."""
    match = re.search(rf'<table class="list" id="{table_id}">(.*?)</table>', html, re.S)
    return re.findall(r'<td class="hide-narrow nowrap muted">#(\d+)</td>', match.group(1)) if match else []


def many_drafts(session, count: int, title: str = "分页稿件", **kwargs) -> list[int]:
    kwargs.setdefault("body", CLEAN_TEXT)
    return [make_draft(session, title=f"{title}{n:02d}", **kwargs) for n in range(count)]


def set_updated(session, draft_id: int, moment: datetime) -> None:
    session.execute(update(Draft).where(Draft.id == draft_id).values(updated_at=moment, lock_version=Draft.lock_version + 1))
    session.commit()


def return_draft(session, draft_id: int, reviewer: str = "reviewer2") -> None:
    workflow.sign_off(session, user(session, reviewer), draft_id,
                      workflow.SignOffRequest(1, 1, "text", "reject", "请核实日期"))
    session.commit()


# -- paging -------------------------------------------------------------------------------------------


def test_my_drafts_show_twenty_rows_a_page_and_say_how_many_in_all(client, session):
    many_drafts(session, 25, submit=False)
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts")
    assert status == 200
    assert len(rows_of(html, "draft-list")) == 20
    assert "共 25 条 · 第 1 / 2 页" in html


def test_the_next_page_link_keeps_the_search_and_filters(client, session):
    many_drafts(session, 25, submit=False)
    sign_in(client, session, "editor1")
    _, html = page(client, "/drafts?q=分页&status=draft")
    link = re.search(r'<a class="button" rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "page=2" in link and "status=draft" in link and "q=%E5%88%86%E9%A1%B5" in link
    _, second = page(client, link)
    assert len(rows_of(second, "draft-list")) == 5
    assert 'value="分页"' in second


def test_a_page_past_the_last_shows_the_last_page(client, session):
    many_drafts(session, 3, submit=False)
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts?page=9")
    assert status == 200
    assert "第 1 / 1 页" in html and len(rows_of(html, "draft-list")) == 3


def test_a_bad_page_number_is_a_chinese_error_above_the_kept_form(client, session):
    make_draft(session, submit=False)
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts?page=abc&q=测试")
    assert status == 422
    assert '<div class="form-error" role="alert" id="filter-error">' in html
    assert "页码“abc”无效，应为正整数。" in html
    assert 'value="测试"' in html and "我的稿件" in html


def test_a_bad_date_is_a_chinese_error_with_the_date_input_kept(client, session):
    sign_in(client, session, "auditor1")
    status, html = page(client, "/all?since=2026-02-30")
    assert status == 422
    assert "起始日期“2026-02-30”不是有效日期" in html
    assert re.search(r'<input id="f-since" name="since" type="date" value="2026-02-30"[^>]*aria-invalid="true"', html)


def test_an_end_date_before_the_start_date_is_refused(client, session):
    sign_in(client, session, "auditor1")
    status, html = page(client, "/all?since=2026-10-05&until=2026-10-01")
    assert status == 422 and "结束日期不能早于起始日期。" in html


# -- search and filters -------------------------------------------------------------------------------


def test_all_drafts_are_found_by_title_substring(client, session):
    wanted = make_draft(session, title="秋季森林防火提示", body=CLEAN_TEXT, submit=False)
    make_draft(session, title="图书馆开放时间", body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "auditor1")
    _, html = page(client, "/all?q=森林防火")
    assert rows_of(html, "draft-list") == [str(wanted)]


def test_all_drafts_are_found_by_draft_number(client, session):
    ids = many_drafts(session, 3, submit=False)
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/all?q=%23{ids[1]}")
    assert rows_of(html, "draft-list") == [str(ids[1])]


def test_all_drafts_are_found_by_author_display_name(client, session):
    mine = make_draft(session, author="reviewer1", body=CLEAN_TEXT, submit=False)
    make_draft(session, author="editor1", body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "auditor1")
    _, html = page(client, "/all?q=李强")
    assert rows_of(html, "draft-list") == [str(mine)]


def test_all_drafts_are_found_by_account_name(client, session):
    two = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT, submit=False)
    make_draft(session, account=ONE_LEVEL, body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "auditor1")
    _, html = page(client, "/all?q=示例文旅")
    assert set(rows_of(html, "draft-list")) >= {str(two)}
    _, html = page(client, "/all?q=文旅微博")
    assert str(two) not in rows_of(html, "draft-list")


def test_a_percent_sign_in_the_search_is_matched_literally(client, session):
    make_draft(session, title="增长 5% 的统计", body=CLEAN_TEXT, submit=False)
    other = make_draft(session, title="普通稿件", body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "auditor1")
    _, html = page(client, "/all?q=%25")
    assert str(other) not in rows_of(html, "draft-list") and len(rows_of(html, "draft-list")) == 1


def test_the_status_filter_keeps_only_that_status(client, session):
    submitted = make_draft(session, body=CLEAN_TEXT)
    make_draft(session, body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "editor1")
    _, html = page(client, "/drafts?status=in_review")
    assert rows_of(html, "draft-list") == [str(submitted)]


def test_an_unknown_status_is_refused_in_place(client, session):
    sign_in(client, session, "editor1")
    status, html = page(client, "/drafts?status=weird")
    assert status == 422 and "稿件状态无效" in html


def test_the_account_filter_keeps_only_that_account(client, session):
    two = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT, submit=False)
    make_draft(session, account=ONE_LEVEL, body=CLEAN_TEXT, submit=False)
    sign_in(client, session, "editor1")
    _, html = page(client, f"/drafts?account_id={account_id(session, TWO_LEVELS)}")
    assert rows_of(html, "draft-list") == [str(two)]


def test_the_date_range_covers_whole_beijing_days(client, session):
    early, late = many_drafts(session, 2, submit=False)
    set_updated(session, early, datetime(2026, 9, 30, 15, 59, tzinfo=UTC))  # 9月30日 23:59 北京时间
    set_updated(session, late, datetime(2026, 9, 30, 16, 0, tzinfo=UTC))  # 10月1日 00:00 北京时间
    sign_in(client, session, "editor1")
    _, html = page(client, "/drafts?since=2026-10-01&until=2026-10-01")
    assert rows_of(html, "draft-list") == [str(late)]
    _, html = page(client, "/drafts?until=2026-09-30")
    assert rows_of(html, "draft-list") == [str(early)]


def test_the_review_queue_is_searched_and_paged_with_the_same_form(client, session):
    ids = many_drafts(session, 22, title="排队稿件", body=CLEAN_TEXT)
    make_draft(session, title="另一篇", body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    status, html = page(client, "/queue?q=排队")
    assert status == 200
    assert rows_of(html, "queue-list") == [str(i) for i in ids[:20]]  # oldest waiting first
    assert "共 22 条 · 第 1 / 2 页" in html
    _, html = page(client, "/queue?q=排队&page=2")
    assert rows_of(html, "queue-list") == [str(i) for i in ids[20:]]


def test_the_review_queue_refuses_a_bad_page_in_place(client, session):
    sign_in(client, session, "reviewer2")
    status, html = page(client, "/queue?page=0")
    assert status == 422 and "页码“0”无效" in html and "审核队列" in html


def test_the_publish_queue_is_filtered_by_account(client, session):
    one = make_draft(session, body=CLEAN_TEXT)
    sign_level(session, one, "reviewer2", 1)
    two = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_level(session, two, "reviewer2", 1)
    sign_level(session, two, "reviewer3", 2)
    sign_in(client, session, "publisher1")
    _, html = page(client, "/publish")
    assert set(rows_of(html, "publish-list")) == {str(one), str(two)}
    _, html = page(client, f"/publish?account_id={account_id(session, TWO_LEVELS)}")
    assert rows_of(html, "publish-list") == [str(two)]


def test_the_audit_log_refuses_a_bad_page_number_in_place(client, session):
    sign_in(client, session, "auditor1")
    status, html = page(client, "/audit/?page=-3&user=editor1")
    assert status == 422
    assert "页码“-3”无效，应为正整数。" in html and 'value="editor1"' in html


def test_the_audit_log_pages_with_the_shared_pager_keeping_its_filters(client, session):
    many_drafts(session, 30, submit=False)
    sign_in(client, session, "auditor1")
    _, html = page(client, "/audit/?event=draft.create")
    assert "共 30 条 · 第 1 / 1 页" in html or "共 30 条" in html
    _, html = page(client, "/audit/")
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "page=2" in link
    _, html = page(client, "/audit/?event=findings.attach&page=1")
    assert 'rel="next"' not in html


# -- 待办 ----------------------------------------------------------------------------------------------


def todo_count(client) -> int:
    _, html = page(client, "/todo")
    match = re.search(r'id="todo-link" aria-label="待办 (\d+) 项"', html)
    return int(match.group(1))


def test_an_editor_is_told_a_draft_came_back(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    return_draft(session, draft_id)
    sign_in(client, session, "editor1")
    assert todo_count(client) == 1
    _, html = page(client, "/todo")
    assert f'href="/drafts/{draft_id}/edit"' in html
    assert re.search(r'<section class="panel todo-section" id="todo-returned">.*?已等待', html, re.S)


def test_a_reviewer_is_told_of_drafts_waiting_for_their_level(client, session):
    make_draft(session, body=CLEAN_TEXT)
    make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_in(client, session, "reviewer2")
    assert todo_count(client) == 2


def test_the_second_level_waits_for_someone_other_than_the_first_level_signer(client, session):
    draft_id = make_draft(session, account=TWO_LEVELS, body=CLEAN_TEXT)
    sign_level(session, draft_id, "reviewer2", 1)
    sign_in(client, session, "reviewer2")
    assert todo_count(client) == 0
    sign_in(client, session, "reviewer3")
    _, html = page(client, "/todo")
    assert f'href="/drafts/{draft_id}/review?level=2"' in html and "第 2 级" in html


def test_an_author_who_reviews_is_not_asked_to_review_their_own_draft(client, session):
    make_draft(session, author="reviewer1", body=CLEAN_TEXT)
    sign_in(client, session, "reviewer1")
    assert todo_count(client) == 0


def test_a_publisher_is_told_of_approved_drafts_but_not_one_they_signed(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_level(session, draft_id, "reviewer3", 1)
    sign_in(client, session, "publisher1")
    assert todo_count(client) == 1
    sign_in(client, session, "reviewer3")  # reviewer and publisher, but signed it
    assert todo_count(client) == 0


def test_an_auditor_has_nothing_to_do(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    return_draft(session, draft_id)
    sign_in(client, session, "auditor1")
    assert todo_count(client) == 0


def test_todo_lists_only_the_kinds_of_work_the_users_roles_have(client, session):
    sign_in(client, session, "reviewer2")
    _, html = page(client, "/todo")
    assert 'id="todo-review"' in html
    assert 'id="todo-returned"' not in html and 'id="todo-publish"' not in html
    sign_in(client, session, "auditor1")
    _, html = page(client, "/todo")
    assert "没有待办事项" in html


def test_waiting_is_told_in_hours_then_days():
    now = datetime(2026, 10, 8, 12, 0, tzinfo=UTC)
    assert waited_text(now - timedelta(minutes=20), now) == "已等待 20 分钟"
    assert waited_text(now - timedelta(hours=3, minutes=59), now) == "已等待 3 小时"
    assert waited_text(now - timedelta(days=2, hours=5), now) == "已等待 2 天"


def test_the_todo_page_puts_the_longest_waiting_first(client, session):
    first, second = many_drafts(session, 2, title="待审")
    sign_in(client, session, "reviewer2")
    _, html = page(client, "/todo")
    assert html.index(f"/drafts/{first}/review") < html.index(f"/drafts/{second}/review")


# -- 审核签批单 -------------------------------------------------------------------------------------------


@pytest.fixture
def published(session) -> int:
    from test_pages import BLOCK_TEXT

    draft_id = make_draft(session, account=TWO_LEVELS, body=BLOCK_TEXT, title="办事提醒")
    sign_level(session, draft_id, "reviewer2", 1)
    sign_level(session, draft_id, "reviewer3", 2)
    draft = session.get(Draft, draft_id)
    workflow.publish(session, user(session, "publisher1"), draft_id, draft.current_version, "https://example.gov.cn/n1")
    session.commit()
    return draft_id


def test_the_sign_sheet_names_the_account_title_number_and_short_hash(client, session, published):
    sign_in(client, session, "auditor1")
    status, html = page(client, f"/drafts/{published}/signsheet")
    sha = session.scalar(select(workflow.reads.DraftVersion.sha256).where(
        workflow.reads.DraftVersion.draft_id == published))
    assert status == 200
    assert "政务新媒体信息发布审核签批单" in html and "示例文旅（微信）" in html and "办事提醒" in html
    assert f"稿件编号 {published} · 第 1 版" in html
    assert f"{sha[:12]}…" in html and f'data-copy="{sha}"' in html


def test_the_sign_sheet_lists_five_gates_per_level_with_names_times_and_override_reasons(client, session, published):
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/drafts/{published}/signsheet")
    assert html.count("<td class=\"nowrap\">政治关</td>") == 2
    assert "第 1 级审核　<span class=\"muted\">审核人：审核员 王芳" in html
    assert "第 2 级审核　<span class=\"muted\">审核人：审核员 赵磊" in html
    assert "放行“110101199003078515”：已征得本人同意公开" in html
    assert re.search(r"<td class=\"nowrap\">\d{4}-\d\d-\d\d \d\d:\d\d</td>", html)
    assert "发布员 陈静" in html and "https://example.gov.cn/n1" in html
    assert "第 2 级审核人签字" in html and "单位负责人签字" in html


def test_the_sign_sheet_of_a_returned_version_shows_that_versions_outcome(client, session):
    draft_id = make_draft(session, body=CLEAN_TEXT)
    return_draft(session, draft_id)
    workflow.edit_draft(session, user(session, "editor1"), draft_id, "改后的标题", CLEAN_TEXT, 1)
    session.commit()
    sign_in(client, session, "auditor1")
    _, html = page(client, f"/drafts/{draft_id}/signsheet?version=1")
    assert "<th>本版结果</th><td>已退回</td>" in html and "请核实日期" in html


def test_an_unknown_version_of_the_sign_sheet_is_not_found(client, session, published):
    sign_in(client, session, "auditor1")
    status, html = page(client, f"/drafts/{published}/signsheet?version=7")
    assert status == 404 and "稿件第 7 版不存在" in html


def pdf_text(data: bytes) -> str:
    """The text a ReportLab PDF draws with the UniGB-UCS2 CID font, decoded from its page streams."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:  # ReportLab writes page streams ASCII85-encoded, then deflated
            content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue
        for literal in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S):
            raw = re.sub(rb"\\([()\\])", rb"\1", literal)
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), raw)
            if len(raw) % 2 == 0:
                chunks.append(raw.decode("utf-16-be", errors="replace"))
    return "".join(chunks)


def test_the_sign_sheet_pdf_is_a_pdf_with_the_drafts_data(client, session, published):
    sign_in(client, session, "auditor1")
    response = client.get(f"/drafts/{published}/signsheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in ("审核签批单", "办事提醒", "示例文旅", "审核员王芳", "已征得本人同意公开", "发布员陈静"):
        assert expected in text.replace(" ", ""), expected


def test_a_draft_of_another_unit_has_no_sign_sheet(client, session):
    other = workflow.create_draft(session, user(session, "editor_other"),
                                  session.scalar(select(workflow.reads.Account.id).where(workflow.reads.Account.name == "邻县发布")),
                                  "邻县稿件", CLEAN_TEXT, "post")
    session.commit()
    sign_in(client, session, "auditor1")
    assert client.get(f"/drafts/{other.id}/signsheet.pdf").status_code == 404
