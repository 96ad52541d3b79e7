"""In headless Chromium, as a user would: sign in, set a filter, run, drill down, go
back, download an export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser


def test_filter_run_drill_back_export(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.get_by_text("您好").wait_for()
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    page.get_by_role("heading", name="3.6 车险盈亏综合状况").wait_for()
    # Choose a 使用性质 and run.
    page.get_by_label("使用性质").first.click()
    page.get_by_role("option", name="家庭自用").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**run=1**")
    assert "use_nature=101" in page.url
    summary = page.locator(".ag-center-cols-container .ag-row")
    summary.first.wait_for()
    count_cell = summary.first.locator("[col-id=policies]")
    expected = int(count_cell.inner_text().replace(",", ""))
    summary_url = page.url
    count_cell.click()
    page.wait_for_url("**level=detail**")
    page.get_by_text("← 返回汇总").wait_for()
    page.get_by_text(f"共 {expected:,} 条").wait_for()
    assert page.locator(".ag-center-cols-container .ag-row").count() > 0
    page.go_back()
    page.wait_for_url(summary_url)
    page.get_by_text("← 返回汇总").wait_for(state="detached")
    page.locator(".ag-center-cols-container [col-id=policies]").first.wait_for()
    with page.expect_download() as info:
        page.get_by_text("Excel").first.click()
    data = info.value.path().read_bytes()
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[:2] == ["使用性质", "保单数"]
    assert not [e for e in page.errors if "TypeError" in e]
    page.close()


def test_menu_greys_out_pages_without_grant(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "claims01")
    page.locator("#nav-area-pnl").click()  # an area with nothing granted starts collapsed
    link = page.locator("#nav-pnl-auto-cube")
    link.wait_for()
    assert link.get_attribute("data-disabled") == "true"
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    page.get_by_text("无权访问").wait_for()
    page.close()
