"""The background Excel export of a detail list: a button, then a progress bar with
cancel, then a download link. Pattern-matching ids: one set of callbacks serves every
report (``callbacks/export_callbacks.py``)."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import dcc, html

POLL_MS = 700


def export_ids(slug: str) -> dict[str, dict[str, str]]:
    names = ("export-start", "export-job", "export-poll", "export-box", "export-text",
             "export-progress", "export-cancel", "export-link", "export-message")
    return {n: {"type": n, "report": slug} for n in names}


def export_button(slug: str) -> Any:
    return dmc.Button("Excel", id=export_ids(slug)["export-start"], variant="subtle",
                      size="compact-sm", n_clicks=0)


def export_panel(slug: str) -> Any:
    """Hidden until a job starts; the poll interval runs only while a job runs."""
    ids = export_ids(slug)
    return html.Div([
        dcc.Store(id=ids["export-job"]),
        dcc.Interval(id=ids["export-poll"], interval=POLL_MS, disabled=True),
        html.Div(id=ids["export-message"]),
        dmc.Paper(id=ids["export-box"], withBorder=True, p="sm", mb="xs", radius="md",
                  style={"display": "none"}, children=[
                      dmc.Text("正在准备导出…", id=ids["export-text"], size="sm", mb=6),
                      dmc.Progress(id=ids["export-progress"], value=0, size="lg",
                                   striped=True, animated=True),
                      dmc.Group(mt=8, gap="md", children=[
                          dmc.Button("取消导出", id=ids["export-cancel"], color="red",
                                     variant="light", size="compact-sm", n_clicks=0),
                          dmc.Anchor("下载 Excel 文件", id=ids["export-link"], href="",
                                     refresh=True, size="sm", fw=600,
                                     style={"display": "none"}),
                      ]),
                  ]),
    ])
