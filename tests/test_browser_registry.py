"""The admin in real headless Chromium: registers an account, renames it, takes it offline and back,
and the account page's timeline shows each step (issue 13). Screenshots go to /tmp/shots13/."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import log_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots13")


def test_admin_registers_renames_and_takes_an_account_offline_and_back(live_server: str, browser_page) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "admin1")
    page.click("nav >> text=备案台账")
    assert page.locator("h1").first.inner_text() == "备案台账"

    page.click("text=＋ 登记账号")
    page.select_option("#platform", "其他")
    page.fill("#platform_other", "小程序")
    page.fill("#name", "示例税务小程序")
    page.fill("#platform_account_id", "wx-tax-001")
    page.select_option("#unit", "示例市税务局")
    page.select_option("#subject_level", "设区市")
    page.fill("#contact_name", "李四")
    page.check("#comments_open")
    page.click("#account-form button[type=submit]")
    assert "已登记账号 示例税务小程序" in page.inner_text(".flashes")

    page.click("a[href$='/edit']")
    page.fill("#name", "示例税务服务")
    page.click("#account-form button[type=submit]")
    assert page.locator("h1").first.inner_text().startswith("示例税务服务")

    page.select_option("#to", "offline")
    page.fill("#date", "2026-06-01")
    page.fill("#approval_by", "省政府办公厅")
    page.fill("#approval_date", "2026-05-28")
    page.fill("#notice", "系统升级，临时下线")
    page.click("#transition-form button[type=submit]")
    assert page.inner_text("#account-state") == "临时下线"
    page.select_option("#to", "live")
    page.fill("#date", "2026-06-10")
    page.click("#transition-form button[type=submit]")
    assert page.inner_text("#account-state") == "已上线"

    steps = page.locator("#account-timeline li").all_inner_texts()
    assert len(steps) == 4
    assert "登记 示例税务小程序" in steps[0]
    assert "新媒体名称 示例税务小程序 → 示例税务服务" in steps[1]
    assert "临时下线（已上线 → 临时下线）" in steps[2] and "公告：系统升级，临时下线" in steps[2]
    assert "恢复上线（临时下线 → 已上线）" in steps[3]

    SHOTS.mkdir(exist_ok=True)
    account_url = page.url
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(account_url)
        page.screenshot(path=str(SHOTS / f"account-{width}.png"), full_page=True)
        page.goto(f"{live_server}/admin/accounts/")
        page.screenshot(path=str(SHOTS / f"register-{width}.png"), full_page=True)
    page.goto(f"{live_server}/admin/accounts/?q=税务服务")
    assert page.locator("#accounts-table tbody tr").count() == 1
