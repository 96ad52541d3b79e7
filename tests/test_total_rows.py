"""Every total row of every report, from the catalog: the page's grid and both exports
label it 合计 in their first column whatever its type (a date too), each additive
measure's total is the sum of its groups, ratios are the ratio of the totals, and no
summary shows a measure of the chosen month split into months (0 in all but one)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from engines.base import Engine
from layouts.report_page import summary_view
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import SummaryResult, parse_filters, run_summary
from queries.export import summary_csv
from queries.spec import Report
from tests.catalog_args import wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


def _summaries(report: Report) -> list[tuple[str | None, list[str] | None]]:
    if report.free_dims:
        return [(None, [d]) for d in report.free_dims[:3]]
    return [(s.key, None) for s in report.summaries]


CASES = [(slug, key, group_by) for slug in sorted(CATALOG)
         for key, group_by in _summaries(CATALOG[slug])]


def _grids(node: Any) -> Iterator[Any]:
    if getattr(node, "id", None) and isinstance(node.id, dict) \
            and node.id.get("type") == "summary-grid":
        yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from _grids(child)


def _summary(engine: Engine, as_of: date, slug: str, key: str | None,
             group_by: list[str] | None) -> tuple[Report, dict[str, str], SummaryResult]:
    report = CATALOG[slug]
    args = {**wide_args(report, as_of), **({"summary": key} if key else {}),
            **({"group_by": ",".join(group_by)} if group_by else {})}
    values = parse_filters(report, args, as_of)
    return report, args, run_summary(engine, report, values, GM, key, group_by=group_by)


@pytest.mark.parametrize(("slug", "key", "group_by"), CASES)
def test_the_page_labels_its_total_row(engine: Engine, as_of: date, slug: str,
                                       key: str | None, group_by: list[str] | None) -> None:
    report, args, _ = _summary(engine, as_of, slug, key, group_by)
    values = parse_filters(report, args, as_of)
    view = summary_view(engine, report, values, GM, args)
    grid = next(_grids(view))
    shown = [d for d in grid.columnDefs if not d.get("hide")]
    totals = grid.dashGridOptions["pinnedBottomRowData"][0]
    assert totals[shown[0]["field"]] == "合计"
    # Text in a column of any type: AG Grid does not parse it as a date or a number.
    assert shown[0].get("cellDataType") is False
    assert all(d["field"] in totals for d in shown[1:] if d["field"] in {
        m.key for m in report.measures})


@pytest.mark.parametrize(("slug", "key", "group_by"), CASES)
def test_the_export_total_row_and_its_figures(engine: Engine, as_of: date, slug: str,
                                              key: str | None, group_by: list[str] | None
                                              ) -> None:
    report, _, s = _summary(engine, as_of, slug, key, group_by)
    lines = list(csv.reader(io.StringIO("".join(summary_csv(s)).lstrip("\ufeff"))))
    assert lines[0] == [c.label for c in s.columns]
    assert lines[-1][0] == "合计" and len(lines) == len(s.rows) + 2
    # A summary shows codes and names, never a dimension's internal id.
    ids = {d.key for d in report.dims if d.lookup is not None}
    assert not ids & {c.key for c in s.columns}, [c.key for c in s.columns]
    by_key = {m.key: m for m in report.measures}
    assert set(s.totals) == {c.key for c in s.columns if c.key in by_key}
    for k, total in s.totals.items():
        m = by_key[k]
        if m.kind in {"sum", "count"} and total is not None and not s.truncated:
            rows = sum(r[k] or 0 for r in s.rows)
            assert math.isclose(rows, total, abs_tol=0.01 * len(s.rows) + 0.01), k
        if m.kind == "ratio" and total is not None and m.numerator in s.totals:
            num, den = s.totals[m.numerator], s.totals[m.denominator or ""]
            assert math.isclose(total, num / den * m.scale, rel_tol=1e-6), k
        if m.kind == "diff" and m.numerator in s.totals:
            assert math.isclose(total, s.totals[m.numerator] - s.totals[m.denominator or ""],
                                abs_tol=0.01), k


@pytest.mark.parametrize(("slug", "key", "group_by"), CASES)
def test_no_summary_splits_the_chosen_month_into_months(slug: str, key: str | None,
                                                        group_by: list[str] | None) -> None:
    """A measure of the chosen month only, grouped by month, is 0 in every other month."""
    report = CATALOG[slug]
    summary = next((s for s in report.summaries if s.key == key), None)
    dims = {d.key: d for d in report.dims}
    grouped = group_by or (summary.dimensions if summary else ())
    filters = {f.key: f for f in report.filters}
    shown = set(summary.measures) if summary and summary.measures else \
        {m.key for m in report.measures}
    for m in report.measures:
        f = filters.get(m.period or "")
        if m.key not in shown or f is None or f.op != "ytd":
            continue
        column = re.compile(rf"\b{re.escape(m.period_column or f.column)}\b")
        splitting = [g for g in grouped if column.search(dims[g].column)]
        assert not splitting, f"{slug} {key}: {m.label} split by {splitting}"


def test_the_monthly_report_by_month_shows_each_months_figures(engine: Engine,
                                                               as_of: date) -> None:
    _, _, s = _summary(engine, as_of, "premium-received-monthly", "by-month", None)
    assert [r["month_no"] for r in s.rows] == list(range(1, as_of.month + 1))
    labels = [c.label for c in s.columns]
    assert "实收保费(原币)" not in labels and "合计(折人民币)" not in labels
    assert all(r["ytd_received"] > 0 for r in s.rows)
    assert math.isclose(sum(r["ytd_received"] for r in s.rows), s.totals["ytd_received"],
                        abs_tol=0.01)
