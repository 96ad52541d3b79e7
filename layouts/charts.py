"""A summary's chart, in the product's one style: Chinese locale, money ticks in 万 and
亿, integer ticks for counts, months in date order, a title with the unit, a legend that
never covers the title, and missing values named (无代理人, 空) as on the grids."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from dash import dcc

from queries.chart_data import (
    SummaryResult,
    band_label,
    is_band,
    is_month,
    missing_label,
    shape,
)
from queries.spec import Dim, Report, Summary

__all__ = ["band_label", "chart", "chart_choices", "is_band", "is_month", "missing_label",
           "value_axis"]
FONT = "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
PALETTE = ["#1c7ed6", "#f08c00", "#2f9e44", "#e03131", "#7048e8", "#0c8599", "#d6336c",
           "#66a80f", "#5c7cfa", "#868e96"]
TEMPLATE = "insurance"
pio.templates[TEMPLATE] = go.layout.Template(layout={
    "font": {"family": FONT, "size": 12, "color": "#343a40"},
    "colorway": PALETTE,
    "paper_bgcolor": "white", "plot_bgcolor": "white",
    "title": {"x": 0, "xanchor": "left", "font": {"size": 14, "color": "#212529"}},
    "xaxis": {"showgrid": False, "linecolor": "#ced4da", "ticks": "outside",
              "tickcolor": "#ced4da", "automargin": True},
    "yaxis": {"gridcolor": "#e9ecef", "zerolinecolor": "#adb5bd", "automargin": True},
    "hoverlabel": {"font": {"family": FONT}},
    "separators": ".,",
})

# Plotly's own texts (mode bar, dates) in Chinese, carried with each chart.
ZH_LOCALE = {
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形选择", "Click to enter Colorscale title":
        "点击输入色阶标题", "Compare data on hover": "悬停时比较数据",
        "Double-click to zoom back out": "双击还原", "Download plot": "下载图表",
        "Download plot as a png": "下载图表 (PNG)",
        "Lasso Select": "套索选择", "Orbital rotation": "轨道旋转", "Pan": "平移",
        "Produced with Plotly.js": "由 Plotly.js 生成", "Reset": "重置", "Reset axes":
        "重置坐标轴", "Reset view": "重置视图", "Show closest data on hover": "悬停显示最近的数据",
        "Snapshot succeeded": "截图成功", "Taking snapshot - this may take a few seconds":
        "正在截图, 请稍候", "Toggle Spike Lines": "显示/隐藏辅助线", "Zoom": "缩放",
        "Zoom in": "放大", "Zoom out": "缩小", "Click to enter Plot title": "点击输入图表标题",
        "Click to enter X axis title": "点击输入 X 轴标题",
        "Click to enter Y axis title": "点击输入 Y 轴标题", "trace": "系列",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
                   "十一月", "十二月"],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d", "decimal": ".", "thousands": ",", "grouping": [3],
        "currency": ["¥", ""], "year": "%Y年", "month": "%Y-%m", "dayMonth": "%m-%d",
        "dayMonthYear": "%Y-%m-%d",
    },
}
GRAPH_CONFIG: dcc.Graph.Config = {
    "displaylogo": False, "locale": "zh-CN", "locales": {"zh-CN": ZH_LOCALE},
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}
UNITS = {"money": "元", "percent": "%", "ratio": "", "int": "", "number": "", "days": "天"}


def _nice_step(span: float, integer: bool) -> float:
    raw = span / 5 if span > 0 else 1
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * 0.999)
    return max(1, round(step)) if integer else step


def _unit(top: float, kind: str) -> tuple[float, str]:
    if kind != "money":
        return 1, ""
    if top >= 1e8:
        return 1e8, "亿"
    return (1e4, "万") if top >= 1e4 else (1, "")


def value_axis(values: list[float], kind: str) -> dict[str, Any]:
    """Ticks of a value axis: money in 万 / 亿, whole numbers for counts, % for rates."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    lo, hi = min([0.0, *finite]), max([0.0, *finite])
    if hi == lo:
        hi = lo + 1
    step = _nice_step(hi - lo, kind == "int")
    first, last = math.floor(lo / step), math.ceil(hi / step)
    ticks = [i * step for i in range(first, last + 1)]
    scale, suffix = _unit(max(abs(lo), abs(hi)), kind)

    def text(v: float) -> str:
        if v == 0:
            return "0"
        shown = f"{v / scale:,.2f}".rstrip("0").rstrip(".")
        return shown + suffix + ("%" if kind == "percent" else "")

    return {"tickvals": ticks, "ticktext": [text(v) for v in ticks],
            "range": [ticks[0], ticks[-1]], "tickmode": "array"}


def _x_text(dim: Dim | None, value: Any, key: str) -> str:
    if value is None:
        return missing_label(key)
    if is_month(dim):
        return f"{int(value)}月"
    return band_label(value) if is_band(dim) else str(value)


def chart(summary: Summary | None, result: SummaryResult, report: Report,
          chart_by: str | None = None) -> Any:
    data = shape(summary, result, report, chart_by)
    if data is None:
        return None
    c, kind, x_key, x_dim, over_time = data.chart, data.kind, data.x_key, data.x_dim, \
        data.over_time
    color, source, note, labels, types = data.color, data.rows, data.note, data.labels, \
        data.types
    horizontal = kind == "bar" and not over_time and any(
        len(_x_text(x_dim, r[x_key], c.x)) > 8 for r in source)
    series: list[tuple[str, Any]] = [(y, None) for y in c.y]
    if color:
        color_dim = next((d for d in report.dims if d.key == color), None)
        groups = sorted({r[color] for r in result.rows}, key=lambda g: (g is None, str(g)))
        series = [(c.y[0], g) for g in groups]
    else:
        color_dim = None
    fig = go.Figure()
    values: list[float] = []
    for y, group in series:
        rows = [r for r in source if group is None or (color and r[color] == group)]
        xs = [_x_text(x_dim, r[x_key], c.x) for r in rows]
        ys = [r[y] for r in rows]
        name = labels[y] if group is None else _x_text(color_dim, group, color or "")
        values += [v for v in ys if v is not None]
        hover = "%{y:,.2f}" if types[y] != "int" else "%{y:,d}"
        if horizontal:
            fig.add_trace(go.Bar(x=ys[::-1], y=xs[::-1], name=name, orientation="h",
                                 hovertemplate=f"%{{y}}: {hover.replace('y:', 'x:')}"
                                               f"<extra>{name}</extra>"))
            continue
        trace = go.Scatter(x=xs, y=ys, name=name, mode="lines") if kind == "line" else \
            go.Bar(x=xs, y=ys, name=name)
        trace.hovertemplate = f"%{{x}}: {hover}<extra>{name}</extra>"
        fig.add_trace(trace)
        if data.previous_year is not None and group is None:
            # The same x values one year earlier, 0 where nothing happened then.
            earlier = {_x_text(x_dim, r[x_key], c.x): r[y] for r in data.previous_year}
            ys_prev = [earlier.get(x, 0) for x in xs]
            values += [v for v in ys_prev if v is not None]
            name_prev = f"{name} (上年同期)"
            prev = go.Scatter(x=xs, y=ys_prev, name=name_prev, mode="lines") \
                if kind == "line" else go.Bar(x=xs, y=ys_prev, name=name_prev)
            prev.hovertemplate = f"%{{x}}: {hover}<extra>{name_prev}</extra>"
            fig.add_trace(prev)
    value_kind = types[c.y[0]]
    unit = UNITS.get(value_kind, "")
    x_label = x_dim.label if x_dim else ""
    title = "、".join(labels[y] for y in c.y) + (f" · 按{x_label}" if x_label else "") + \
        (f" (单位: {unit})" if unit else "")
    axis = value_axis(values, value_kind)
    n_series = len(fig.data)
    legend_on_top = n_series <= 3
    top = (84 if note else 66) if legend_on_top else (60 if note else 42)
    height = 80 + 24 * len(source) + top if horizontal else 340
    fig.update_layout(
        template=TEMPLATE, height=height, barmode="group", showlegend=n_series > 1,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        title={"text": title, "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 10}, **({"subtitle": {"text": note, "font": {"size": 11,
                                                  "color": "#868e96"}}} if note else {})},
        # Between the title and the plot, or at the right with many series: never on the title.
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"}
        if legend_on_top else {"orientation": "v", "x": 1.01, "y": 1, "yanchor": "top"},
    )
    category = {"type": "category", "automargin": True}
    if horizontal:
        fig.update_layout(xaxis=axis, yaxis=category)
    else:
        fig.update_layout(xaxis=category, yaxis=axis)
    return dcc.Graph(figure=fig, config=GRAPH_CONFIG, id="summary-chart")


def chart_choices(report: Report, group_by: tuple[str, ...]) -> list[dict[str, str]]:
    """The group-bys a cube's chart can be drawn by (one bar per value of it)."""
    dims = {d.key: d for d in report.dims}
    return [{"value": k, "label": dims[k].label} for k in group_by if k in dims]
