"""The supervising office in real headless Chromium: upload histories, watch the job, download the report.

The supervisor logs in, uploads a history with the monitoring window, sees the job queued, the
background runner (started as ``reviewer serve`` starts it) finishes it while the page polls, and
the 检查不合格名单 downloaded from the result page names the failing account. Screenshots of the
upload, progress and result pages at laptop and phone widths go to ``REVIEWER_SHOTS`` (/tmp/shots).
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
from browser_helpers import LAPTOP, log_in, shoot
from inspection_helpers import STALE, quarter_rows, write_history

from reviewer.web.inspections import start_runner

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("REVIEWER_SHOTS", "/tmp/shots"))


def test_supervisor_uploads_a_history_waits_for_the_job_and_downloads_the_report(app, live_server: str, browser_page,
                                                                                  tmp_path: Path) -> None:
    history = write_history(tmp_path / "第四季度账号历史.csv", quarter_rows())
    page = browser_page
    page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
    log_in(page, live_server, "supervisor1")
    assert page.locator("h1").first.inner_text() == "账号巡检"
    page.click("text=＋ 新建巡检")
    page.set_input_files("#files", str(history))
    page.fill("#first", "2026-11-02")
    page.fill("#last", "2026-11-29")
    shoot(page, SHOTS, "inspection_upload")
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    assert "已提交巡检" in page.inner_text(".flashes")
    assert page.locator("#job-progress").is_visible() and "排队中" in page.inner_text("#job-status")
    shoot(page, SHOTS, "inspection_progress")

    runner = start_runner(app)  # the service's background runner; the page's poll notices the job is done
    try:
        page.wait_for_selector("#job-result", timeout=60_000)
    finally:
        runner.stop(timeout=30)
    assert "已完成" in page.inner_text("#job-status")
    assert page.inner_text("#pass-rate") == "50.00%"
    assert "沉默账号" in page.inner_text("#failing-table") and STALE in page.inner_text("#failing-table")
    shoot(page, SHOTS, "inspection_result")

    with page.expect_download() as info:
        page.click("#download-report")
    download = info.value
    assert download.suggested_filename == "检查不合格名单（监测时间：2026年11月2日至11月29日）.xlsx"
    target = tmp_path / "report.xlsx"
    download.save_as(target)
    sheet = openpyxl.load_workbook(target)["检查不合格名单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "检查不合格名单（监测时间：2026年11月2日至11月29日）"
    assert rows[1] == ("序号", "新媒体类型", "其他（新媒体类型）", "新媒体名称", "代表主体名称", "检查结果", "存在的突出问题", "备注")
    assert rows[2][:7] == (1, "微信", None, "沉默账号", "示例市交通运输局", "不合格", STALE)
    assert len(rows) == 3

    page.click("text=巡检列表")
    assert "不合格 1 个（合格率 50.00%）" in page.inner_text("#inspection-table")
