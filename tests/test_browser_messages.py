"""Messages through real headless Chromium: import messages, open one, draft the reply from a Q&A
suggestion, review it at both levels, publish it, and the message shows 已答复."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_helpers import log_in, log_out, shoot, sign_all_gates

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("REVIEWER_MESSAGES_SHOTS", "/tmp/shots/messages"))
CSV = ("账号,收到时间,留言内容,联系方式\n"
       "示例文旅,2026-11-20 09:00,我家小区门口的路灯坏了一个多月，晚上很黑，请问找谁修？电话13912345678,李女士\n"
       "示例文旅,2026-11-30 10:00,博物馆周一开放吗？你们这帮废物网站老打不开,\n")
ANSWER = "路灯损坏可拨打12345政务服务便民热线报修，市政维修单位将在三个工作日内修复。"


def test_import_draft_from_a_suggestion_review_publish_and_the_message_is_answered(browser_page, live_server, tmp_path):
    page, base = browser_page, live_server
    log_in(page, base, "editor1")

    page.goto(f"{base}/messages/qa")
    page.select_option("#qa-unit", label="示例市人民政府办公室")
    page.fill("#qa-question", "路灯坏了找谁修？")
    page.fill("#qa-answer", ANSWER)
    page.fill("#qa-department", "城管")
    with page.expect_navigation():
        page.click("#qa-form button[type=submit]")
    assert page.locator(".flash-success").first.is_visible()

    path = tmp_path / "留言.csv"
    path.write_text(CSV, encoding="utf-8")
    page.goto(f"{base}/messages/import")
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.click("#import-form button[value=preview]")
    assert page.locator("#preview-table tbody tr").count() == 2
    shoot(page, SHOTS, "import-preview")
    with page.expect_navigation():
        page.click("#apply-form button[value=apply]")
    assert "已导入 2 条留言" in page.locator(".flash-success").first.inner_text()

    assert page.locator("#overdue-count").is_visible()
    first = page.locator("#messages-table tbody tr").first
    assert "超期" in first.inner_text() and "路灯" in first.inner_text()
    shoot(page, SHOTS, "queue")
    with page.expect_navigation():
        first.locator("a").first.click()
    assert "13912345678" not in page.locator("#message-text").inner_text()
    assert page.locator("#qa-suggestions").is_visible()
    with page.expect_navigation():
        page.locator("#qa-suggestions a.button").first.click()
    assert page.locator("#body").input_value() == ANSWER
    shoot(page, SHOTS, "message")
    with page.expect_navigation():
        page.click("#reply-form button[value=submit]")
    draft_id = int(re.search(r"/drafts/(\d+)$", page.url).group(1))
    assert page.locator(".badge.status-in_review").first.is_visible()
    log_out(page)

    for level, reviewer in ((1, "reviewer1"), (2, "reviewer2")):
        log_in(page, base, reviewer)
        sign_all_gates(page, base, draft_id, level, "已核实，可以发布")
        log_out(page)

    log_in(page, base, "publisher1")
    page.goto(f"{base}/drafts/{draft_id}/publish")
    page.fill("#url", "https://mp.weixin.qq.com/s/reply-lamp")
    with page.expect_navigation():
        page.click("text=确认发布")
    assert page.locator(".badge.status-published").first.is_visible()
    log_out(page)

    log_in(page, base, "editor1")
    page.goto(f"{base}/messages/?state=answered")
    with page.expect_navigation():
        page.locator("#messages-table tbody tr a").first.click()
    assert page.locator("#message-state").inner_text() == "已答复"
    assert "答复" in page.locator("#message-history").inner_text()
    shoot(page, SHOTS, "answered")
    page.goto(f"{base}/messages/qa")
    shoot(page, SHOTS, "qa")
