"""6.6 数据装载: upload the night's files (a zip, or the files themselves), load them
into a new store in the background with a progress bar, read the rejects, and see the
load history. Administrators only, checked on the server in every callback and route.

Large loads (millions of rows) run from the command line (``python -m data.load``);
the page is for the daily files.
"""

from __future__ import annotations

import base64
import io
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, dcc, html
from flask import Response, abort

import auth
from data.layout import BY_NAME
from data.load import FORMATS, load, load_history
from data.settings import Settings
from layouts.grid import LOCALE_TEXT, column_defs
from pages.reports import forbidden_notice
from queries.engine import ColumnMeta

SLUG = "admin-loads"
MAX_UPLOAD_BYTES = 200 * 2**20
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


@dataclass
class LoadJob:
    owner: str
    folder: Path
    progress: float = 0.0
    step: str = "排队"
    started: bool = False
    done: bool = False
    message: str = ""
    ok: bool = False
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rejects_path: Path | None = None


_jobs: dict[str, LoadJob] = {}
_lock = threading.Lock()


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
                 "格式见 docs/IMPORT.md)。校验全部通过才会替换数据仓库; 有错误时数据仓库不变, "
                 "并列出每一处错误。", size="sm", c="dimmed"),
        dcc.Upload(id="load-upload", multiple=True, max_size=MAX_UPLOAD_BYTES,
                   children=dmc.Paper(withBorder=True, p="lg", children=dmc.Text(
                       "拖放文件到这里, 或点击选择 (zip / csv / parquet / xlsx)", ta="center"))),
        dmc.Group(children=[
            dmc.Checkbox(id="load-incremental", label="增量 (当日新增和变更的行)"),
            dmc.Checkbox(id="load-partial", label="只导入正确的行 (列出剔除的每一行)"),
            dmc.Button("开始导入", id="load-start"),
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


def _save_uploads(folder: Path, names: list[str], contents: list[str]) -> list[str]:
    """Write the uploaded files (zips unpacked) into ``folder``; returns the file names."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, content in zip(names, contents, strict=True):
        data = base64.b64decode(content.split(",", 1)[1])
        if name.lower().endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    target = PurePosixPath(member.filename).name  # no folders, no '..'
                    if member.is_dir() or not target.endswith(FORMATS):
                        continue
                    if member.file_size > MAX_UPLOAD_BYTES:
                        raise ValueError(f"{target}: 超过 {MAX_UPLOAD_BYTES // 2**20} MB")
                    (folder / target).write_bytes(archive.read(member))
                    saved.append(target)
        elif name.endswith(FORMATS):
            (folder / PurePosixPath(name).name).write_bytes(data)
            saved.append(PurePosixPath(name).name)
    return saved


def _run(job: LoadJob, settings: Settings, incremental: bool, partial: bool) -> None:
    def progress(step: str, fraction: float) -> None:
        job.step, job.progress = step, fraction

    try:
        result = load(job.folder, settings.store_path, settings, incremental=incremental,
                      partial=partial, user=job.owner, progress=progress)
        job.ok, job.message = result.ok, result.message
        job.rejects = [{"file": r.file, "row": r.row, "column": r.column, "value": r.value,
                        "reason": r.reason} for r in result.rejects]
        job.rejects_path = result.rejects_path
        auth.audit.record_to(settings.users_db, "data_load", username=job.owner, page=SLUG,
                             detail={"ok": result.ok, "rejects": len(result.rejects)})
    except Exception as exc:  # the page must say what went wrong, not hang
        job.ok, job.message = False, f"导入失败: {exc}"
    finally:
        job.progress, job.done = 1.0, True


def register(app: Dash, settings: Settings) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="数据装载", layout=layout)
    uploads = settings.store_path.parent / "imports"

    @app.callback(Output("load-files", "children"), Output("load-job", "data"),
                  Input("load-upload", "contents"), State("load-upload", "filename"),
                  prevent_initial_call=True)
    def received(contents, names):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        job_id = uuid.uuid4().hex
        folder = uploads / f"{time.strftime('%Y%m%d-%H%M%S')}-{job_id[:8]}"
        try:
            saved = _save_uploads(folder, names or [], contents or [])
        except (ValueError, zipfile.BadZipFile) as exc:
            return f"上传的文件无法使用: {exc}", None
        unknown = [n for n in saved if n.rsplit(".", 1)[0] not in BY_NAME]
        if unknown or not saved:
            return (f"不认识的文件: {', '.join(unknown)} (文件名应为实体名, 见 docs/IMPORT.md)"
                    if unknown else "没有可导入的文件 (csv / parquet / xlsx)"), None
        with _lock:
            _jobs[job_id] = LoadJob(viewer.username, folder)
        return f"已上传 {len(saved)} 个文件: {', '.join(sorted(saved))}", job_id

    @app.callback(Output("load-poll", "disabled"), Output("load-progress", "value"),
                  Output("load-status", "children"), Output("load-rejects", "children"),
                  Output("load-history", "rowData"), Output("load-start", "disabled"),
                  Input("load-start", "n_clicks"), Input("load-poll", "n_intervals"),
                  State("load-job", "data"), State("load-incremental", "checked"),
                  State("load-partial", "checked"), prevent_initial_call=True)
    def drive(_clicks, _ticks, job_id, incremental, partial):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        job = _jobs.get(job_id or "")
        if job is None or job.owner != viewer.username:
            return True, 0, "请先上传文件", None, dash.no_update, False
        if dash.ctx.triggered_id == "load-start":
            if not job.started:
                job.started = True
                threading.Thread(target=_run, daemon=True,
                                 args=(job, settings, bool(incremental), bool(partial))).start()
            return False, 0, "开始导入 …", None, dash.no_update, True
        if not job.done:
            return False, job.progress * 100, f"{job.step} …", None, dash.no_update, True
        rejects = None
        if job.rejects:
            rejects = dmc.Stack(gap=4, children=[
                dmc.Group(children=[
                    dmc.Text(f"{len(job.rejects):,} 处错误/剔除 (显示前 500 处)", size="sm"),
                    dmc.Anchor("下载错误清单 CSV", href=f"/admin/loads/{job_id}/rejects.csv",
                               refresh=True, size="sm")]),
                _grid("load-rejects-grid", REJECT_COLUMNS, job.rejects[:500]),
            ])
        status = dmc.Alert(job.message, color="green" if job.ok else "red")
        return True, 100, status, rejects, load_history(settings), False

    @app.server.get("/admin/loads/<job_id>/rejects.csv")
    def rejects_csv(job_id: str) -> Response:
        viewer = auth.require_page(SLUG)
        job = _jobs.get(job_id)
        if job is None or job.owner != viewer.username or job.rejects_path is None:
            abort(404)
        resp = Response(job.rejects_path.read_bytes(), mimetype="text/csv; charset=utf-8")
        resp.headers["Content-Disposition"] = "attachment; filename=rejects.csv"
        return resp
