"""Grids as a branch head uses them, clicked through in headless Chromium: total rows
labelled 合计 (a date first column too), names beside codes, the identifying column
pinned and the key measure on screen, columns hidden, moved and resized and kept per
user and page, and saved views shared with a colleague."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

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


def _visible(page: Any, slug: str, col: str) -> bool:
    """Whether the grid shows ``col`` (off-screen columns are not in the page at all)."""
    page.locator(".ag-center-cols-container .ag-row").first.wait_for()
    return bool(page.evaluate(
        "([slug, col]) => dash_ag_grid.getApi({type: 'detail-grid', report: slug})"
        ".getColumn(col).isVisible()", [slug, col]))


def _wait_for(predicate: Any, page: Any, seconds: float = 10) -> Any:
    for _ in range(int(seconds * 10)):
        found = predicate()
        if found:
            return found
        page.wait_for_timeout(100)
    raise AssertionError("not saved in time")


def _drag_edge(page: Any, col_id: str, by: float) -> dict[str, float]:
    """Widen a column by dragging its header's right edge; its box before."""
    cell = page.locator(f".ag-header-cell[col-id={col_id}]")
    before = cell.bounding_box()
    assert before is not None
    box = cell.locator(".ag-header-cell-resize").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + by, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    return before


def _save_view(page: Any, name: str) -> None:
    page.get_by_role("button", name="我的视图").click()
    page.get_by_role("menuitem", name="保存当前视图…").click()
    page.get_by_label("视图名称 (最多 40 字)").fill(name)
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text(f"已保存视图“{name}”").wait_for()


def test_columns_pinned_key_measure_on_screen_and_kept_per_user_and_page(
        browser: Any, base_url: str, settings: Any) -> None:
    from auth.users import get_user
    from ops.grid_columns import saved_columns
    from ops.views import list_views

    url = f"{base_url}/reports/pnl-auto-policy?level=detail&run=1"
    page = sign_in(browser, base_url, "gm", viewport=(1024, 768))
    page.goto(url)
    page.locator(".ag-center-cols-container .ag-row").first.wait_for()
    # The policy number is pinned left, the loss ratio right after it, on the screen.
    assert page.locator(".ag-pinned-left-header [col-id=policy_no]").count() == 1
    ratio = page.locator(".ag-header-cell[col-id=settled_loss_ratio_pct]").bounding_box()
    assert ratio is not None and ratio["x"] + ratio["width"] <= 1024
    # Hide 险种名称 through 列设置, widen 到款保费 by dragging its edge.
    page.get_by_role("button", name="列设置").click()
    page.get_by_role("checkbox", name="险种名称").click()
    page.locator(".ag-header-cell[col-id=risk_name]").wait_for(state="detached")
    page.keyboard.press("Escape")
    before = _drag_edge(page, "received_cny", 80)
    gm = get_user(settings.users_db, username="gm")
    assert gm is not None

    def stored_width() -> int | None:
        cols = saved_columns(settings.users_db, gm.user_id, "pnl-auto-policy") or ""
        sizes = {p.split(":")[0]: int(p.split(":")[1]) for p in cols.split(",") if ":" in p}
        wide = sizes.get("received_cny", 0) >= before["width"] + 40
        return sizes["received_cny"] if "!risk_name" in sizes and wide else None

    width = _wait_for(stored_width, page)
    # A view saved now keeps these columns.
    _save_view(page, "看赔付率")
    view = next(v for v in list_views(settings.users_db, gm.user_id, "pnl-auto-policy")
                if v.name == "看赔付率")
    query = parse_qs(view.query)
    assert "!risk_name:" in query["cols"][0] and query["level"] == ["detail"]
    page.close()
    # Opened again (no columns in the link): as the user left it.
    again = sign_in(browser, base_url, "gm", viewport=(1024, 768))
    again.goto(url)
    assert not _visible(again, "pnl-auto-policy", "risk_name")
    again.get_by_role("button", name="列设置").click()
    assert not again.get_by_role("checkbox", name="险种名称").is_checked()
    again.keyboard.press("Escape")
    box = again.locator(".ag-header-cell[col-id=received_cny]").bounding_box()
    assert box is not None and abs(box["width"] - width) <= 2
    # Another page of the same user, and the same page of another user: the catalog's.
    again.goto(f"{base_url}/reports/pnl-property-policy?level=detail&run=1")
    assert _visible(again, "pnl-property-policy", "risk_name")
    again.close()
    other = sign_in(browser, base_url, "branch01", viewport=(1024, 768))
    other.goto(url)
    assert _visible(other, "pnl-auto-policy", "risk_name")
    other.close()


def test_a_saved_view_is_found_at_home_and_shared_with_a_colleague(
        browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/lapsed-auto?branch=1,2&run=1")
    page.locator(".ag-center-cols-container .ag-row").first.wait_for()
    _save_view(page, "广州上海脱保")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="我的视图").click()
    page.get_by_role("menuitem", name="分享或删除视图…").click()
    page.get_by_role("textbox", name="视图", exact=True).click()
    page.get_by_role("option", name="广州上海脱保").click()
    page.get_by_role("textbox", name="同事 (分享时选择)").fill("branch01")
    page.get_by_role("option", name="branch01", exact=False).first.click()
    page.get_by_role("button", name="分享", exact=True).click()
    page.get_by_text("已分享").wait_for()
    # The page's menu lists the view; the home page too.
    page.goto(f"{base_url}/")
    page.locator("#home-views").get_by_text("广州上海脱保").wait_for()
    page.close()
    colleague = sign_in(browser, base_url, "branch01")
    shared = colleague.locator("#home-views").get_by_text("广州上海脱保", exact=False)
    shared.wait_for()
    assert "分享" in shared.inner_text()
    shared.click()
    colleague.wait_for_url("**/reports/lapsed-auto?**")
    assert "branch=1%2C2" in colleague.url or "branch=1,2" in colleague.url
    # The colleague's own scope applies, and the page says so.
    colleague.get_by_text("按您的数据范围只显示").wait_for()
    colleague.locator(".ag-center-cols-container .ag-row").first.wait_for()
    colleague.close()
