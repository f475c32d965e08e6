"""词库管理 in real headless Chromium: an admin adds a term, an editor's draft check shows it, a
reviewer marks it 误报 on the review page, and the admin finds it in the feedback queue (issue 14).
Screenshots at 1366 and 390 pixels go to /tmp/shots/lexicons/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import log_in, log_out

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/lexicons")
TERM = "东关小吃街"
BODY = f"本周末{TERM}举办美食节，欢迎市民前往品尝。"


def test_a_term_added_in_the_browser_fires_and_its_false_alarm_reaches_the_queue(browser_page, live_server):
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, base, "admin1")
    page.click("nav >> text=词库管理")
    assert page.locator("h1").first.inner_text() == "词库管理"
    page.fill("#term", TERM)
    page.select_option("#category", "commercial")
    page.fill("#note", "本区常被引流的商户")
    with page.expect_navigation():
        page.click("#entry-form button[type=submit]")
    assert f"已添加“{TERM}”" in page.inner_text(".flashes")
    log_out(page)

    log_in(page, base, "editor1")
    page.goto(f"{base}/drafts/new")
    page.select_option("#account_id", label="示例文旅（微信 · 2 级审核）")
    page.fill("#title", "美食节预告")
    page.fill("#body", BODY)
    page.click("#check-button")
    mark = page.locator("#check-result mark.hl")
    mark.first.wait_for(timeout=30_000)
    assert TERM in mark.all_inner_texts()
    with page.expect_navigation():
        page.click("button[value=submit]")
    draft_id = int(re.search(r"/drafts/(\d+)$", page.url).group(1))
    log_out(page)

    log_in(page, base, "reviewer1")
    page.goto(f"{base}/drafts/{draft_id}/review?level=1")
    item = page.locator(".finding", has_text=TERM).first
    feedback = item.locator("xpath=following-sibling::li[contains(@class, 'finding-feedback')][1]")
    feedback.locator("summary").click()
    feedback.locator("input[name=reason]").fill("本地美食街名称，不是广告")
    with page.expect_navigation():
        feedback.locator("button[type=submit]").click()
    assert "已记录误报反馈" in page.inner_text(".flashes")
    page.locator("#missed-feedback summary").click()
    page.evaluate("""() => {
        const doc = [...document.querySelectorAll('.doc')].find(d => d.textContent.includes('美食节'));
        const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
        let node; while ((node = walker.nextNode()) && !node.textContent.includes('美食节')) {}
        const at = node.textContent.indexOf('美食节');
        const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + 3);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    }""")
    page.wait_for_function("document.getElementById('missed-text').value === '美食节'")
    page.select_option("#missed-category", "entertainment")
    with page.expect_navigation():
        page.click("#missed-feedback button[type=submit]")
    assert "已记录漏报反馈" in page.inner_text(".flashes")
    log_out(page)

    log_in(page, base, "admin1")
    page.goto(f"{base}/admin/lexicon/feedback")
    queue = page.inner_text("#queue-table")
    assert TERM in queue and "1 人" in queue and "本地美食街名称" in queue
    assert "美食节" in queue and "建议新增词条" in queue

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/admin/lexicon/feedback")
        page.screenshot(path=str(SHOTS / f"queue-{width}.png"), full_page=True)
        page.goto(f"{base}/admin/lexicon?source=deployment")
        page.screenshot(path=str(SHOTS / f"index-{width}.png"), full_page=True)
        page.goto(f"{base}/admin/lexicon/test")
        page.fill("#test-text", f"周末去{TERM.replace('关', '關')}，加 微 信领优惠；市旅游局发布通知")
        page.click("#test-form button[type=submit]")
        page.screenshot(path=str(SHOTS / f"test-{width}.png"), full_page=True)
        page.goto(f"{base}/admin/lexicon/import")
        page.fill("#import-text", "term\tcategory\n西关夜市\tcommercial\n南关\tno_such\n")
        page.click("button[value=preview]")
        page.screenshot(path=str(SHOTS / f"import-{width}.png"), full_page=True)
    assert "第 3 行" in page.inner_text("#import-errors")
    log_out(page)
    log_in(page, base, "reviewer1")
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/drafts/{draft_id}/review?level=1")
        page.screenshot(path=str(SHOTS / f"review-{width}.png"), full_page=True)
