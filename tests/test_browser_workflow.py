"""The review workflow through real headless Chromium: happy path, and reject → revise → resubmit."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_helpers import log_in, log_out, sign_all_gates, write_draft

pytestmark = pytest.mark.browser

#: Contains an ID number: a block finding under 保密关 that needs an override reason.
BODY_WITH_BLOCK = "市民王女士来电反映证件遗失，身份证号110101199003078515，现已补办完毕，感谢市民理解。"
CLEAN_BODY = "本周六上午九时，市图书馆举办少儿阅读分享会，欢迎市民携孩子参加。"
SCREENSHOT_DIR = Path(os.environ.get("REVIEWER_SCREENSHOT_DIR", "/tmp/reviewer-screenshots"))


def test_happy_path_write_check_review_two_levels_and_publish(browser_page, live_server):
    page, base = browser_page, live_server

    log_in(page, base, "editor1")
    page.goto(f"{base}/drafts/new")
    page.select_option("#account_id", label="示例文旅（微信 · 2 级审核）")
    page.fill("#title", "证件补办情况说明")
    page.fill("#body", BODY_WITH_BLOCK)
    page.click("#check-button")
    mark = page.locator("#check-result mark.hl.sev-block")
    mark.first.wait_for(timeout=30_000)
    assert mark.first.inner_text() == "110101199003078515"
    assert "保密关" in mark.first.get_attribute("title")
    assert page.locator("#check-result .doc-title").inner_text() == "证件补办情况说明"
    with page.expect_navigation():
        page.click("button[value=submit]")
    assert "110101199003078515" in page.inner_text("#confirm-blocks")  # saved; block findings shown, asked first
    with page.expect_navigation():
        page.click("#confirm-submit")
    draft_id = int(re.search(r"/drafts/(\d+)$", page.url).group(1))
    log_out(page)

    log_in(page, base, "reviewer1")
    page.goto(f"{base}/queue")
    assert page.locator(f"a[href='/drafts/{draft_id}/review?level=1']").first.is_visible()
    page.goto(f"{base}/drafts/{draft_id}/review?level=2")
    assert page.locator("text=第 2 级尚未开始").first.is_visible()
    assert page.locator("#level-approve").count() == 0
    sign_all_gates(page, base, draft_id, 1)
    log_out(page)

    log_in(page, base, "reviewer2")
    page.goto(f"{base}/drafts/{draft_id}/review?level=2")
    page.set_viewport_size({"width": 1280, "height": 1000})
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "review_page.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOT_DIR / "review_page_phone.png"), full_page=True)
    sign_all_gates(page, base, draft_id, 2)
    assert page.url.endswith(f"/drafts/{draft_id}")
    assert page.locator(".badge.status-approved").first.is_visible()
    log_out(page)

    log_in(page, base, "publisher1")
    page.goto(f"{base}/publish")
    with page.expect_navigation():
        page.click(f"a[href='/drafts/{draft_id}/publish']")
    page.fill("#url", "https://mp.weixin.qq.com/s/demo-article")
    with page.expect_navigation():
        page.click("text=确认发布")
    assert page.locator(".badge.status-published").first.is_visible()
    page.goto(f"{base}/drafts/{draft_id}/history")
    assert page.locator("text=当事人同意公开，已核实").count() == 2
    assert page.locator("text=https://mp.weixin.qq.com/s/demo-article").first.is_visible()


def test_reject_revise_resubmit_cycle(browser_page, live_server):
    page, base = browser_page, live_server

    log_in(page, base, "editor1")
    draft_id = write_draft(page, base, "示例文旅微博（微博 · 1 级审核）", "读书会通知", CLEAN_BODY)
    log_out(page)

    log_in(page, base, "reviewer2")
    page.goto(f"{base}/drafts/{draft_id}/review?level=1")
    page.locator("#gate-text textarea[name=comment_text]").fill("请写明活动地点的具体楼层。")
    with page.expect_navigation():
        page.click("#level-return")
    assert page.locator(".badge.status-returned").first.is_visible()
    log_out(page)

    log_in(page, base, "editor1")
    page.goto(f"{base}/drafts/{draft_id}/edit")
    assert page.locator("text=请写明活动地点的具体楼层。").first.is_visible()
    page.fill("#body", CLEAN_BODY.replace("市图书馆", "市图书馆三楼报告厅"))
    with page.expect_navigation():
        page.click("button[value=submit]")
    assert page.locator(".badge.status-in_review").first.is_visible()
    page.goto(f"{base}/drafts/{draft_id}/history?a=1&b=2")
    assert page.locator(".diff ins", has_text="三楼报告厅").first.is_visible()
    log_out(page)

    log_in(page, base, "reviewer2")
    sign_all_gates(page, base, draft_id, 1)
    assert page.locator(".badge.status-approved").first.is_visible()
    log_out(page)

    log_in(page, base, "reviewer3")
    page.goto(f"{base}/drafts/{draft_id}/publish")
    with page.expect_navigation():
        page.click("text=确认发布")
    assert page.locator(".badge.status-published").first.is_visible()
