"""The auditor in real headless Chromium: log in, filter the audit log, download it as Excel."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from api_helpers import Api
from browser_helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def drafts(app, token_for) -> list[int]:
    """Two drafts created and submitted by editor1 through the API of the served app."""
    editor = Api(app.test_client(), token_for("editor1"))
    return [editor.submitted_draft(), editor.submitted_draft()]


def test_auditor_filters_the_log_and_downloads_it_as_xlsx(live_server: str, browser_page, drafts,
                                                          tmp_path: Path) -> None:
    page = browser_page
    log_in(page, live_server, "auditor1")
    page.click("nav >> text=审计日志")
    assert page.locator("h1").first.inner_text() == "审计日志"

    page.select_option("#event", "draft.submit")
    page.click("#filter-form button[type=submit]")
    page.wait_for_url("**event=draft.submit**")
    assert page.locator("#audit-table tbody tr").count() == 2
    assert "共 2 条" in page.inner_text("main")

    with page.expect_download() as info:
        page.click("#export-form button[value=xlsx]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / "export.xlsx"
    download.save_as(target)

    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "时间(UTC)", "时间(北京时间)", "事件代码", "事件")
    assert [(r[3], r[4], r[6]) for r in rows[1:]] == [("draft.submit", "提交审核", "editor1")] * 2
    assert sorted(r[9] for r in rows[1:]) == sorted(drafts)


def test_auditor_runs_the_chain_check_from_the_page(live_server: str, browser_page, drafts) -> None:
    page = browser_page
    log_in(page, live_server, "auditor1")
    page.goto(f"{live_server}/audit/")
    page.click("text=校验日志链")
    assert "日志链完整" in page.inner_text("#verify-result")
