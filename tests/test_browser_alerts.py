"""Violation alerts and after-publishing actions in real headless Chromium.

The supervisor opens 违规警报 from the navigation, sees the day's alert of 示例市文化和旅游局 (a block
finding published with an override), and clears it as 整改完成 with a note; a publisher opens a
published post's 发布后处理 page and withdraws it with a reason; an editor submitting a draft with a
block finding is shown it and asked, then withdraws the draft from review. Screenshots at 1366×768 and 390×844 go to /tmp/shots/alerts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alert_helpers import BLOCK_BODY, publish_draft
from browser_helpers import LAPTOP, log_in, shoot
from playwright.sync_api import expect

from reviewer.alerts.sweep import sweep

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/alerts")


def test_the_supervisor_sees_the_days_alerts_and_clears_one_with_a_note(browser_page, live_server, db,
                                                                        editor, r1, r2, publisher):
    publish_draft(editor, r1, r2, publisher, body=BLOCK_BODY)
    sweep(db)
    db.commit()
    page = browser_page
    page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
    log_in(page, live_server, "supervisor1")
    with page.expect_navigation():
        page.click("nav.mainnav >> text=违规警报")
    item = page.locator(".alert-item").first
    expect(item).to_contain_text("禁止发布问题已发布")
    expect(item).to_contain_text("台湾总统")
    expect(page.locator(".alert-unit h2").first).to_have_text("示例市文化和旅游局")
    shoot(page, SHOTS, "alerts_list")
    item.locator("textarea[name=note]").fill("已约谈编辑，原文删除涉台表述后更正发布")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("已处理为“整改完成”")
    cleared = page.locator(".alert-item").first
    expect(cleared).to_contain_text("整改完成")
    expect(cleared).to_contain_text("已约谈编辑，原文删除涉台表述后更正发布")
    expect(cleared).to_contain_text("监管员 吴琳")
    shoot(page, SHOTS, "alerts_cleared")
    page.goto(live_server + page.locator("a", has_text="打印版").first.get_attribute("href"))
    expect(page.locator("table tbody tr").first).to_contain_text("已约谈编辑，原文删除涉台表述后更正发布")
    shoot(page, SHOTS, "rectification_report")


def test_a_publisher_withdraws_a_published_post_with_a_reason(browser_page, live_server, editor, r1, r2, publisher):
    draft_id = publish_draft(editor, r1, r2, publisher)
    page = browser_page
    page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
    log_in(page, live_server, "publisher1")
    page.goto(f"{live_server}/drafts/{draft_id}")
    with page.expect_navigation():
        page.click("#after-link")
    expect(page.locator("h1")).to_contain_text("发布后处理")
    shoot(page, SHOTS, "after_publish")
    page.fill("#withdraw-reason", "活动因天气原因取消，撤下预告")
    with page.expect_navigation():
        page.click("#withdraw-post-form button[type=submit]")
    expect(page.locator("#post-state")).to_have_text("已撤稿")
    expect(page.locator("#withdrawal")).to_contain_text("发布员 陈静")
    expect(page.locator("#withdrawal")).to_contain_text("活动因天气原因取消，撤下预告")
    expect(page.locator("#withdraw-post-form")).to_have_count(0)
    shoot(page, SHOTS, "after_withdrawn")
    page.goto(f"{live_server}/drafts/{draft_id}")
    expect(page.locator("#withdrawn-note")).to_contain_text("活动因天气原因取消，撤下预告")


def test_an_editor_is_shown_the_block_findings_before_submitting_and_can_withdraw_the_draft_after(browser_page, live_server, editor):
    draft_id = editor.new_draft(body=BLOCK_BODY)
    page = browser_page
    page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
    log_in(page, live_server, "editor1")
    page.goto(f"{live_server}/drafts/{draft_id}")
    with page.expect_navigation():
        page.click("form.inline button.primary:has-text('提交审核')")
    expect(page.locator("#confirm-blocks")).to_contain_text("台湾总统")
    shoot(page, SHOTS, "confirm_submit")
    with page.expect_navigation():
        page.click("#confirm-submit")
    expect(page.locator(".flashes")).to_contain_text("稿件已提交审核")
    with page.expect_navigation():
        page.click("#after-link")
    shoot(page, SHOTS, "after_unpublished")
    page.fill("#withdraw-draft-reason", "需补充活动时间")
    with page.expect_navigation():
        page.click("#withdraw-form button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("稿件已撤回")
    expect(page.locator("h1")).to_contain_text("编辑稿件")
