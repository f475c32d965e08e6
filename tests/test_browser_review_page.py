"""The review page and the editor in real headless Chromium (issue 16), at 1366×768 and 390×844.

Highlights open on tap and on Tab+Enter; after 检测 the result is in view; a phone reads the whole
draft without a nested scroll; saving a draft in review asks first; a reviewer sees what changed;
one action signs a level with an exception; a return carries comments on gates and on words;
a suggestion is applied and the text checked again. Screenshots go to REVIEWER_SCREENSHOT_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import LAPTOP, PHONE, log_in
from playwright.sync_api import expect
from sqlalchemy import select
from test_pages import BLOCK_TEXT, CLEAN_TEXT, ONE_LEVEL, block_ids, make_draft, user

from reviewer import workflow
from reviewer.storage import Draft, ReviewNote
from reviewer.vocabulary import GATES

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("REVIEWER_SCREENSHOT_DIR", "/tmp/shots/review-page"))
WIDTHS = {"desktop": LAPTOP, "phone": PHONE}


@pytest.fixture
def session(db, settings):
    db.info["audit_key"] = settings.audit_hmac_key
    return db


@pytest.fixture
def touch_phone(_chromium):
    """A phone-sized page with a touch screen (taps, no hover)."""
    context = _chromium.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                    locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sized(page, width: str):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    return page


def shoot(page, name: str, *, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def sign_gates(session, draft_id: int, reviewer: str, gates: tuple[str, ...]) -> None:
    draft = session.get(Draft, draft_id)
    for gate in gates:
        workflow.sign_off(session, user(session, reviewer), draft_id,
                          workflow.SignOffRequest(draft.current_version, 1, gate, "approve"))
    session.commit()


def edit(session, draft_id: int, body: str) -> None:
    draft = session.get(Draft, draft_id)
    session.refresh(draft)
    workflow.edit_draft(session, user(session, "editor1"), draft_id, "测试稿件", body, draft.current_version)
    session.commit()


def test_tapping_a_highlight_on_a_phone_shows_its_finding(touch_phone, live_server, session):
    page = touch_phone
    draft_id = make_draft(session)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    mark = page.locator(".review-text mark.hl.sev-block").first
    mark.scroll_into_view_if_needed()
    mark.tap()
    tip = page.locator("#hl-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("保密关")
    expect(tip).to_contain_text("禁止发布")
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shoot(page, "highlight_tap_phone")
    page.locator("h1").tap()
    expect(tip).to_be_hidden()


def test_tab_and_enter_open_a_highlight_and_escape_returns_to_it(browser_page, live_server, session):
    page = sized(browser_page, "desktop")
    draft_id = make_draft(session)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('mark.hl')"):
            break
    assert page.evaluate("document.activeElement.matches('mark.hl')"), "Tab never reached a highlight"
    page.keyboard.press("Enter")
    expect(page.locator("#hl-tip")).to_be_visible()
    expect(page.locator("#hl-tip")).to_contain_text("关")
    shoot(page, "highlight_keyboard_desktop")
    page.keyboard.press("Escape")
    expect(page.locator("#hl-tip")).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('mark.hl')")


@pytest.mark.parametrize("width", WIDTHS)
def test_after_check_the_result_is_scrolled_into_view(browser_page, live_server, width):
    page = sized(browser_page, width)
    log_in(page, live_server, "editor1")
    page.goto(f"{live_server}/drafts/new")
    page.select_option("#account_id", index=1)
    page.fill("#title", "证件补办情况说明")
    page.fill("#body", BLOCK_TEXT)
    page.click("#check-button")
    page.locator("#check-result mark.hl").first.wait_for(timeout=30_000)
    expect(page.locator("#check-result .summary")).to_be_in_viewport()
    shoot(page, f"check_result_{width}")


def test_a_phone_reads_the_whole_draft_without_a_nested_scroll(browser_page, live_server, session):
    page = sized(browser_page, "phone")
    body = "\n".join(f"第{i}段：{CLEAN_TEXT}" for i in range(1, 31)) + "\n全文完。"
    draft_id = make_draft(session, body=body)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    panel = page.locator(".review-text")
    overflow = panel.evaluate("el => [el.scrollHeight - el.clientHeight, getComputedStyle(el).overflowY]")
    assert overflow[0] <= 1 and overflow[1] == "visible"
    page.locator(".review-text .doc-body").evaluate("el => el.scrollIntoView({block: 'end'})")
    expect(page.get_by_text("全文完。")).to_be_in_viewport()
    shoot(page, "review_long_phone")
    sized(page, "desktop")
    shoot(page, "review_long_desktop")


@pytest.mark.parametrize("width", WIDTHS)
def test_saving_a_draft_in_review_asks_first_and_says_signatures_stop_counting(browser_page, live_server, session, width):
    page = sized(browser_page, width)
    draft_id = make_draft(session, body=CLEAN_TEXT)
    sign_gates(session, draft_id, "reviewer2", ("political", "legal"))
    log_in(page, live_server, "editor1")
    page.goto(f"{live_server}/drafts/{draft_id}/edit")
    expect(page.locator("#in-review-warning")).to_contain_text("已有 2 关签署")
    page.fill("#body", CLEAN_TEXT.replace("九时", "十时"))
    with page.expect_navigation():
        page.click("button[value=save]")
    confirm = page.locator("#confirm-save")
    expect(confirm).to_be_in_viewport()
    expect(confirm).to_contain_text("2 关签署将不再计入")
    expect(page.locator("#body")).to_have_value(CLEAN_TEXT.replace("九时", "十时"))
    shoot(page, f"confirm_save_{width}")
    with page.expect_navigation():
        page.click("#confirm-save-button")
    expect(page.locator(".flash-success")).to_contain_text("此前的签署不再计入")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reviewer_opening_a_newer_version_sees_the_changes_since_the_one_they_saw(browser_page, live_server, session,
                                                                                  width):
    page = sized(browser_page, width)
    draft_id = make_draft(session, body=CLEAN_TEXT)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    expect(page.locator(".changes")).to_have_count(0)
    edit(session, draft_id, CLEAN_TEXT.replace("市图书馆", "市图书馆三楼报告厅"))
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    changes = page.locator("#changes-1")
    expect(changes).to_contain_text("自您上次查看的第 1 版以来的修改")
    expect(changes.locator(".diff ins")).to_have_text("三楼报告厅")
    shoot(page, f"review_changes_{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_all_five_gates_pass_in_one_action_with_one_exception(browser_page, live_server, session, width):
    page = sized(browser_page, width)
    draft_id = make_draft(session)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    for gate in GATES:
        expect(page.locator(f"#decision-{gate}-approve")).to_be_checked()
    for field in page.locator("textarea[name^=override_]").all():
        field.fill("当事人书面同意公开")
    page.check("#decision-policy-later")
    expect(page.locator("#level-approve")).to_have_text("按所选签署（4 关通过，1 关暂不签署）")
    page.fill("#summary", "除政策关待核实外均无问题")
    shoot(page, f"level_exception_{width}", full=True)
    with page.expect_navigation():
        page.click("#level-approve")
    expect(page.locator(".flash-success")).to_contain_text("政治关、法律关、保密关、文字关通过")
    expect(page.locator("#decision-policy-approve")).to_be_checked()
    expect(page.locator("#level-approve")).to_have_text("通过其余 1 关")


@pytest.mark.parametrize("width", WIDTHS)
def test_returning_collects_comments_on_two_gates_and_on_selected_text(browser_page, live_server, session, width):
    page = sized(browser_page, width)
    draft_id = make_draft(session, body=CLEAN_TEXT)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    page.locator(".review-text .doc-body").evaluate("""(doc, word) => {
        const node = doc.firstChild; const at = node.textContent.indexOf(word);
        const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + word.length);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range); }""", "市图书馆")
    expect(page.locator("#note-button")).to_be_enabled()
    page.click("#note-button")
    page.locator("#note-list textarea").fill("请写全称：示例市图书馆")
    page.fill("#comment-text", "请写明活动地点的楼层。")
    page.fill("#comment-policy", "请补充报名方式。")
    shoot(page, f"level_return_{width}", full=True)
    with page.expect_navigation():
        page.click("#level-return")
    expect(page.locator(".badge.status-returned").first).to_be_visible()
    note = session.scalar(select(ReviewNote).where(ReviewNote.field == "body"))
    assert (note.quote, note.start, note.gate) == ("市图书馆", CLEAN_TEXT.index("市图书馆"), "text")
    decided = {s["gate"]: s["decision"] for s in workflow.draft_state(session, session.get(Draft, draft_id))["signoffs"]}
    assert decided == {"text": "reject", "policy": "reject"}


@pytest.mark.parametrize("width", WIDTHS)
def test_applying_a_suggestion_changes_the_text_and_checks_it_again(browser_page, live_server, width):
    page = sized(browser_page, width)
    log_in(page, live_server, "editor1")
    page.goto(f"{live_server}/drafts/new")
    page.select_option("#account_id", index=1)
    page.fill("#title", "办事提醒")
    page.fill("#body", "国家工商总局发布通知，请到县工商局办理。")
    page.click("#check-button")
    apply = page.locator("#check-result button.apply-suggestion").first
    apply.wait_for(timeout=30_000)
    expect(apply).to_have_text("采用“国家市场监督管理总局”")
    shoot(page, f"apply_before_{width}")
    apply.click()
    expect(page.locator("#body")).to_have_value("国家市场监督管理总局发布通知，请到县工商局办理。")
    expect(page.locator("#check-result .finding-text")).to_have_text(["“工商局”"], timeout=30_000)
    page.locator("#check-result button.jump-to").click()
    assert page.evaluate("[document.activeElement.id, document.activeElement.selectionStart,"
                         " document.activeElement.selectionEnd]") == ["body", 18, 21]  # 县工商局 after the new name
    shoot(page, f"apply_after_{width}")


def test_an_override_reason_of_the_earlier_version_is_reused_in_one_click(browser_page, live_server, session):
    page = sized(browser_page, "desktop")
    draft_id = make_draft(session, account="示例文旅")
    draft = session.get(Draft, draft_id)
    for gate in GATES:
        reasons = {fid: "已征得本人同意公开" for fid in block_ids(session, draft_id)} if gate == "secrecy" else {}
        workflow.sign_off(session, user(session, "reviewer2"), draft_id,
                          workflow.SignOffRequest(draft.current_version, 1, gate, "approve", None, reasons))
    session.commit()
    edit(session, draft_id, BLOCK_TEXT + "特此说明。")
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    page.locator("button.reuse-reason").first.click()
    expect(page.locator("textarea[name^=override_]").first).to_have_value("已征得本人同意公开")


def test_one_level_account_review_page_screens(browser_page, live_server, session):
    page = sized(browser_page, "desktop")
    draft_id = make_draft(session, account=ONE_LEVEL)
    log_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/drafts/{draft_id}/review?level=1")
    shoot(page, "review_desktop")
    shoot(page, "review_desktop_full", full=True)
    sized(page, "phone")
    shoot(page, "review_phone_full", full=True)
    expect(page.locator("#level-approve")).to_have_text("本级五关全部通过")
