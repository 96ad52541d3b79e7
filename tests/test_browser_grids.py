"""Grids as a branch head uses them, clicked through in headless Chromium: total rows
labelled 合计 (a date first column too), names beside codes, the identifying column
pinned and the key measure on screen, columns hidden, moved and resized and kept per
user and page, and saved views shared with a colleague."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser


def _header_cells(page: Any) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.ag-header-cell')]"
                         ".filter(e => e.offsetParent !== null)"
                         ".map(e => e.getAttribute('col-id'))")


def test_a_daily_report_totals_row_is_labelled_under_the_date(browser: Any,
                                                              base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/premium-received-daily")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**run=1**")
    total = page.locator(".ag-floating-bottom .ag-row [col-id=day]")
    total.wait_for()
    assert total.inner_text() == "合计"
    page.get_by_text("按支公司汇总").click()
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**summary=by-branch**")
    page.locator(".ag-header-cell[col-id=day]").wait_for(state="detached")
    first = page.locator(".ag-floating-bottom .ag-row [col-id=branch_code]")
    first.wait_for()
    assert first.inner_text() == "合计"
    # Branches by code and name, never by internal id.
    assert page.locator(".ag-center-cols-container [col-id=branch_code]").first \
        .inner_text().startswith("4")
    page.close()
