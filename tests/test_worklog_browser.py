"""In headless Chromium, as the demo users work: sales01 on a 390×844 phone writes a note
(customer picked by typing, kind one tap) and sees a refusal at its field; section01
approves a waiting plan on the review page; the phone's menu opens behind the header
button. Screenshots at 1440×900 and 390×844 of every 工作日志 form."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from auth.audit import query_audit
from auth.users import get_user
from data.settings import Settings
from ops.worklog_entries import list_entries
from ops.worklog_plans import plan
from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp"))
PHONE, DESK = (390, 844), (1440, 900)
PAGES = ("worklog-entry", "worklog-plans", "worklog-review", "worklog-forms",
         "worklog-problems")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"worklog-{name}.png"), full_page=True)


def test_a_note_on_the_phone_in_under_30_seconds(browser: Any, worklog_base_url: str,
                                                 worklog_settings: Settings) -> None:
    page = sign_in(browser, worklog_base_url, "sales01", viewport=PHONE)
    page.goto(f"{worklog_base_url}/worklog/worklog-entry")
    page.get_by_role("heading", name="工作记事录入").wait_for()
    _shot(page, "entry-phone")
    content = f"手机录入-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    page.locator("#we-customer-code").click()
    page.locator("#we-customer-code").fill("C0")
    option = page.get_by_role("option").filter(has_text="C0").first
    option.wait_for()
    option.click()
    page.wait_for_function(
        "document.querySelector('#we-customer-code').value.includes('C0')")
    page.locator("#we-content").fill(content)
    page.get_by_text("招待", exact=True).click()
    page.locator("#we-cost").fill("128.5")
    page.locator("#we-receipt-no").fill("FP-PHONE-1")
    page.get_by_role("button", name="保存记事").click()
    page.get_by_text("已保存:").wait_for()
    elapsed = time.monotonic() - started
    print(f"note on the phone: {elapsed:.1f} s from the first tap to 已保存")
    assert elapsed < 30, elapsed
    user = get_user(worklog_settings.users_db, username="sales01")
    assert user is not None
    saved = [e for e in list_entries(worklog_settings, user.viewer()) if e["content"] == content]
    assert len(saved) == 1
    assert (saved[0]["cost"], saved[0]["kind"], saved[0]["receipt_no"]) == \
        (128.5, "招待", "FP-PHONE-1")
    assert saved[0]["customer_code"]
    # The form fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    # A refusal is said at its field, and nothing is saved.
    page.locator("#we-content").fill(content + " 签单")
    page.get_by_text("签单", exact=True).click()
    page.get_by_role("button", name="保存记事").click()
    page.locator("#we-policy-no-error").get_by_text("签单时请填写保单号").wait_for()
    _shot(page, "entry-phone-refused")
    assert len([e for e in list_entries(worklog_settings, user.viewer())
                if e["content"].startswith(content)]) == 1
    assert not page.errors, page.errors
    page.close()


def test_the_phone_menu_opens_behind_the_header_button(browser: Any,
                                                       worklog_base_url: str) -> None:
    page = sign_in(browser, worklog_base_url, "sales01", viewport=PHONE)
    link = page.locator("#nav-worklog-entry")
    link.wait_for(state="attached")
    right_edge = "document.querySelector('#nav-worklog-entry').getBoundingClientRect().right"
    assert page.evaluate(right_edge) <= 0  # the drawer is off the screen
    page.locator("#nav-burger").click()
    page.wait_for_function(f"{right_edge} > 0")
    page.wait_for_timeout(300)  # the drawer's slide
    _shot(page, "menu-phone")
    link.click()
    page.get_by_role("heading", name="工作记事录入").wait_for()
    page.close()


def test_section_head_approves_a_waiting_plan(browser: Any, worklog_base_url: str,
                                              worklog_settings: Settings) -> None:
    page = sign_in(browser, worklog_base_url, "section01", viewport=DESK)
    page.goto(f"{worklog_base_url}/worklog/worklog-review")
    page.get_by_role("heading", name="报备计划管理").wait_for()
    first = page.locator("#wr-queue .ag-center-cols-container .ag-row[row-index='0']")
    first.wait_for()
    first.click()
    page.get_by_role("button", name="批准").wait_for()
    _shot(page, "review-desk")
    author = first.locator("[col-id='author_name']").inner_text()
    page.get_by_role("button", name="批准").click()
    page.get_by_text(f"已批准: {author}").wait_for()
    head = get_user(worklog_settings.users_db, username="section01")
    assert head is not None
    approved = query_audit(worklog_settings.users_db, username="section01",
                           event="worklog_plan_approved")
    assert approved
    plan_id = int(approved[0]["detail"].split('"plan_id": ')[1].split(",")[0])
    assert plan(worklog_settings, head.viewer(), plan_id)["status"] == "approved"
    assert not page.errors, page.errors
    page.close()


@pytest.mark.parametrize("slug", PAGES)
def test_every_form_at_desk_and_phone_sizes(browser: Any, worklog_base_url: str,
                                            slug: str) -> None:
    user = "section01" if slug == "worklog-review" else "sales01"
    for name, size in (("desk", DESK), ("phone", PHONE)):
        page = sign_in(browser, worklog_base_url, user, viewport=size)
        page.goto(f"{worklog_base_url}/worklog/{slug}")
        page.locator("h3").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], (slug, name)
        _shot(page, f"{slug.removeprefix('worklog-')}-{name}")
        assert not page.errors, (slug, name, page.errors)
        page.close()
