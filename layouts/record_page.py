"""A record page (a policy, a claim): its sections as cards of fields or small grids,
drawn from ``queries.record_data``; numbers of other records link to their pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import dcc, html

from layouts.grid import LOCALE_TEXT, column_defs
from queries.links import record_url
from queries.spec import DECIMALS

if TYPE_CHECKING:
    from queries.record_data import RecordView, SectionRows

KIND_WORDS = {"policy": "保单", "claim": "赔案"}


def shown_value(kind: str, value: Any) -> str:
    """A field as the grids show it: thousands separators, the type's decimals, 空 → —."""
    if value is None or value == "":
        return "—"
    if kind in DECIMALS and isinstance(value, (int, float)):
        text = f"{value:,.{DECIMALS[kind]}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    return str(value)


def _color(alert: tuple[float, float] | None, value: Any) -> str | None:
    # As the grids' alertStyle: amber above the first threshold, red above the second.
    if alert is None or not isinstance(value, (int, float)):
        return "red.8" if isinstance(value, (int, float)) and value < 0 else None
    return "red.8" if value > alert[1] else "orange.8" if value > alert[0] else None


def _field(section: SectionRows, key: str, label: str, kind: str, value: Any, *,
           own: str) -> Any:
    col = next((c for c in section.section.list.detail if c.key == key), None)
    link = col.link if col else None
    text = shown_value(kind, value)
    color = _color(col.alert if col else None, value) if kind in DECIMALS else None
    body: Any = dmc.Text(text, size="sm", fw=500, **({"c": color} if color else {}))
    if link and value and str(value) != own:  # the page's own number links nowhere
        body = dcc.Link(text, href=record_url(link, str(value)), className="record-link",
                        style={"fontSize": "var(--mantine-font-size-sm)", "fontWeight": 500},
                        id={"type": "record-link", "kind": link, "key": key})
    return dmc.Stack(gap=0, children=[dmc.Text(label, size="xs", c="dimmed"), body])


def _card(section: SectionRows, own: str) -> Any:
    row = section.rows[0]
    return dmc.SimpleGrid(cols={"base": 2, "sm": 3, "lg": 4}, spacing="md",
                          verticalSpacing="xs", children=[
                              _field(section, c.key, c.label, c.type, row.get(c.key), own=own)
                              for c in section.columns])


def _grid(section: SectionRows) -> Any:
    if not section.rows:
        return dmc.Text("无", size="sm", c="dimmed")
    links = {c.key: c.link for c in section.section.list.detail if c.link}
    alerts = {c.key: c.alert for c in section.section.list.detail if c.alert}
    return html.Div(className="record-grid", children=dag.AgGrid(
        id={"type": "record-grid", "section": section.section.key},
        columnDefs=column_defs(section.columns, sortable=True, alerts=alerts, links=links),
        rowData=section.rows, columnSize="autoSize",
        dashGridOptions={"domLayout": "autoHeight", "localeText": LOCALE_TEXT},
        style={"width": "100%"}))


def _section(section: SectionRows, own: str) -> Any:
    more = f" (仅显示前 {section.section.limit:,} 行)" if section.more else ""
    count = "" if section.section.card else f" · {len(section.rows):,} 条{more}"
    return dmc.Paper(withBorder=True, p="md", radius="md",
                     id={"type": "record-section", "section": section.section.key},
                     children=[
                         dmc.Text(section.section.title + count, fw=600, mb="sm"),
                         _card(section, own) if section.section.card else _grid(section)])


def record_page(view: RecordView) -> Any:
    page = view.page
    return dmc.Stack(gap="md", children=[
        dmc.Stack(gap=2, children=[
            dmc.Title(f"{page.title}: {view.number}", order=3),
            dmc.Text("按您的数据范围显示; 浏览器“后退”返回上一页。", size="xs", c="dimmed")]),
        *[_section(s, view.number) for s in view.sections],
    ])


def record_missing(kind: str, number: str) -> Any:
    """The same answer for a record that does not exist and one the viewer may not see."""
    word = KIND_WORDS.get(kind, "记录")
    return dmc.Stack(gap="md", children=[
        dmc.Alert(f"{word} {number[:64]} 不存在, 或不在您的数据范围内。", color="red",
                  title="无权查看或不存在", id="record-missing"),
        html.Div(dmc.Anchor("返回首页", href="/")),
    ])
