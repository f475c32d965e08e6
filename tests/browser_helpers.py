"""Steps every browser test takes: sign in and out as a demo user, write and submit a draft, approve
a whole level on the review page, and full-page screenshots at laptop and phone widths."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from reviewer.vocabulary import GATES

PASSWORD = "demo-password"
#: The two widths every page is looked at: an office laptop and a phone.
LAPTOP, PHONE = (1366, 768), (390, 844)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert "/login" not in page.url, f"{username} could not log in"


def log_out(page) -> None:
    with page.expect_navigation():
        page.click("text=退出")


def write_draft(page, base: str, account_label: str, title: str, body: str) -> int:
    """Write a draft and submit it for review; its id."""
    page.goto(f"{base}/drafts/new")
    page.select_option("#account_id", label=account_label)
    page.fill("#title", title)
    page.fill("#body", body)
    with page.expect_navigation():
        page.click("button[value=submit]")
    match = re.search(r"/drafts/(\d+)$", page.url)
    assert match, page.url
    assert page.locator(".badge.status-in_review").first.is_visible()
    return int(match.group(1))


def sign_all_gates(page, base: str, draft_id: int, level: int, reason: str = "当事人同意公开，已核实") -> None:
    """本级五关全部通过: the reasons each gate needs, then the one action for the level."""
    page.goto(f"{base}/drafts/{draft_id}/review?level={level}")
    for gate in GATES:
        for field in page.locator(f"#gate-{gate} textarea[name^=override_]").all():
            field.fill(reason)
    with page.expect_navigation():
        page.click("#level-approve")
    assert page.locator(".flash-success").first.is_visible(), page.content()


def shoot(page, folder: Path, name: str, sizes: Iterable[tuple[int, int]] = (PHONE, LAPTOP), *,
          url: str | None = None) -> None:
    """Full-page screenshots ``<name>-<width>.png`` at each size, ending at laptop width so the test
    goes on there; ``url`` is loaded again at each size (a page laid out once keeps its layout)."""
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        if url is not None:
            page.goto(url)
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": LAPTOP[0], "height": LAPTOP[1]})
