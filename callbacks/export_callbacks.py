"""The background Excel export on every detail page: start, poll, cancel.

Registered once with pattern-matching ids (``layouts/export_panel.py``); the report
comes from the component id and every callback checks the signed-in user's page grant
on the server. A job id from the browser is only a handle: ``owned_status`` refuses a
job another user started, or one made under a different data scope.
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import MATCH, Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

import auth
from callbacks.triggered import triggered_report
from data.settings import Settings
from engines.base import Engine
from queries import engine as reporting
from queries import export_jobs
from queries.export import TooManyRowsForExcel
from queries.urls import export_url, filter_args, grid_args

SHOWN: dict[str, str] = {}
HIDDEN = {"display": "none"}


def _id(kind: str) -> dict[str, Any]:
    return {"type": kind, "report": MATCH}


def _message(text: str, color: str = "red", link: tuple[str, str] | None = None) -> Any:
    children: list[Any] = [dmc.Text(text, size="sm")]
    if link:
        children.append(dmc.Anchor(link[0], href=link[1], refresh=True, size="sm", fw=600))
    return dmc.Alert(children, color=color, mb="xs", withCloseButton=True,
                     title="无法导出 Excel" if color == "red" else None)


def progress_text(status: export_jobs.JobStatus) -> str:
    if status.state == "queued":
        return f"排队中: 共 {status.rows_total:,} 行"
    if status.state == "running":
        return (f"正在导出: {status.rows_done:,} / {status.rows_total:,} 行"
                f" ({status.percent:.0f}%)")
    if status.state == "done":
        return f"已完成: {status.rows_done:,} 行, 用时 {status.seconds or 0:.1f} 秒"
    return status.message or export_jobs.STATE_LABELS[status.state]


def grid_view(grid_request: dict[str, Any] | None
              ) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """The sort and column filters the user set on the detail grid (its last request)."""
    request = grid_request or {}
    sort = [(s["colId"], s["sort"]) for s in request.get("sortModel") or []]
    return sort, dict(request.get("filterModel") or {})


def csv_href(slug: str, query: dict[str, Any] | None, grid_request: dict[str, Any] | None
             ) -> str:
    """The CSV download of exactly the rows the grid shows, in its order."""
    sort, column_filters = grid_view(grid_request)
    return export_url(slug, "csv", {**filter_args(query), "level": "detail",
                                    **grid_args(sort, column_filters)})


def _register_follow_grid(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output(_id("export-csv"), "href"),
        Input({"type": "detail-grid", "report": MATCH}, "getRowsRequest"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def follow_grid(grid_request, query):  # type: ignore[no-untyped-def]
        return csv_href(triggered_report()[0].slug, query, grid_request)


def _register_start_export(app: Dash, engine: Engine) -> None:
    @app.callback(
        Output(_id("export-job"), "data"),
        Output(_id("export-poll"), "disabled"),
        Output(_id("export-box"), "style"),
        Output(_id("export-message"), "children"),
        Output(_id("export-cancel"), "disabled"),
        Input(_id("export-start"), "n_clicks"),
        State({"type": "page-query", "report": MATCH}, "data"),
        State({"type": "detail-grid", "report": MATCH}, "getRowsRequest"),
        prevent_initial_call=True,
    )
    def start_export(n_clicks, query, grid_request):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not n_clicks:
            raise PreventUpdate
        args = filter_args(query)
        sort, column_filters = grid_view(grid_request)
        try:
            status = export_jobs.start_job(engine, report, viewer, args, sort=sort,
                                           column_filters=column_filters)
        except TooManyRowsForExcel as exc:
            csv = csv_href(slug, query, grid_request)
            return (no_update, True, HIDDEN,
                    _message(str(exc), link=("改为导出 CSV (全部行)", csv)), no_update)
        except (reporting.FilterError, export_jobs.JobRefused) as exc:
            return no_update, True, HIDDEN, _message(str(exc)), no_update
        auth.audit.record("export", page=slug, rows=status.rows_total,
                          detail={"format": "xlsx", "level": "detail", "filters": args,
                                  "sort": sort, "column_filters": column_filters,
                                  "job": status.job_id})
        return status.job_id, False, SHOWN, None, False


def _register_poll_export(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output(_id("export-progress"), "value"),
        Output(_id("export-progress"), "color"),
        Output(_id("export-progress"), "animated"),
        Output(_id("export-text"), "children"),
        Output(_id("export-link"), "href"),
        Output(_id("export-link"), "style"),
        Output(_id("export-cancel"), "style"),
        Output(_id("export-poll"), "disabled", allow_duplicate=True),
        Input(_id("export-poll"), "n_intervals"),
        State(_id("export-job"), "data"),
        prevent_initial_call=True,
    )
    def poll_export(_ticks, job_id):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not job_id:
            raise PreventUpdate
        try:
            status = export_jobs.owned_status(settings, job_id, viewer)
        except export_jobs.ScopeChanged as exc:
            return 0, "red", False, str(exc), "", HIDDEN, HIDDEN, True
        if status is None or status.slug != slug:
            return 0, "red", False, "导出任务不存在或已过期", "", HIDDEN, HIDDEN, True
        text = progress_text(status)
        if not status.finished:
            return status.percent, "blue", True, text, "", HIDDEN, SHOWN, False
        if status.state == "done":
            return (100, "teal", False, text, status.public()["download_url"], SHOWN, HIDDEN,
                    True)
        color = "gray" if status.state == "cancelled" else "red"
        return status.percent, color, False, text, "", HIDDEN, HIDDEN, True


def _register_cancel_export(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output(_id("export-cancel"), "disabled", allow_duplicate=True),
        Input(_id("export-cancel"), "n_clicks"),
        State(_id("export-job"), "data"),
        prevent_initial_call=True,
    )
    def cancel_export(n_clicks, job_id):  # type: ignore[no-untyped-def]
        viewer = triggered_report()[1]
        if not n_clicks or not job_id:
            raise PreventUpdate
        try:
            status = export_jobs.owned_status(settings, job_id, viewer)
        except export_jobs.ScopeChanged:
            raise PreventUpdate from None
        if status is None:
            raise PreventUpdate
        export_jobs.request_cancel(settings, job_id)
        return True


def register(app: Dash, engine: Engine) -> None:
    _register_follow_grid(app, engine.settings)
    _register_start_export(app, engine)
    _register_poll_export(app, engine.settings)
    _register_cancel_export(app, engine.settings)
