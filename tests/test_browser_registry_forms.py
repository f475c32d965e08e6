"""The admin in real headless Chromium (issue 13): lands on the home page with the register's overdue
items, registers an operator with its 资质 and staff (a reviewer of its account is refused), files a 变更,
imports a register file with one bad line and sees the error, and moves a unit. Screenshots of every
page at 1366×768 and 390×844 go to /tmp/shots/registry/."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser_helpers import log_in, shoot

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/registry")


def register_file() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "新媒体类型", "新媒体名称", "主办单位", "开设主体级别"])
    book.active.append([1, "微信", "示例税务服务号", "示例市税务局", "设区市"])
    book.active.append([2, "抖音", "示例公安短视频", "示例市公安局", "村级"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unit(page, name: str):
    """The unit tree's line of the unit called ``name`` (other lines name it in their move lists)."""
    return page.locator("#unit-tree > li").filter(has=page.locator("strong").filter(has_text=re.compile(f"^{name}$")))


def test_admin_runs_operators_filings_import_and_unit_moves_in_the_browser(live_server: str, browser_page) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "admin1")
    assert page.locator("h1").first.inner_text() == "管理首页"

    # 托管单位 with a 资质 about to expire and its rules file, then the account it runs.
    page.click("nav >> text=托管单位")
    page.click("text=＋ 登记托管单位")
    page.fill("#op-name", "示例传媒有限公司")
    page.fill("#license_number", "10120180001")
    page.fill("#license_expires", (date.today() + timedelta(days=20)).isoformat())
    page.fill("#rules_note", "内容审核与发布管理制度")
    page.set_input_files("#rules_file", files=[{"name": "管理制度.pdf", "mimeType": "application/pdf", "buffer": b"%PDF rules"}])
    page.click("#operator-form button[type=submit]")
    assert "已登记托管单位 示例传媒有限公司" in page.inner_text(".flashes")
    assert "即将到期" in page.inner_text("h1")
    assert "文件：管理制度.pdf（SHA-256：" in page.inner_text("#rules-note")
    operator_url = page.url

    page.goto(f"{live_server}/admin/accounts/?q=示例税务")
    page.click("#accounts-table >> text=示例税务")
    account_url = page.url
    page.click("a[href$='/edit']")
    page.select_option("#operator", "示例传媒有限公司")
    page.click("#account-form button[type=submit]")
    assert "托管单位 （空） → 示例传媒有限公司" in page.inner_text("#account-timeline")

    page.goto(operator_url)
    assert "示例税务" in page.inner_text("#operator-accounts")
    page.select_option("#staff-user", "editor1")
    page.fill("#check_date", "2026-05-01")
    page.select_option("#check_result", "passed")
    page.click("#staff-form button[type=submit]")
    assert "通过（2026-05-01）" in page.inner_text("#staff-table")
    page.select_option("#staff-user", "reviewer2")
    page.fill("#check_date", "2026-05-02")
    page.click("#staff-form button[type=submit]")
    assert "不能担任其托管账号“示例税务”的审核员" in page.inner_text("#staff-error")
    assert page.input_value("#check_date") == "2026-05-02"
    shoot(page, SHOTS, "operator", url=operator_url)
    shoot(page, SHOTS, "operators", url=f"{live_server}/admin/operators/")
    shoot(page, SHOTS, "operator-form", url=f"{live_server}/admin/operators/new")

    # A 变更 of the account, then its 备案 with the 7-working-day deadline on the form.
    page.goto(account_url)
    page.select_option("#to", "live")
    page.fill("#date", "2026-11-02")
    page.fill("#approval_by", "示例市税务局局务会")
    page.fill("#approval_date", "2026-10-30")
    page.fill("#notice", "本账号负责同志变更公告")
    page.click("#transition-form button[type=submit]")
    assert page.inner_text("#account-state") == "已上线"
    page.click("#filing-link")
    owed = page.inner_text("#owed-filings")
    assert "信息变更（2026-11-02 23:59）后 7 个工作日内向政府办公室备案：截止 2026-11-11 23:59" in owed
    filing_url = page.url
    shoot(page, SHOTS, "filing", url=filing_url)
    page.goto(filing_url)
    page.select_option("#kind", "report")
    page.fill("#filing-date", "2026-11-05")
    page.fill("#note", "回执 2026-201")
    page.click("#filing-form button[type=submit]")
    assert "已记录向政府办公室备案（2026-11-05）" in page.inner_text(".flashes")
    assert "向政府办公室备案（信息变更，截止 2026-11-11），备注：回执 2026-201" in page.inner_text("#account-timeline")

    # The register imported from a workbook with one bad line: the error is shown, nothing applied.
    page.goto(f"{live_server}/admin/accounts/")
    page.click("text=导入台账")
    page.set_input_files("#import-file", files=[{"name": "台账.xlsx", "buffer": register_file(),
                                                 "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("#upload-form button[type=submit]")
    assert "1 行有错误" in page.inner_text("#import-bad")
    bad = page.locator("#preview-table tr.line-error").inner_text()
    assert "第 3 行" in bad and "开设主体级别必须是" in bad and "村级" in bad
    assert page.locator("#apply-form").count() == 0
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"import-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    # A unit moved under another of the admin's units, and a move into its own subtree refused.
    page.click("nav >> text='单位'")
    traffic = unit(page, "示例市交通运输局")
    traffic.locator("summary", has_text="移动到其他上级单位").click()
    traffic.locator("select[name=parent]").select_option(label="示例市公安局")
    traffic.locator(".move-form button").click()
    assert "已将“示例市交通运输局”从“示例市人民政府办公室”移到“示例市公安局”之下" in page.inner_text(".flashes")
    assert "depth-2" in (unit(page, "示例市交通运输局").get_attribute("class") or "")
    police = unit(page, "示例市公安局")
    police.locator("summary", has_text="移动到其他上级单位").click()
    police.locator("select[name=parent]").select_option(label="示例市交通运输局")
    police.locator(".move-form button").click()
    assert "后者是它自己或它的下级单位" in page.inner_text("#unit-error")
    page.screenshot(path=str(SHOTS / "units-refused-1366.png"), full_page=True)
    police = unit(page, "示例市公安局")
    police.locator("summary", has_text="联系人").click()
    police.locator("input[name=liaison_name]").fill("王联络")
    police.locator("input[name=liaison_phone]").fill("0571-1000")
    police.locator(".contacts-form button").click()
    assert "联络员：王联络 0571-1000" in page.inner_text("#unit-tree")
    shoot(page, SHOTS, "units", url=f"{live_server}/admin/units")

    shoot(page, SHOTS, "dashboard", url=f"{live_server}/admin/")
    shoot(page, SHOTS, "people", url=f"{live_server}/admin/people?role=reviewer")
