"""Generated from the catalog: for every report, summary totals equal the sum of its
detail, and every drill-down returns exactly the rows its summary row counted."""

from __future__ import annotations

import math
from datetime import date

import pytest

from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import drill_values, parse_filters, run_detail, run_summary
from queries.spec import Report
from tests.catalog_args import wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
BRANCH = Viewer(2, "branch01", "支公司经理", frozenset(CATALOG), DataScope("branch", 1), True)


def _count_measure(report: Report) -> str:
    return next(m.key for m in report.measures if m.kind == "count")


def _summaries(report: Report) -> list[tuple[str | None, list[str] | None]]:
    if report.free_dims:
        return [(None, [d]) for d in report.free_dims[:4]] + [(None, list(report.free_dims[:3]))]
    return [(s.key, None) for s in report.summaries]


@pytest.mark.parametrize("slug", sorted(CATALOG))
@pytest.mark.parametrize("viewer", [GM, BRANCH], ids=["company", "branch"])
def test_summary_totals_equal_sum_of_detail(engine: Engine, as_of: date, slug: str,
                                            viewer: Viewer) -> None:
    report = CATALOG[slug]
    values = parse_filters(report, wide_args(report, as_of), as_of)
    detail = run_detail(engine, report, values, viewer, limit=10_000)
    count_key = _count_measure(report)
    for summary_key, group_by in _summaries(report):
        s = run_summary(engine, report, values, viewer, summary_key, group_by=group_by)
        assert s.totals[count_key] == detail.total > 0
        assert sum(r[count_key] for r in s.rows) == detail.total
        for m in report.measures:
            if m.kind != "sum" or m.key not in s.totals:  # a measure the summary leaves out
                continue
            in_detail = next((c for c in report.detail if c.source_column == m.column), None)
            if m.currency is not None and s.totals[m.key] is None:
                # An original-currency amount has no total over several currencies.
                shown = next(c for c in report.detail if c.source_column == m.currency)
                assert len({r[shown.key] for r in detail.rows} - {None}) > 1, m.key
                continue
            rows_sum = sum((r[m.key] or 0) for r in s.rows)
            assert math.isclose(rows_sum, s.totals[m.key] or 0, abs_tol=0.01 * len(s.rows) + 0.01)
            # A period measure sums a part of the rows (the month within the year).
            if in_detail is not None and detail.total <= 10_000 and m.period is None:
                detail_sum = sum((r[in_detail.key] or 0) for r in detail.rows)
                assert math.isclose(detail_sum, s.totals[m.key] or 0, abs_tol=0.01)


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_every_drill_down_returns_the_rows_counted(engine: Engine, as_of: date,
                                                   slug: str) -> None:
    report = CATALOG[slug]
    values = parse_filters(report, wide_args(report, as_of), as_of)
    count_key = _count_measure(report)
    for summary_key, group_by in _summaries(report):
        s = run_summary(engine, report, values, GM, summary_key, group_by=group_by)
        rows = sorted(s.rows, key=lambda r: -r[count_key])
        for row in [*rows[:3], rows[-1]]:
            drilled = drill_values(report, values, row, s.group_by)
            detail = run_detail(engine, report, drilled, GM, limit=1)
            assert detail.total == row[count_key], (summary_key, group_by, row)


@pytest.mark.parametrize("slug", sorted(s for s, r in CATALOG.items()
                                         if any(m.kind == "ratio" for m in r.measures)))
def test_ratios_are_empty_when_the_denominator_is_zero(engine: Engine, as_of: date,
                                                       slug: str) -> None:
    report = CATALOG[slug]
    ratios = [m for m in report.measures if m.kind == "ratio"]
    values = parse_filters(report, wide_args(report, as_of), as_of)
    for summary_key, group_by in _summaries(report):
        s = run_summary(engine, report, values, GM, summary_key, group_by=group_by)
        for r in s.rows:
            for m in ratios:
                if not r[m.denominator or ""]:
                    assert r[m.key] is None
                else:
                    expected = r[m.numerator or ""] / r[m.denominator or ""] * m.scale
                    assert math.isclose(r[m.key], expected, rel_tol=1e-9)
