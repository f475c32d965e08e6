"""The daily job in real headless Chromium (issue 16): errors in view, downloads, the audit table's layout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import LAPTOP, PHONE, log_in
from playwright.sync_api import expect
from test_pages import TWO_LEVELS, block_ids, make_draft, sign_level

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("REVIEWER_SCREENSHOT_DIR", "/tmp/reviewer-screenshots"))
WIDTHS = {"desktop": LAPTOP, "phone": PHONE}


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_return_without_a_comment_shows_its_error_where_the_user_is_looking(browser_page, live_server, session,
                                                                             width):
    page = browser_page
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    draft_id = make_draft(session)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    page.check("#decision-text-reject")
    with page.expect_navigation():
        page.click("#level-return")
    expect(page.locator("#error-text")).to_be_in_viewport()
    expect(page.locator("#error-text")).to_contain_text("退回稿件时必须填写审核意见")
    expect(page.locator("#comment-text")).to_be_focused()
    shoot(page, f"review_error_{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_approval_keeps_the_typed_reason_next_to_its_error(browser_page, live_server, session, width):
    page = browser_page
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    draft_id = make_draft(session)
    first, second = block_ids(session, draft_id)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    page.fill(f"#override-secrecy-{first}", "本人书面同意公开")
    with page.expect_navigation():
        page.click("#level-approve")
    expect(page.locator("#error-secrecy")).to_be_in_viewport()
    expect(page.locator(f"#override-secrecy-{first}")).to_have_value("本人书面同意公开")
    expect(page.locator(f"#override-secrecy-{second}")).to_be_focused()


def log_in_as_auditor_with_activity(page, live_server, session) -> int:
    draft_id = make_draft(session, account=TWO_LEVELS)
    sign_level(session, draft_id, "reviewer1", 1)
    log_in(page, live_server, "auditor1")
    return draft_id


def test_excel_downloads_right_after_csv(browser_page, live_server, session):
    page = browser_page
    log_in_as_auditor_with_activity(page, live_server, session)
    page.goto(f"{live_server}/audit/")
    with page.expect_download() as csv_download:
        page.click("#export-form button[value=csv]")
    with page.expect_download(timeout=3000) as xlsx_download:
        page.click("#export-form button[value=xlsx]")
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")


def test_a_second_click_of_the_same_export_is_held_back(browser_page, live_server, session):
    page = browser_page
    log_in_as_auditor_with_activity(page, live_server, session)
    page.goto(f"{live_server}/audit/")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    with page.expect_download():
        page.click("#export-form button[value=csv]")
    page.click("#export-form button[value=csv]")
    page.wait_for_timeout(1500)
    assert len(downloads) == 1


def lines_of(page, selector: str) -> int:
    """How many lines the text of the element takes (one rect per line box)."""
    return page.eval_on_selector(selector, """el => {
        const range = document.createRange(); range.selectNodeContents(el);
        return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size; }""")


def test_the_audit_tables_account_gate_and_actor_columns_keep_one_line_at_1366(browser_page, live_server, session):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    draft_id = log_in_as_auditor_with_activity(page, live_server, session)
    page.goto(f"{live_server}/audit/?event=signoff")
    headers = page.locator("#audit-table thead th").all_inner_texts()
    row = "#audit-table tbody tr:first-child"
    for name in ("账号", "关口", "操作人"):
        column = headers.index(name) + 1
        assert lines_of(page, f"#audit-table thead th:nth-child({column})") == 1, name
        assert lines_of(page, f"{row} td:nth-child({column})") == 1, name
    expect(page.locator(f"{row} td:nth-child({headers.index('操作人') + 1})")).to_have_text("审核员 李强")
    shoot(page, "audit_index_desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "audit_index_phone")
    page.goto(f"{live_server}/audit/drafts/{draft_id}")
    page.locator("#timeline button.hash").first.click()
    expect(page.locator("#timeline button.hash.expanded code").first).to_have_text(
        page.locator("#timeline button.hash").first.get_attribute("data-copy"))
    shoot(page, "audit_timeline_phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    shoot(page, "audit_timeline_desktop")
