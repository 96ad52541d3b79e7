"""Pages and callbacks are generated from the catalog: callbacks are registered once
with pattern-matching ids, every report has a page, and column filters reach the server."""

from __future__ import annotations

from typing import Any

import dash
import pytest

from engines.base import Engine
from layouts.report_page import report_page
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_detail
from tests.catalog_args import wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


def test_callbacks_do_not_multiply_with_reports(app_server: Any) -> None:
    app = app_server.extensions.get("dash_app") or dash.get_app()
    outputs = " ".join(app.callback_map)
    for slug in CATALOG:
        assert slug not in outputs, f"a callback was registered for {slug} alone"
    matching = [k for k in app.callback_map if '"MATCH"' in k or "nav-global" in k]
    export_callbacks = [k for k in matching if '"type":"export-' in k]
    # typed dates read on 查询 or Enter, run, range presets, 归属部门 narrowed by 归属支公司,
    # the detail grid's state and the summary's sort into the URL, drill-down, the cube's
    # chart group-by, the navigation relay, detail rows; saved views (open the save and
    # the share dialogs, read the page's state, save, share, delete) and the grid's
    # columns (read, keep, show chosen, reset)
    assert len(matching) - len(export_callbacks) == 20
    # start, poll, cancel of the background Excel; the CSV link following the grid
    assert len(export_callbacks) == 4


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_every_report_page_renders(app_server: Any, engine: Engine, as_of: Any,
                                   slug: str) -> None:
    report = CATALOG[slug]
    with app_server.test_request_context():
        empty = report_page(engine, report, GM, {})
        summary = report_page(engine, report, GM, {**wide_args(report, as_of), "run": "1"})
        detail = report_page(engine, report, GM, {**wide_args(report, as_of), "run": "1",
                                                    "level": "detail"})
    for layout in (empty, summary, detail):
        text = str(layout.to_plotly_json())
        assert report.title in text
        assert "查询条件有误" not in text
    assert "summary-grid" in str(summary.to_plotly_json())
    assert "detail-grid" in str(detail.to_plotly_json())


def test_bad_input_is_shown_next_to_the_kept_filters(app_server: Any,
                                                     engine: Engine) -> None:
    report = CATALOG["lapsed-auto"]
    with app_server.test_request_context():
        page = report_page(engine, report, GM, {"end_from": "2025-05-01",
                                                  "end_to": "2025-04-01", "run": "1"})
    text = str(page.to_plotly_json())
    assert "终保日期: 结束日期 2025-04-01 早于开始日期 2025-05-01" in text
    assert "2025-05-01" in text and "2025-04-01" in text


def test_column_filters_and_sort_go_to_the_server(engine: Engine, as_of: Any) -> None:
    report = CATALOG["pnl-auto-cube"]
    values = parse_filters(report, {})
    plate = run_detail(engine, report, values, GM, limit=1).rows[0]["plate_no"]
    hit = run_detail(engine, report, values, GM, column_filters={
        "plate_no": {"filterType": "text", "type": "equals", "filter": plate}})
    assert hit.total >= 1 and all(r["plate_no"] == plate for r in hit.rows)
    big = run_detail(engine, report, values, GM, sort=[("premium_cny", "desc")],
                     column_filters={"premium_cny": {"filterType": "number",
                                                     "type": "greaterThan", "filter": 5000}})
    assert big.total > 0 and all(r["premium_cny"] > 5000 for r in big.rows)
    assert big.rows[0]["premium_cny"] >= big.rows[-1]["premium_cny"]


def test_a_chart_over_years_is_in_year_order_and_says_when_cut() -> None:
    """Groups by vehicle and year come in vehicle order; the chart adds them up per year
    and draws the years in order, saying it covers only the groups on the screen."""
    from layouts.charts import chart
    from queries.engine import SummaryResult

    report = CATALOG["pnl-vehicle"]
    rows = [{"plate": p, "year": y, "premium": 10.0, "paid_closed": 1.0}
            for p, y in (("京A1", 2022), ("京A2", 2020), ("京A2", 2021), ("京A3", 2022))]
    result = SummaryResult([], rows, {}, ("plate", "year"), truncated=True)
    graph = chart(report.summaries[0], result, report)
    assert graph is not None
    premium = graph.figure.data[0]
    assert list(premium.x) == ["2020", "2021", "2022"]
    assert list(premium.y) == [10.0, 10.0, 20.0]
    assert "屏幕上的前 4 组" in graph.figure.layout.title.subtitle.text
