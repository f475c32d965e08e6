"""Work lists in real headless Chromium (issue 16): filter a list and page through it, open 待办, print the sign sheet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import LAPTOP, PHONE, log_in
from playwright.sync_api import expect
from test_pages import CLEAN_TEXT, TWO_LEVELS, make_draft, sign_level

from reviewer import workflow
from reviewer.storage import Draft, User

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("REVIEWER_SCREENSHOT_DIR", "/tmp/reviewer-screenshots")) / "worklists"
WIDTHS = {"desktop": LAPTOP, "phone": PHONE}


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


def sized(page, width: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))


def shoot(page, name: str, *, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_filters_the_list_and_pages_through_it_keeping_the_filter(browser_page, live_server, session, width):
    page = browser_page
    sized(page, width)
    for n in range(23):
        make_draft(session, title=f"秋季防火{n:02d}", body=CLEAN_TEXT, submit=False)
    make_draft(session, title="图书馆开放时间", body=CLEAN_TEXT, submit=False)
    log_in(page, live_server, "editor1")
    page.goto(f"{live_server}/drafts")
    page.fill("#f-q", "防火")
    page.select_option("#f-status", "draft")
    with page.expect_navigation():
        page.click("#list-filter button[type=submit]")
    expect(page.locator(".pager-info")).to_contain_text("共 23 条 · 第 1 / 2 页")
    expect(page.locator("#draft-list tbody tr")).to_have_count(20)
    shoot(page, f"list_filtered_{width}", full=True)
    with page.expect_navigation():
        page.click(".pager a[rel=next]")
    expect(page.locator(".pager-info")).to_contain_text("第 2 / 2 页")
    expect(page.locator("#draft-list tbody tr")).to_have_count(3)
    expect(page.locator("#f-q")).to_have_value("防火")
    expect(page.locator("#f-status")).to_have_value("draft")
    assert "图书馆" not in page.content()
    with page.expect_navigation():
        page.click(".pager a[rel=prev]")
    expect(page.locator(".pager-info")).to_contain_text("第 1 / 2 页")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_bad_date_shows_its_error_above_the_form_that_keeps_the_search(browser_page, live_server, session, width):
    page = browser_page
    sized(page, width)
    log_in(page, live_server, "auditor1")
    page.goto(f"{live_server}/all?q=通知&since=2026-02-31")
    expect(page.locator("#filter-error")).to_be_in_viewport()
    expect(page.locator("#filter-error")).to_contain_text("起始日期“2026-02-31”不是有效日期")
    expect(page.locator("#f-q")).to_have_value("通知")
    shoot(page, f"list_error_{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reviewer_opens_todo_from_the_count_in_the_bar(browser_page, live_server, session, width):
    page = browser_page
    sized(page, width)
    first = make_draft(session, title="办税提醒", body=CLEAN_TEXT)
    make_draft(session, account=TWO_LEVELS, title="景区开放", body=CLEAN_TEXT)
    log_in(page, live_server, "reviewer2")
    expect(page.locator("#todo-link .todo-count")).to_have_text("2")
    with page.expect_navigation():
        page.click("#todo-link")
    expect(page.locator("#todo-review .todo-item")).to_have_count(2)
    expect(page.locator("#todo-review .waited").first).to_contain_text("已等待")
    shoot(page, f"todo_{width}", full=True)
    with page.expect_navigation():
        page.click(f"#todo-review a[href='/drafts/{first}/review?level=1']")
    assert page.url.endswith(f"/drafts/{first}/review?level=1")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sign_sheet_prints_on_a4_without_the_navigation(browser_page, live_server, session, width):
    page = browser_page
    sized(page, width)
    draft_id = make_draft(session, account=TWO_LEVELS, title="国庆假期景区开放安排")
    sign_level(session, draft_id, "reviewer2", 1)
    sign_level(session, draft_id, "reviewer3", 2)
    publisher = session.query(User).filter_by(username="publisher1").one()
    workflow.publish(session, publisher, draft_id, session.get(Draft, draft_id).current_version, "https://example.gov.cn/a")
    session.commit()
    log_in(page, live_server, "auditor1")
    page.goto(f"{live_server}/drafts/{draft_id}")
    with page.expect_navigation():
        page.click("#signsheet-link")
    expect(page.locator("#signsheet")).to_contain_text("第 2 级审核")
    shoot(page, f"signsheet_{width}", full=True)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#sheet-pdf")).to_be_hidden()
    expect(page.locator("#signsheet .print-only").first).to_be_visible()
    shoot(page, f"signsheet_print_{width}", full=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-")
    (SHOTS / f"signsheet_print_{width}.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("#sheet-pdf")
    assert download.value.suggested_filename.endswith(".pdf")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_statistics_page_fits_its_charts_to_the_screen(browser_page, live_server, session, width):
    page = browser_page
    sized(page, width)
    draft_id = make_draft(session, title="统计用稿件")
    sign_level(session, draft_id, "reviewer2", 1)
    log_in(page, live_server, "auditor1")
    page.goto(f"{live_server}/stats")
    expect(page.locator("#stat-submitted")).to_have_text("1")
    expect(page.locator("svg.chart")).to_have_count(3)
    box = page.locator("figure.chart-figure").first.bounding_box()
    assert box["width"] <= WIDTHS[width][0]  # on a phone the chart scrolls inside its figure, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
    shoot(page, f"stats_{width}", full=True)
