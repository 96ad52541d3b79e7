"""The JSON API and the exports: plain Flask routes behind the same sign-in, grant and
scope checks as the pages."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, after_this_request, request, send_file

import auth
from data.settings import Settings
from queries import engine, export_jobs
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.engine import SummaryResult
from queries.export import (
    TooManyRowsForExcel,
    detail_csv,
    detail_xlsx,
    summary_csv,
    summary_xlsx,
)
from queries.spec import Report
from queries.urls import export_url

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CONTROL = {"level", "group_by", "summary", "limit", "cursor", "sort", "run", "filter", "ssort"}


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def _report_or_404(slug: str) -> Report | Response:
    report = CATALOG.get(slug)
    if report is None:
        return _json({"error": f"未知报表 {slug}"}, 404)
    auth.require_page(slug)
    return report


def _args() -> dict[str, Any]:
    return {k: (v if len(v) > 1 else v[0]) for k, v in request.args.lists()
            if k not in CONTROL}


def _sort() -> list[tuple[str, str]]:
    out = []
    for part in filter(None, (request.args.get("sort") or "").split(",")):
        key, _, direction = part.partition(":")
        out.append((key, direction or "asc"))
    return out


def _summary_sort() -> list[tuple[str, str]] | None:
    """A summary's ``sort`` (the page's links say ``ssort``); None: the summary's default
    order, ``sort=`` empty: dimension order."""
    name = "sort" if "sort" in request.args else "ssort" if "ssort" in request.args else None
    if name is None:
        return None
    out = []
    for part in filter(None, (request.args.get(name) or "").split(",")):
        key, _, direction = part.partition(":")
        out.append((key, direction or "asc"))
    return out


def _positive_int(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise engine.FilterError(name, f"{name} 须为正整数 (收到 {text[:20]!r})")
    return value


def _column_filters() -> dict[str, Any]:
    """The grid's column filters (AG Grid's filterModel as JSON in ``filter``)."""
    text = request.args.get("filter")
    if not text:
        return {}
    try:
        model = json.loads(text)
    except ValueError:
        model = None
    if not isinstance(model, dict):
        raise engine.FilterError("filter", "列筛选参数无效: 应为 JSON 对象, 如 "
                                           '{"plate_no": {"type": "contains", "filter": "沪A"}}')
    return model


def _group_by() -> list[str] | None:
    value = request.args.get("group_by")
    return [g for g in value.split(",") if g] if value else None


def _describe(settings: Settings, report: Report) -> dict[str, Any]:
    return {
        "slug": report.slug, "number": report.number, "title": report.title,
        "filters": [{"key": f.key, "label": f.label, "kind": f.kind, "required": f.required}
                    for f in report.filters],
        "dimensions": [{"key": d.key, "label": d.label} for d in report.dims],
        "free_dimensions": list(report.free_dims),
        "summaries": [{"key": s.key, "label": s.label, "dimensions": list(s.dimensions)}
                      for s in report.summaries],
        "measures": [{"key": m.key, "label": m.label, "type": m.type} for m in report.measures],
        "columns": [{"key": c.key, "label": c.label, "type": c.type,
                     "personal": bool(c.personal)} for c in report.detail],
    }


def _summary_json(settings: Settings, report: Report, values: engine.FilterValues,
                  viewer: Viewer) -> Response:
    groups = _positive_int("limit", engine.SUMMARY_GROUPS_SHOWN)
    if groups > settings.summary_max_limit:
        raise engine.FilterError("limit", f"limit 最大为 {settings.summary_max_limit:,} 组 "
                                          f"(收到 {groups:,})")
    s = engine.run_summary(settings, report, values, viewer, request.args.get("summary"),
                           _group_by(), max_groups=groups, sort=_summary_sort())
    # ``truncated``: more groups than ``limit``; the totals cover them all and the summary
    # export lists every one. ``sort``: the groups' order (the first ``limit`` in it over
    # all groups).
    return _json({"columns": [c.__dict__ for c in s.columns], "rows": s.rows,
                  "totals": s.totals, "total": len(s.rows), "truncated": s.truncated,
                  "group_by": list(s.group_by),
                  "sort": ",".join(f"{k}:{d}" for k, d in s.sort)})


def _detail_json(settings: Settings, report: Report, values: engine.FilterValues,
                 viewer: Viewer) -> Response:
    limit = _positive_int("limit", 100)
    d = engine.run_detail(settings, report, values, viewer, sort=_sort(), limit=limit,
                          cursor=request.args.get("cursor") or None,
                          column_filters=_column_filters())
    return _json({"columns": [c.__dict__ for c in d.columns], "rows": d.rows,
                  "total": d.total, "next_cursor": d.next_cursor})


def _run_report(settings: Settings, slug: str) -> Response:
    report = _report_or_404(slug)
    if isinstance(report, Response):
        return report
    viewer = auth.require_page(slug)
    level = request.args.get("level", "summary")
    try:
        values = engine.parse_filters(report, _args(), settings.today)
        if level == "summary":
            return _summary_json(settings, report, values, viewer)
        if level != "detail":
            return _json({"error": "level 只能是 summary 或 detail", "filter": "level"}, 400)
        return _detail_json(settings, report, values, viewer)
    except engine.FilterError as exc:
        return _json({"error": exc.message, "filter": exc.filter_key}, 400)
    except ValueError as exc:
        return _json({"error": str(exc), "filter": "cursor"}, 400)  # a bad cursor


@dataclass(frozen=True)
class _Export:
    """One export request, its filters checked and its rows counted."""
    report: Report
    viewer: Viewer
    fmt: str
    level: str
    filters: dict[str, Any]
    sort: list[tuple[str, str]]
    values: engine.FilterValues
    column_filters: dict[str, Any]
    summary: SummaryResult | None  # the summary's groups; None for the detail rows
    count: int

    @property
    def name(self) -> str:
        return f"{self.report.title}-{'汇总' if self.level == 'summary' else '明细'}.{self.fmt}"

    def audit(self) -> None:
        auth.audit.record("export", page=self.report.slug, rows=self.count, detail={
            "format": self.fmt, "level": self.level, "filters": self.filters,
            "sort": self.sort, "column_filters": self.column_filters})


def _counted_export(settings: Settings, report: Report, viewer: Viewer, fmt: str) -> _Export:
    """Raises ``engine.FilterError`` for a bad filter, column filter or sort."""
    level = request.args.get("level", "detail")
    filters = _args()
    sort = _sort()
    values = engine.parse_filters(report, filters, settings.today)
    column_filters = _column_filters()
    summary = None
    if level == "summary":
        summary = engine.run_summary(settings, report, values, viewer,
                                     request.args.get("summary"), _group_by(),
                                     sort=_summary_sort())
        count = len(summary.rows)
    else:
        values = engine.with_column_filters(report, values, column_filters, viewer)
        # A bad (or a masked column's) sort is a 400, not a cut file.
        engine.detail_order(report, sort, viewer)
        count = engine.run_detail(settings, report, values, viewer, limit=1).total
    return _Export(report, viewer, fmt, level, filters, sort, values, column_filters,
                   summary, count)


def _xlsx_refused(settings: Settings, slug: str, count: int) -> Response | None:
    if count > settings.excel_max_rows:
        return _too_many_rows(slug, TooManyRowsForExcel(count, settings.excel_max_rows))
    if count > settings.xlsx_sync_max_rows:
        # Past this a request would hold a web worker for a minute: a background job.
        return _json({"error": f"共 {count:,} 行, 较大的 Excel 文件在后台生成: 请在页面上"
                               "点击“导出 Excel”, 或调用 POST /api/reports/"
                               f"{slug}/exports", "code": "use_export_job",
                      "rows": count, "filter": None}, 400)
    return None


def _csv_export(settings: Settings, e: _Export) -> Response:
    chunks: Iterator[str] | Iterator[bytes]
    if e.summary is not None:
        chunks = summary_csv(e.summary)
    else:
        chunks = detail_csv(settings, e.report, e.values, e.viewer, e.sort)
    e.audit()
    resp = Response(chunks, mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = _disposition(e.name)
    return resp


def _xlsx_export(settings: Settings, e: _Export) -> Response:
    handle, tmp_name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)  # the writer opens the file by name; an open handle would leak
    tmp = Path(tmp_name)
    try:
        if e.summary is not None:
            summary_xlsx(tmp, e.report.title, e.summary, max_rows=settings.excel_max_rows)
        else:
            detail_xlsx(tmp, settings, e.report, e.values, e.viewer, sort=e.sort,
                        max_rows=settings.excel_max_rows)
    except TooManyRowsForExcel as exc:
        tmp.unlink(missing_ok=True)
        return _too_many_rows(e.report.slug, exc)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    e.audit()

    @after_this_request
    def cleanup(response: Response) -> Response:
        tmp.unlink(missing_ok=True)
        return response

    return send_file(tmp, as_attachment=True, download_name=e.name, mimetype=XLSX_MIME)


def _export(settings: Settings, slug: str, fmt: str) -> Response:
    report = _report_or_404(slug)
    if isinstance(report, Response):
        return report
    viewer = auth.require_page(slug)
    if fmt not in {"csv", "xlsx"}:
        return _json({"error": "只支持 csv 或 xlsx"}, 400)
    try:
        e = _counted_export(settings, report, viewer, fmt)
    except engine.FilterError as exc:
        return _json({"error": exc.message, "filter": exc.filter_key}, 400)
    if fmt == "csv":
        return _csv_export(settings, e)
    refused = _xlsx_refused(settings, slug, e.count)
    return refused if refused is not None else _xlsx_export(settings, e)


def register_routes(server: Flask, settings: Settings) -> None:
    bp = Blueprint("reports_api", __name__)

    @bp.get("/api/reports")
    def list_reports() -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None
        return _json({"reports": [_describe(settings, r) for r in CATALOG.values()
                                  if viewer.may_open(r.slug)]})

    @bp.get("/api/reports/<slug>")
    def run_report(slug: str) -> Response:
        return _run_report(settings, slug)

    @bp.get("/export/<slug>.<fmt>")
    def export(slug: str, fmt: str) -> Response:
        return _export(settings, slug, fmt)

    register_export_jobs(bp, settings)
    server.register_blueprint(bp)


def _too_many_rows(slug: str, exc: TooManyRowsForExcel) -> Response:
    """400 with the reason in Chinese and the same rows as CSV, never a cut file."""
    csv = export_url(slug, "csv", list(request.args.items(multi=True)))
    return _json({"error": str(exc), "code": "too_many_rows", "rows": exc.rows,
                  "limit": exc.limit, "csv_url": csv,
                  "filter": None}, 400)


def _start_export(settings: Settings, slug: str) -> Response:
    report = _report_or_404(slug)
    if isinstance(report, Response):
        return report
    viewer = auth.require_page(slug)
    level = request.args.get("level", "detail")
    if level not in {"summary", "detail"}:
        return _json({"error": "level 只能是 summary 或 detail", "filter": "level"}, 400)
    filters = _args()
    summary_level = level == "summary"
    try:
        # A summary's groups follow ``sort``/``ssort`` as its page and direct link do.
        status = export_jobs.start_job(
            settings, report, viewer, filters, level=level,
            sort=() if summary_level else _sort(),
            summary=request.args.get("summary"),
            group_by=_group_by() if summary_level else None,
            column_filters=_column_filters(),
            summary_sort=_summary_sort() if summary_level else None)
    except engine.FilterError as exc:
        return _json({"error": exc.message, "filter": exc.filter_key}, 400)
    except TooManyRowsForExcel as exc:
        return _too_many_rows(slug, exc)
    except export_jobs.JobRefused as exc:
        return _json({"error": str(exc), "code": "too_many_jobs"}, 429)
    auth.audit.record("export", page=slug, rows=status.rows_total,
                      detail={"format": "xlsx", "level": level, "filters": filters,
                              "job": status.job_id})
    return _json(status.public(), 202)


def _own_job(settings: Settings, job_id: str) -> export_jobs.JobStatus | Response:
    viewer = auth.current_viewer()
    assert viewer is not None  # the guard answered 401 already
    try:
        status = export_jobs.owned_status(settings, job_id, viewer)
    except export_jobs.ScopeChanged as exc:
        return _json({"error": str(exc)}, 403)
    # Another user's job answers exactly like a job that does not exist.
    if status is None:
        return _json({"error": "导出任务不存在或已过期"}, 404)
    auth.require_page(status.slug)
    return status


def register_export_jobs(bp: Blueprint, settings: Settings) -> None:
    """Background xlsx exports: start, poll, cancel, download. Each call checks the
    page grant; a job is visible only to the user who started it, and its file only
    while that user's data scope is the one it was made with."""

    @bp.post("/api/reports/<slug>/exports")
    def start_export(slug: str) -> Response:
        return _start_export(settings, slug)

    def own_job(job_id: str) -> export_jobs.JobStatus | Response:
        return _own_job(settings, job_id)

    @bp.get("/api/exports")
    def list_exports() -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None
        jobs = [s.public() for s in export_jobs.user_jobs(settings, viewer.user_id)
                if viewer.may_open(s.slug)]
        return _json({"jobs": jobs})

    @bp.get("/api/exports/<job_id>")
    def export_status(job_id: str) -> Response:
        status = own_job(job_id)
        return status if isinstance(status, Response) else _json(status.public())

    @bp.route("/api/exports/<job_id>/cancel", methods=["POST"])
    @bp.route("/api/exports/<job_id>", methods=["DELETE"])
    def cancel_export(job_id: str) -> Response:
        status = own_job(job_id)
        if isinstance(status, Response):
            return status
        after = export_jobs.request_cancel(settings, job_id) or status  # queued: at once
        return _json({**after.public(), "cancel_requested": not status.finished})

    @bp.get("/api/exports/<job_id>/download")
    def download_export(job_id: str) -> Response:
        status = own_job(job_id)
        if isinstance(status, Response):
            return status
        path = export_jobs.result_path(settings, status)
        if status.state != "done" or not path.exists():
            return _json({"error": f"文件尚未生成 ({status.public()['state_label']})",
                          "state": status.state}, 409)
        return send_file(path, as_attachment=True, download_name=status.file_name,
                         mimetype=XLSX_MIME, max_age=0)


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=export.csv; filename*=UTF-8''{quote(name)}"
