"""What the 工作日志 pages share: the grant check of the page, the request's client
address for the audit, messages, a field's refusal shown at the field, grids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import html
from flask import request

import auth
from data.settings import Settings
from layouts.grid import LOCALE_TEXT
from ops.worklog_fields import WorklogError
from pages.reports import forbidden_notice
from queries.access import Viewer
from queries.links import customer_url
from queries.menu import WORKLOG_PAGES

TITLES = {p.slug: f"{p.number} {p.title}" for p in WORKLOG_PAGES}
MONEY_FORMAT = {"function": "fmtNumber(params.value, 2)"}
# A stored timestamp (ISO, seconds) shown to the minute.
MINUTES = {"function": "params.value ? params.value.replace('T', ' ').slice(0, 16) : ''"}


def minutes_text(stamp: str | None) -> str:
    """A stored timestamp (ISO, seconds) as the screens show it: to the minute."""
    return (stamp or "").replace("T", " ")[:16]


def page_layout(slug: str, build: Callable[[Viewer, Settings], Any]) -> Callable[..., Any]:
    """A page's layout behind its grant (checked on the server at every load)."""
    def layout(**_args: str) -> Any:
        try:
            viewer = auth.require_page(slug)
        except auth.Forbidden:
            return forbidden_notice(TITLES[slug])
        return build(viewer, auth.current_settings())

    return layout


def client_ip() -> str | None:
    return request.remote_addr


def ok(text: str) -> Any:
    return dmc.Alert(text, color="green", mt="xs", withCloseButton=False)


def refused(exc: WorklogError | str) -> Any:
    message = exc.message if isinstance(exc, WorklogError) else exc
    return dmc.Alert(message, color="red", mt="xs", title="未保存")


def field_errors(fields: tuple[str, ...], exc: WorklogError | None) -> list[str | None]:
    """One error per form field: the refused field's message at it, None elsewhere."""
    return [exc.message if exc is not None and exc.field == f else None for f in fields]


def money_column(field: str, header: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, "type": "rightAligned",
            "valueFormatter": MONEY_FORMAT, "maxWidth": 140, **extra}


def grid(grid_id: str, columns: list[dict[str, Any]], height: int = 360,
         select: bool = False) -> dag.AgGrid:
    options: dict[str, Any] = {"localeText": LOCALE_TEXT}
    if select:
        options["rowSelection"] = {"mode": "singleRow", "enableClickSelection": True,
                                   "checkboxes": False}
    return dag.AgGrid(id=grid_id, columnDefs=columns, rowData=[],
                      defaultColDef={"flex": 1, "minWidth": 90, "resizable": True,
                                     "sortable": True},
                      dashGridOptions=options, style={"height": f"{height}px"})


def section(title: str, *children: Any, **props: Any) -> Any:
    return dmc.Paper(withBorder=True, p="md", radius="md", **props, children=[
        dmc.Title(title, order=5, mb="sm"), *children])


def hidden(flag: bool) -> dict[str, str]:
    return {"display": "none"} if flag else {}


def spacer() -> Any:
    return html.Div(style={"height": 4})


def customer_badge(c: dict[str, Any]) -> Any:
    """A plan's customer: its name and 统一客户号 linked to 客户360; a prospect says its
    kind, and until a load has resolved it that its number is still to come."""
    name = c["customer_name"] or c["customer_code"] or ""
    kind = f" ({c['customer_kind']})" if c.get("customer_kind") else ""
    number = (dmc.Anchor(c["master_no"], href=customer_url(c["master_no"]), size="sm")
              if c.get("master_no") else
              dmc.Text("统一客户号待下次装载", size="xs", c="dimmed") if kind else None)
    return dmc.Group(gap=4, children=[dmc.Text(f"{name}{kind}", size="sm"), number])
