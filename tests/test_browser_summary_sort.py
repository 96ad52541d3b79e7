"""Summaries sorted on the server, clicked through in headless Chromium: one header
click ranks ALL groups (the worst 赔付率 first), the page says what it shows, the sort is
in the link, and a summary of one group per insured opens ranked by its main measure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser

# Wide enough that every column of 3.1 is drawn (the grid draws only visible columns).
WIDE = (2400, 900)
PAGE = "/reports/pnl-insured?run=1&summary=by-insured"
API = "/api/reports/pnl-insured?summary=by-insured"


def _column(page: Any, key: str, n: int) -> list[str]:
    # By row index: a sorted grid reorders rows on the screen, not in the DOM.
    return [page.locator(f".ag-center-cols-container .ag-row[row-index='{i}'] "
                         f"[col-id={key}]").inner_text() for i in range(n)]


def _money(texts: list[str]) -> list[float | None]:
    return [float(t.replace(",", "")) if t.strip() else None for t in texts]


def test_one_click_ranks_every_group_by_a_ratio(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm", WIDE)
    page.goto(base_url + PAGE)
    note = page.locator("[id*='summary-note']")
    note.wait_for()
    # Opens ranked by premium over all insured, and says so.
    assert "按签单保费降序显示前 5,000 个" in note.inner_text()
    page.locator(".ag-header-cell[col-id=premium][aria-sort=descending]").wait_for()
    top_premium = page.request.get(f"{base_url}{API}&limit=5").json()["rows"]
    assert _money(_column(page, "premium", 5)) == [r["premium"] for r in top_premium]

    page.locator(".ag-header-cell[col-id=settled_ratio] .ag-header-cell-label").click()
    page.wait_for_function("() => location.search.includes('ssort=settled_ratio%3Adesc')")
    page.locator(".ag-header-cell[col-id=settled_ratio][aria-sort=descending]").wait_for()
    page.get_by_text("按已决赔付率(%)降序显示前 5,000 个").wait_for()
    worst = page.request.get(f"{base_url}{API}&limit=20&sort=settled_ratio:desc").json()
    expected = [f"{r['settled_ratio']:,.2f}" for r in worst["rows"][:8]]
    assert _column(page, "settled_ratio", 8) == expected
    assert _column(page, "insured_code", 8) == [r["insured_code"] for r in worst["rows"][:8]]
    # The totals row is that of every insured.
    total = page.locator(".ag-floating-bottom [col-id=premium]").inner_text()
    assert float(total.replace(",", "")) == pytest.approx(worst["totals"]["premium"])

    # A copied link reopens the same ranking; Back returns to the premium ranking.
    link = page.url
    page.go_back()
    page.locator(".ag-header-cell[col-id=premium][aria-sort=descending]").wait_for()
    other = sign_in(browser, base_url, "gm", WIDE)
    other.goto(link)
    other.locator(".ag-header-cell[col-id=settled_ratio][aria-sort=descending]").wait_for()
    assert _column(other, "settled_ratio", 8) == expected
    assert not page.errors and not other.errors
    other.close()
    page.close()


def test_sorting_by_code_goes_back_to_dimension_order(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm", WIDE)
    page.goto(base_url + PAGE)
    page.locator(".ag-header-cell[col-id=premium][aria-sort=descending]").wait_for()
    page.locator(".ag-header-cell[col-id=insured_code] .ag-header-cell-label").click()
    page.wait_for_function("() => location.search.includes('ssort=insured_code%3Aasc')")
    page.get_by_text("按被保险人升序显示前 5,000 个").wait_for()
    codes = _column(page, "insured_code", 6)
    api = page.request.get(f"{base_url}{API}&limit=6&sort=insured:asc").json()["rows"]
    assert codes == [r["insured_code"] for r in api]
    page.close()
