"""Background Excel exports through the job runner (``queries.export_jobs``)."""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file

import auth
from callbacks.api_request import (
    XLSX_MIME,
    authorised_report,
    column_filters_arg,
    filter_args,
    group_by_arg,
    json_response,
    sort_arg,
    summary_sort_arg,
    too_many_rows,
)
from data.settings import Settings
from engines.base import Engine
from queries import engine as reporting
from queries import export_jobs
from queries.export import TooManyRowsForExcel


def _start_export(engine: Engine, slug: str) -> Response:
    found = authorised_report(slug)
    if isinstance(found, Response):
        return found
    report, viewer = found
    level = request.args.get("level", "detail")
    if level not in {"summary", "detail"}:
        return json_response({"error": "level 只能是 summary 或 detail", "filter": "level"}, 400)
    filters = filter_args()
    summary_level = level == "summary"
    try:
        # A summary's groups follow ``sort``/``ssort`` as its page and direct link do.
        status = export_jobs.start_job(
            engine, report, viewer, filters, level=level,
            sort=() if summary_level else sort_arg(),
            summary=request.args.get("summary"),
            group_by=group_by_arg() if summary_level else None,
            column_filters=column_filters_arg(),
            summary_sort=summary_sort_arg() if summary_level else None)
    except reporting.FilterError as exc:
        return json_response({"error": exc.message, "filter": exc.filter_key}, 400)
    except TooManyRowsForExcel as exc:
        return too_many_rows(slug, exc)
    except export_jobs.JobRefused as exc:
        return json_response({"error": str(exc), "code": "too_many_jobs"}, 429)
    auth.audit.record("export", page=slug, rows=status.rows_total,
                      detail={"format": "xlsx", "level": level, "filters": filters,
                              "job": status.job_id})
    return json_response(status.public(), 202)


def _own_job(settings: Settings, job_id: str) -> export_jobs.JobStatus | Response:
    viewer = auth.current_viewer()
    assert viewer is not None  # the guard answered 401 already
    try:
        status = export_jobs.owned_status(settings, job_id, viewer)
    except export_jobs.ScopeChanged as exc:
        return json_response({"error": str(exc)}, 403)
    # Another user's job answers exactly like a job that does not exist.
    if status is None:
        return json_response({"error": "导出任务不存在或已过期"}, 404)
    auth.require_page(status.slug)
    return status


def register_export_jobs(bp: Blueprint, engine: Engine) -> None:
    """Background xlsx exports: start, poll, cancel, download. Each call checks the
    page grant; a job is visible only to the user who started it, and its file only
    while that user's data scope is the one it was made with."""

    @bp.post("/api/reports/<slug>/exports")
    def start_export(slug: str) -> Response:
        return _start_export(engine, slug)

    def own_job(job_id: str) -> export_jobs.JobStatus | Response:
        return _own_job(engine.settings, job_id)

    @bp.get("/api/exports")
    def list_exports() -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None
        jobs = [s.public() for s in export_jobs.user_jobs(engine.settings, viewer.user_id)
                if viewer.may_open(s.slug)]
        return json_response({"jobs": jobs})

    @bp.get("/api/exports/<job_id>")
    def export_status(job_id: str) -> Response:
        status = own_job(job_id)
        return status if isinstance(status, Response) else json_response(status.public())

    @bp.route("/api/exports/<job_id>/cancel", methods=["POST"])
    @bp.route("/api/exports/<job_id>", methods=["DELETE"])
    def cancel_export(job_id: str) -> Response:
        status = own_job(job_id)
        if isinstance(status, Response):
            return status
        after = export_jobs.request_cancel(engine.settings, job_id) or status  # queued: at once
        return json_response({**after.public(), "cancel_requested": not status.finished})

    @bp.get("/api/exports/<job_id>/download")
    def download_export(job_id: str) -> Response:
        status = own_job(job_id)
        if isinstance(status, Response):
            return status
        path = export_jobs.result_path(engine.settings, status)
        if status.state != "done" or not path.exists():
            return json_response({"error": f"文件尚未生成 ({status.public()['state_label']})",
                          "state": status.state}, 409)
        return send_file(path, as_attachment=True, download_name=status.file_name,
                         mimetype=XLSX_MIME, max_age=0)
