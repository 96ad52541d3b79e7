"""Screens a branch head would choose, clicked through in headless Chromium: Chinese
calendars and grids, charts in 万 and months, defaults in the fields, open ranges,
presets, Enter, refused dates, scope notices, the 404 page and the menu."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser


def _ticks(page: Any, axis: str) -> list[str]:
    """The chart's tick labels of one axis (SVG text, read once drawn)."""
    selector = f".js-plotly-plot .{axis}tick text"
    page.wait_for_function(f"() => document.querySelectorAll('{selector}').length > 0")
    return page.evaluate(f"() => [...document.querySelectorAll('{selector}')]"
                         ".map(e => e.textContent)")


def _results(page: Any) -> Any:
    rows = page.locator(".ag-center-cols-container .ag-row")
    rows.first.wait_for()
    return rows


def _scroll_to(page: Any, slug: str, col: str) -> None:
    """Bring a column into view: the grid draws only the columns on the screen."""
    page.evaluate("([slug, col]) => dash_ag_grid.getApi({type: 'detail-grid', report: slug})"
                  ".ensureColumnVisible(col)", [slug, col])


def test_date_fields_speak_chinese_keep_open_ranges_and_run_on_enter(
        browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/lapsed-auto")
    start = page.get_by_label("终保日期 开始日期")
    end = page.get_by_label("终保日期 结束日期")
    # The declared default (近30天 to the data date) is in the fields, not an empty box.
    assert (start.input_value(), end.input_value()) == ("2026-10-22", "2026-11-20")
    start.click()
    calendar = page.locator(".mantine-Popover-dropdown").filter(has_text="2026年10月")
    calendar.wait_for()
    assert calendar.locator("thead th").first.inner_text() == "一"  # weeks start Monday
    page.keyboard.press("Escape")
    page.get_by_text("常用区间").click()
    page.get_by_role("menuitem", name="上月").click()
    page.wait_for_function("() => document.querySelector('[aria-label=\"终保日期 开始日期\"]')"
                           ".value === '2026-10-01'")
    assert end.input_value() == "2026-10-31"
    # Only a start: kept, and Enter runs the query.
    end.fill("")
    start.fill("2026-09-01")
    start.press("Enter")
    page.wait_for_url("**run=1**")
    assert "end_from=2026-09-01" in page.url and "end_to" not in page.url
    _results(page)
    assert page.get_by_label("终保日期 开始日期").input_value() == "2026-09-01"
    page.close()


def test_a_mistyped_date_is_refused_and_a_late_one_flagged(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "finance01")
    page.goto(f"{base_url}/reports/receivable-branch")
    stat = page.get_by_label("统计日期")
    assert stat.input_value() == "2026-11-20"  # the default is shown
    stat.fill("2026-13-45")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**run=1**")
    assert "stat_date=2026-13-45" in page.url
    page.get_by_text("查询条件有误").wait_for()
    assert page.get_by_text("“2026-13-45” 不是有效日期").count() >= 1
    assert page.locator(".ag-root").count() == 0
    page.get_by_label("统计日期").fill("2026-12-31")
    page.get_by_label("统计日期").press("Enter")
    page.wait_for_url("**stat_date=2026-12-31**")
    page.get_by_text("晚于数据日期 2026-11-20").wait_for()
    page.close()


def test_grid_menus_are_chinese(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-cube?run=1&level=detail")
    _results(page)
    _scroll_to(page, "pnl-auto-cube", "handler_code")
    header = page.locator(".ag-header-cell[col-id=handler_code]")
    header.hover()
    header.locator(".ag-header-cell-filter-button").click()
    page.locator(".ag-filter").first.wait_for()
    page.locator(".ag-filter .ag-picker-field").first.click()
    options = page.locator(".ag-list").first.inner_text()
    assert "包含" in options and "等于" in options
    assert not re.search(r"Contains|Equals|Filter", page.locator(".ag-filter").inner_text())
    page.keyboard.press("Escape")
    page.close()


def test_monthly_chart_in_order_with_wan_ticks(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/premium-received-monthly?month=2026-11&summary=by-month"
              "&run=1")
    months = _ticks(page, "x")
    assert months[:3] == ["1月", "2月", "3月"] and months[-1] == "11月"
    values = " ".join(_ticks(page, "y"))
    assert "万" in values and not re.search(r"\d[kM]\b", values)
    title = page.locator(".js-plotly-plot .gtitle").text_content()
    assert "单位: 元" in title
    assert "上年同期" in page.locator(".js-plotly-plot .legend").text_content()
    page.close()


def test_agents_missing_and_bands_read_as_words(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-agent?run=1")
    _results(page)
    names = _ticks(page, "y")  # long names: horizontal bars
    assert "无代理人" in names and "None" not in names
    # Business without an agent sorts last: scroll the summary grid to it.
    page.locator(".ag-body-viewport").first.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    page.locator(".ag-center-cols-container").get_by_text("无代理人").wait_for()
    page.goto(f"{base_url}/reports/claims-open?summary=by-age&run=1")
    grid = _results(page)
    first = grid.first.inner_text()
    assert not re.match(r"\d\d ", first)
    assert "查询条件有误" not in page.content()  # 2.3 opens on all open claims
    page.close()


def test_the_cube_chart_follows_a_chosen_group_by(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-cube?run=1&group_by=use_nature,use_years")
    page.locator(".js-plotly-plot").first.wait_for()
    page.get_by_text("图表按:").wait_for()
    page.locator("label").filter(has_text="使用年限").last.click()
    page.wait_for_url("**chart_by=use_years**")
    page.get_by_text("按使用年限").first.wait_for()
    ticks = _ticks(page, "x")
    assert "1年以内" in ticks and not any(re.match(r"\d\d ", t) for t in ticks)
    page.close()


def test_a_link_narrowed_by_scope_says_so(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "branch01")
    page.goto(f"{base_url}/reports/pnl-auto-cube?branch=1,2&run=1")
    notice = page.get_by_text("按您的数据范围只显示")
    notice.wait_for()
    assert "不在您的数据范围内" in notice.inner_text()
    page.close()


def test_an_unknown_address_says_so_in_chinese(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/no/such/page")
    page.get_by_text("找不到该页面").wait_for()
    assert "Page not found" not in page.content()
    page.get_by_role("button", name="返回首页").click()
    page.wait_for_url(f"{base_url}/")
    page.get_by_text("您好").wait_for()
    page.close()


def test_menu_collapses_ungranted_areas_with_a_tooltip(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "claims01")
    area = page.locator("#nav-area-pnl")
    area.wait_for()
    assert "无权限" in area.inner_text()
    assert not page.locator("#nav-pnl-auto-cube").is_visible()  # collapsed
    assert page.locator("#nav-claims-open").is_visible()
    area.click()
    page.locator(".nav-denied").filter(has=page.locator("#nav-pnl-auto-cube")).hover()
    page.get_by_role("tooltip").filter(has_text="无权限").wait_for()
    page.close()
    admin = sign_in(browser, base_url, "admin")
    admin.get_by_text("您好").wait_for()
    assert "您暂无可用的查询页面" not in admin.content()
    admin.get_by_text("6.2 用户权限查询").first.wait_for()
    admin.goto(f"{base_url}/admin/admin-loads")
    admin.get_by_text("文件名为实体名").wait_for()
    assert "docs/" not in admin.locator("main").inner_text()
    admin.close()


def test_a_copied_link_reopens_the_grid_as_seen(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-cube?run=1&level=detail")
    _results(page)
    label = page.locator(".ag-header-cell[col-id=plate_no] .ag-header-cell-label")
    label.click()
    label.click()  # descending
    page.wait_for_function("() => location.search.includes('sort=plate_no%3Adesc')")
    _scroll_to(page, "pnl-auto-cube", "handler_code")
    header = page.locator(".ag-header-cell[col-id=handler_code]")
    header.hover()
    header.locator(".ag-header-cell-filter-button").click()
    page.locator(".ag-filter input.ag-input-field-input").first.fill("E00")
    page.wait_for_function("() => location.search.includes('filter=')")
    page.keyboard.press("Escape")
    _scroll_to(page, "pnl-auto-cube", "insured_name")
    handle = page.locator(".ag-header-cell[col-id=insured_name] .ag-header-cell-resize")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + 5, steps=5)
    page.mouse.up()
    page.wait_for_function("() => location.search.includes('cols=')")
    page.get_by_text(re.compile(r"^共 [\d,]+ 条$")).wait_for()
    count = page.get_by_text(re.compile(r"^共 [\d,]+ 条$")).inner_text()
    first = page.locator(".ag-row[row-index='0'] [col-id=plate_no]").first.inner_text()
    width = page.locator(".ag-header-cell[col-id=insured_name]").bounding_box()["width"]
    link = page.url
    page.close()
    other = sign_in(browser, base_url, "gm")
    other.goto(link)
    other.get_by_text(count).wait_for()
    assert other.locator(".ag-header-cell[col-id=plate_no]").get_attribute(
        "aria-sort") == "descending"
    cell = other.locator(".ag-row[row-index='0'] [col-id=plate_no]").first
    other.wait_for_function("(el) => el.innerText.length > 0", arg=cell.element_handle())
    assert cell.inner_text() == first
    reopened = other.locator(".ag-header-cell[col-id=insured_name]").bounding_box()["width"]
    assert abs(reopened - width) <= 2
    _scroll_to(other, "pnl-auto-cube", "handler_code")
    assert other.locator(".ag-header-cell[col-id=handler_code] .ag-filter-active, "
                         ".ag-header-cell[col-id=handler_code].ag-header-cell-filtered"
                         ).count() >= 1
    other.close()


def test_branch_and_department_choices_follow_scope_and_each_other(
        browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "branch01")
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    page.get_by_role("textbox", name="归属支公司").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    assert options.all_inner_texts() == ["4401 广州天河支公司"]
    page.keyboard.press("Escape")
    page.close()
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    page.get_by_role("textbox", name="归属部门").click()
    page.get_by_role("option").first.wait_for()
    every = page.get_by_role("option").count()
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="归属支公司").click()
    page.get_by_role("option", name="4403 深圳福田支公司").click()
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="归属部门").click()
    page.wait_for_function("(every) => [...document.querySelectorAll('[role=option]')]"
                           ".filter((e) => e.offsetParent).length < every", arg=every)
    names = page.get_by_role("option").all_inner_texts()
    assert names and all(n.startswith("4403") for n in names)
    # Enter in a choice list picks an option; it does not run the query half-chosen.
    page.get_by_role("textbox", name="归属部门").press("Enter")
    page.wait_for_timeout(1500)
    assert "run=1" not in page.url
    page.close()


def test_highlight_styles_in_the_browser(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-agent?run=1")
    _results(page)
    styles = page.evaluate("""() => {
        const f = window.dashAgGridFunctions;
        return [f.alertStyle({value: 120}, 70, 100), f.alertStyle({value: 80}, 70, 100),
                f.alertStyle({value: 20}, 70, 100), f.alertStyle({value: "合计"}, 70, 100),
                f.negativeStyle({value: -5}), f.negativeStyle({value: 5})];
    }""")
    assert styles[0]["color"] == "#c92a2a" and styles[1]["color"] == "#e67700"
    assert styles[2] is None and styles[3] is None
    assert styles[4]["color"] == "#c92a2a" and styles[5] is None
    page.close()


def test_a_summary_sorts_by_any_column_and_keeps_it_in_the_link(
        browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.goto(f"{base_url}/reports/pnl-auto-handler?run=1")
    _results(page)
    label = page.locator(".ag-header-cell[col-id=premium] .ag-header-cell-label")
    label.click()  # a measure sorts descending first, on the server
    page.wait_for_function("() => location.search.includes('ssort=premium%3Adesc')")
    page.locator(".ag-header-cell[col-id=premium][aria-sort=descending]").wait_for()
    # The grid sorts the rows it holds at once, then the page asks the server and draws
    # the answer: a click before that answer is drawn lands on a grid being replaced.
    page.locator("[data-summary-sort='premium:desc'] .ag-row[row-index='0']").wait_for()

    def premiums(p: Any) -> list[float]:
        # Rows by their row index: after a sort the grid reorders rows on the screen,
        # not in the page's DOM order.
        texts = [p.locator(f".ag-center-cols-container .ag-row[row-index='{i}'] "
                           "[col-id=premium]").inner_text() for i in range(5)]
        return [float(t.replace(",", "")) for t in texts]

    top = premiums(page)
    assert top == sorted(top, reverse=True)
    link = page.url
    # The first row after sorting drills into that row's handler.
    first_name = page.locator(".ag-row[row-index='0'] [col-id=handler_label]").inner_text()
    page.locator(".ag-row[row-index='0'] [col-id=premium]").click()
    page.wait_for_url("**level=detail**")
    page.get_by_text(first_name).first.wait_for()
    page.close()
    other = sign_in(browser, base_url, "gm")
    other.goto(link)
    _results(other)
    assert other.locator(".ag-header-cell[col-id=premium]").get_attribute(
        "aria-sort") == "descending"
    assert premiums(other) == top
    other.close()
