"""Every report gives the same figures on DuckDB and on ClickHouse (embedded, chdb).

The same generated store is published to ClickHouse with ``engines.clickhouse_publish``;
each report's summaries with totals, first detail page, a deep keyset page, a drill-down
and its export rows are compared row by row: same order, NULL where the other has NULL,
numbers equal to 1e-9 (money therefore to the cent).
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG
from queries.engine import drill_values, iter_detail_rows, parse_filters, run_detail, run_summary
from queries.spec import Report
from tests.catalog_args import wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
BRANCH = Viewer(2, "b", "支公司经理", frozenset(CATALOG), DataScope("branch", branch_id=2), False)
EXPORT_ROWS = 2_500


def same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float | Decimal) and not isinstance(a, bool):
        return isinstance(b, int | float | Decimal) and math.isclose(
            float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, date) or isinstance(b, date):
        return str(a)[:10] == str(b)[:10]
    return a == b


def assert_same_rows(duck: list[dict[str, Any]], ch: list[dict[str, Any]], what: str) -> None:
    assert len(duck) == len(ch), f"{what}: {len(duck)} rows on DuckDB, {len(ch)} on ClickHouse"
    for i, (d, c) in enumerate(zip(duck, ch, strict=True)):
        assert d.keys() == c.keys(), what
        bad = {k: (d[k], c[k]) for k in d if not same_value(d[k], c[k])}
        assert not bad, f"{what}, row {i}: DuckDB vs ClickHouse {bad}"


def groupings(report: Report) -> list[tuple[str | None, tuple[str, ...]]]:
    out: list[tuple[str | None, tuple[str, ...]]] = [(s.key, ()) for s in report.summaries]
    if report.free_dims:
        dims = report.free_dims
        out += [(None, dims[:1]), (None, dims[1:3]), (None, tuple(dims[-3:]))]
    return out


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: r.slug)
def test_same_summaries_and_totals(report: Report, engine: Engine, clickhouse: Settings,
                                   as_of: date) -> None:
    values = parse_filters(report, wide_args(report, as_of), as_of)
    for viewer in (GM, BRANCH):
        for key, group_by in groupings(report):
            what = f"{report.slug} summary {key or group_by} as {viewer.username}"
            d = run_summary(engine, report, values, viewer, key, group_by=group_by or None)
            c = run_summary(engine_for(clickhouse), report, values, viewer, key,
                            group_by=group_by or None)
            assert d.rows or report.slug == "claims-unregistered" or viewer is BRANCH, what
            assert_same_rows(d.rows, c.rows, what)
            assert_same_rows([d.totals], [c.totals], what + " totals")


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: r.slug)
def test_same_detail_pages_drill_and_export(report: Report, engine: Engine,
                                            clickhouse: Settings, as_of: date) -> None:
    values = parse_filters(report, wide_args(report, as_of), as_of)
    d = run_detail(engine, report, values, GM, limit=100)
    c = run_detail(engine_for(clickhouse), report, values, GM, limit=100)
    assert d.total == c.total, report.slug
    assert_same_rows(d.rows, c.rows, f"{report.slug} page 1")
    # A deep keyset page: follow the cursor five pages of 200 on, sorted on a value
    # column descending so ties and NULLs are exercised.
    sortable = [col.key for col in report.detail if col.lookup is None]
    sort = [(sortable[-1], "desc")]
    cursors = {"duck": None, "ch": None}
    for page in range(5):
        dp = run_detail(engine, report, values, GM, sort=sort, limit=200,
                        cursor=cursors["duck"], with_total=False)
        cp = run_detail(engine_for(clickhouse), report, values, GM, sort=sort, limit=200,
                        cursor=cursors["ch"], with_total=False)
        assert_same_rows(dp.rows, cp.rows, f"{report.slug} sorted page {page + 1}")
        assert (dp.next_cursor is None) == (cp.next_cursor is None)
        if dp.next_cursor is None:
            break
        cursors = {"duck": dp.next_cursor, "ch": cp.next_cursor}
    summary = run_summary(engine, report, values, GM)
    if summary.rows:
        row = summary.rows[len(summary.rows) // 2]
        drilled = drill_values(report, values, row, summary.group_by)
        dd = run_detail(engine, report, drilled, GM, limit=100)
        cd = run_detail(engine_for(clickhouse), report, drilled, GM, limit=100)
        assert dd.total == cd.total and dd.total > 0, f"{report.slug} drill {row}"
        assert_same_rows(dd.rows, cd.rows, f"{report.slug} drill-down")
    de = list(itertools.islice(iter_detail_rows(engine, report, values, BRANCH, page=1000),
                               EXPORT_ROWS))
    ce = list(itertools.islice(iter_detail_rows(engine_for(clickhouse), report, values, BRANCH,
                                                page=1000), EXPORT_ROWS))
    assert_same_rows(de, ce, f"{report.slug} export rows")


MANY = [(r, s.key) for r in ALL_REPORTS for s in r.summaries
        if next(d for d in r.dims if d.key == s.dimensions[0]).many]


@pytest.mark.parametrize(("report", "key"), MANY, ids=lambda x: getattr(x, "slug", x))
def test_a_screen_of_groups_is_the_head_of_all_groups(report: Report, key: str,
                                                      engine: Engine,
                                                      clickhouse: Settings,
                                                      as_of: date) -> None:
    """A summary led by a dimension of very many values aggregates only the rows of its
    first values when a screen of groups is asked for: the same groups, in the same order,
    with the same totals as the whole summary, on both engines."""
    values = parse_filters(report, wide_args(report, as_of), as_of)
    # Ranked by the main measure (the default) and in dimension order (sort=[]), which
    # reads only the rows of the first values.
    for viewer, sort in itertools.product((GM, BRANCH), (None, [])):
        full = run_summary(engine, report, values, viewer, key, sort=sort)
        shown = 37
        assert len(full.rows) > shown, "the test store must have more groups than shown"
        for engine_settings in (engine.settings, clickhouse):
            head = run_summary(engine_for(engine_settings), report, values, viewer, key,
                               max_groups=shown, sort=sort)
            what = f"{report.slug} {key} first {shown} as {viewer.username} by {sort}"
            assert head.truncated, what
            assert_same_rows(full.rows[:shown], head.rows, what)
            assert_same_rows([full.totals], [head.totals], what + " totals")
