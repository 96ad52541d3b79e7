"""6.6 数据装载: upload the night's files (a zip, or the files themselves), load them
into a new store as a background job with a progress bar, read the rejects, and see the
load history. Administrators only, checked on the server in every callback and route.

The load runs in a job process (``ops.load_job``), its state in the operational store,
so any web worker answers the page's polls and the load outlives the worker that took
the upload. Large loads (millions of rows) run from the command line
(``python -m data.load``); the page is for the daily files.
"""

from __future__ import annotations

import base64
from typing import Any

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, dcc, html
from flask import Response, abort

import auth
from data.importer.history import load_history
from data.settings import Settings
from layouts.grid import LOCALE_TEXT, column_defs
from layouts.import_rules import import_rules
from ops import jobs, load_job
from pages.reports import forbidden_notice
from queries.engine import ColumnMeta

SLUG = "admin-loads"
MAX_UPLOAD_BYTES = load_job.MAX_UPLOAD_BYTES
HISTORY_COLUMNS = [ColumnMeta("finished_at", "完成时间 (UTC)", "text"),
                   ColumnMeta("username", "操作人", "code"), ColumnMeta("source", "来源", "text"),
                   ColumnMeta("files", "文件", "text"), ColumnMeta("rows_read", "读取行数", "int"),
                   ColumnMeta("rows_loaded", "导入行数", "int"),
                   ColumnMeta("rows_rejected", "错误/剔除", "int"),
                   ColumnMeta("seconds", "用时(秒)", "number"),
                   ColumnMeta("message", "结果", "text")]
REJECT_COLUMNS = [ColumnMeta("file", "文件", "text"), ColumnMeta("row", "行", "year"),
                  ColumnMeta("column", "列", "code"), ColumnMeta("value", "值", "text"),
                  ColumnMeta("reason", "原因", "text")]
NO_UPLOAD = "请先上传文件"


def _grid(grid_id: str, columns: list[ColumnMeta], rows: list[dict[str, Any]]) -> Any:
    return dag.AgGrid(id=grid_id, rowData=rows, columnDefs=column_defs(columns),
                      defaultColDef={"flex": 1, "minWidth": 110},
                      dashGridOptions={"localeText": LOCALE_TEXT},
                      style={"height": "300px"})


def layout(**_args: str) -> Any:
    try:
        auth.require_page(SLUG)
    except auth.Forbidden:
        return forbidden_notice("数据装载")
    settings: Settings = auth.current_settings()
    return dmc.Stack(children=[
        dmc.Title("6.6 数据装载", order=3),
        dmc.Text("上传核心系统导出的当日文件 (每个实体一个 CSV/Parquet/Excel 文件, 可打成 zip; "
                 "文件名为实体名, 如 policy.csv)。校验全部通过才会替换数据仓库; "
                 "有错误时数据仓库不变, 并列出每一处错误。", size="sm", c="dimmed"),
        import_rules(),
        dcc.Upload(id="load-upload", multiple=True, max_size=MAX_UPLOAD_BYTES,
                   children=dmc.Paper(withBorder=True, p="lg", children=dmc.Text(
                       "拖放文件到这里, 或点击选择 (zip / csv / parquet / xlsx)", ta="center"))),
        dmc.Group(children=[
            dmc.Checkbox(id="load-incremental", label="增量 (当日新增和变更的行)"),
            dmc.Checkbox(id="load-partial", label="只导入正确的行 (列出剔除的每一行)"),
            dmc.Button("开始导入", id="load-start"),
            dmc.Button("取消导入", id="load-cancel", variant="outline", color="red",
                       disabled=True),
        ]),
        dmc.Text(id="load-files", size="sm"),
        dmc.Progress(id="load-progress", value=0, size="lg"),
        dmc.Text(id="load-status", size="sm"),
        dcc.Store(id="load-job"),
        dcc.Interval(id="load-poll", interval=700, disabled=True),
        html.Div(id="load-rejects"),
        dmc.Title("装载历史", order=4),
        _grid("load-history", HISTORY_COLUMNS, load_history(settings)),
    ])


def _decoded(names: list[str], contents: list[str]) -> list[tuple[str, bytes]]:
    return [(name, base64.b64decode(content.split(",", 1)[1]))
            for name, content in zip(names, contents, strict=True)]


def _finished(job: jobs.Job, settings: Settings) -> tuple[Any, ...]:
    shown = job.result.get("rejects") or []
    rejects = None
    if shown:
        total = int(job.result.get("rejects_total", len(shown)))
        rejects = dmc.Stack(gap=4, children=[
            dmc.Group(children=[
                dmc.Text(f"{total:,} 处错误/剔除 (显示前 {len(shown):,} 处)", size="sm"),
                dmc.Anchor("下载错误清单 CSV", href=f"/admin/loads/{job.job_id}/rejects.csv",
                           refresh=True, size="sm")]),
            _grid("load-rejects-grid", REJECT_COLUMNS, shown),
        ])
    ok = job.state == "done" and bool(job.result.get("ok"))
    status = dmc.Alert(job.message, color="green" if ok else "red")
    return True, 100, status, rejects, load_history(settings), False


def _register_received(app: Dash, settings: Settings) -> None:
    @app.callback(Output("load-files", "children"), Output("load-job", "data"),
                  Input("load-upload", "contents"), State("load-upload", "filename"),
                  prevent_initial_call=True)
    def received(contents, names):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        upload_id = jobs.new_job_id()
        folder = load_job.upload_folder(settings, upload_id)
        try:
            saved = load_job.save_files(folder, _decoded(names or [], contents or []))
        except load_job.UploadRefused as exc:
            return str(exc), None
        load_job.mark_owner(folder, viewer.username)
        return f"已上传 {len(saved)} 个文件: {', '.join(sorted(saved))}", upload_id


def _register_drive(app: Dash, settings: Settings) -> None:
    @app.callback(Output("load-poll", "disabled"), Output("load-progress", "value"),
                  Output("load-status", "children"), Output("load-rejects", "children"),
                  Output("load-history", "rowData"), Output("load-start", "disabled"),
                  Input("load-start", "n_clicks"), Input("load-poll", "n_intervals"),
                  State("load-job", "data"), State("load-incremental", "checked"),
                  State("load-partial", "checked"), prevent_initial_call=True)
    def drive(_clicks, _ticks, job_id, incremental, partial):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        idle = (True, 0, NO_UPLOAD, None, dash.no_update, False)
        if dash.ctx.triggered_id == "load-start":
            try:
                job = load_job.start(settings, job_id or "", user_id=viewer.user_id,
                                     username=viewer.username, incremental=bool(incremental),
                                     partial=bool(partial))
            except KeyError:
                return idle
            if job.user_id != viewer.user_id:
                return idle
            return False, 0, "开始导入 …", None, dash.no_update, True
        job = load_job.owned_job(settings, job_id or "", viewer.user_id)
        if job is None:
            return idle
        if not job.finished:
            step = "排队等待 (另一个导入正在进行)" if job.state == "queued" else job.step
            return False, job.progress * 100, f"{step} …", None, dash.no_update, True
        return _finished(job, settings)


def _register_cancel(app: Dash, settings: Settings) -> None:
    @app.callback(Output("load-status", "children", allow_duplicate=True),
                  Input("load-cancel", "n_clicks"), State("load-job", "data"),
                  prevent_initial_call=True)
    def cancel(_clicks, job_id):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        job = load_job.owned_job(settings, job_id or "", viewer.user_id)
        if job is None or job.finished:
            return dash.no_update
        jobs.request_cancel(settings.users_db, job.job_id)
        return "正在取消 … (新的数据仓库生成前停止)"


def _register_rejects_csv(app: Dash, settings: Settings) -> None:
    @app.server.get("/admin/loads/<job_id>/rejects.csv")
    def rejects_csv(job_id: str) -> Response:
        viewer = auth.require_page(SLUG)
        job = load_job.owned_job(settings, job_id, viewer.user_id)
        if job is None or not job.result.get("rejects_csv"):
            abort(404)
        path = load_job.rejects_path(settings, job.job_id)
        if not path.exists():
            abort(404)
        resp = Response(path.read_bytes(), mimetype="text/csv; charset=utf-8")
        resp.headers["Content-Disposition"] = "attachment; filename=rejects.csv"
        return resp


def register(app: Dash, settings: Settings) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="数据装载", layout=layout)
    _register_received(app, settings)
    _register_drive(app, settings)

    # 取消导入 is offered exactly while a load runs (开始导入 is disabled then).
    app.clientside_callback("function (running) { return !running; }",
                            Output("load-cancel", "disabled"), Input("load-start", "disabled"))
    _register_cancel(app, settings)
    _register_rejects_csv(app, settings)
