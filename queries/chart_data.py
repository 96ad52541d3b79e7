"""What a summary's chart shows, as plain data: which chart, the x values in order, the
largest groups only when there are too many, bars of one x added up, the series. The
Plotly figure is drawn from it by ``layouts/charts.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from queries.engine import SummaryResult
from queries.spec import Chart, ColType, Dim, Report, Summary

__all__ = ["CHART_BARS", "ChartData", "SummaryResult", "band_label", "is_band", "is_month",
           "missing_label", "shape"]

CHART_BARS = 20
BAND_PREFIX = re.compile(r"^\d\d ")


def band_label(value: Any) -> str:
    """'01 30天以内' → '30天以内': the ordinal only keeps bands in order."""
    return BAND_PREFIX.sub("", str(value))


def missing_label(dim_key: str) -> str:
    """What a missing value is called on screen: business without an agent has none."""
    return "无代理人" if "agent" in dim_key else "空"


def is_band(dim: Dim | None) -> bool:
    return dim is not None and dim.column.endswith("_band")


def is_month(dim: Dim | None) -> bool:
    return dim is not None and dim.column.replace(" ", "").startswith("month(")


@dataclass(frozen=True)
class ChartData:
    chart: Chart  # the declared chart, its x replaced by the cube's chart-by choice
    kind: str  # bar, line, … (many days read as a line)
    x_key: str  # the row key of the x values (a dimension's _label when it has one)
    x_dim: Dim | None
    over_time: bool
    color: str | None  # the row key splitting series, if any
    rows: list[dict[str, Any]]  # the rows drawn, in drawing order
    note: str | None  # what the chart leaves out
    labels: dict[str, str]  # measure key → label
    types: dict[str, ColType]  # measure key → type
    previous_year: list[dict[str, Any]] | None


def _top_groups(rows: list[dict[str, Any]], x_key: str, y: str
                ) -> tuple[list[dict[str, Any]], bool]:
    """The rows of the CHART_BARS x values largest by ``y`` (largest first)."""
    by_x: dict[Any, float] = {}
    for r in rows:
        by_x[r[x_key]] = by_x.get(r[x_key], 0) + float(r[y] or 0)
    top = set(sorted(by_x, key=lambda x: by_x[x], reverse=True)[:CHART_BARS])
    if len(top) == len(by_x):
        return rows, False
    return sorted((r for r in rows if r[x_key] in top), key=lambda r: -by_x[r[x_key]]), True


def _summed(rows: list[dict[str, Any]], x_key: str, color: str | None,
            ys: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per x (and colour): other dimensions split a bar (a day per branch)."""
    summed: dict[Any, dict[str, Any]] = {}
    for r in rows:
        key = (r[x_key], color and r[color])
        acc = summed.setdefault(key, {x_key: r[x_key], **({color: r[color]} if color else {}),
                                      **dict.fromkeys(ys, 0)})
        for y in ys:
            acc[y] += r[y] or 0
    return list(summed.values())


def shape(summary: Summary | None, result: SummaryResult, report: Report,
          chart_by: str | None = None) -> ChartData | None:
    """The chart of ``summary`` over ``result``; None when there is nothing to draw."""
    if summary is None or summary.chart is None or not result.rows:
        return None
    c = summary.chart
    if chart_by and chart_by in result.group_by and chart_by != c.x.removesuffix("_label"):
        c = Chart(c.kind, chart_by, c.y, None, c.compare)
    labels = {m.key: m.label for m in report.measures}
    types = {m.key: m.type for m in report.measures}
    x_key = f"{c.x}_label" if f"{c.x}_label" in result.rows[0] else c.x
    x_dim = next((d for d in report.dims if d.key == c.x.removesuffix("_label")), None)
    over_time = x_dim is not None and (x_dim.type in {"date", "year"} or is_month(x_dim))
    color = c.color if c.color and c.color in result.rows[0] else None
    rows = result.rows
    note = None
    kind = "line" if over_time and len(rows) > 60 else c.kind
    if kind != "line" and not over_time and len(rows) > CHART_BARS:
        # Thousands of bars say nothing: the x values largest by the first measure.
        rows, cut = _top_groups(rows, x_key, c.y[0])
        if cut:
            note = f"{labels[c.y[0]]}最大的 {CHART_BARS} 组" + (
                f" (屏幕上的前 {len(result.rows):,} 组中)" if result.truncated else "")
    if len({(r[x_key], color and r[color]) for r in rows}) < len(rows) \
            and all(types[y] in {"money", "int"} for y in c.y):
        rows = _summed(rows, x_key, color, c.y)
    if over_time:
        # Years, months and days in order (months by number: 1, 2, … 12, not 1, 10, 11).
        rows = sorted(rows, key=lambda r: (r[x_key] is None, r[x_key]))
    if result.truncated and note is None:
        note = f"屏幕上的前 {len(result.rows):,} 组"  # the chart does not cover them all
    return ChartData(c, kind, x_key, x_dim, over_time, color, rows, note, labels, types,
                     result.previous_year)
