"""The data-load API, behind the same administrator check as the 6.6 page:

    POST /api/loads                 files (multipart ``files``, zips or entity files),
                                    ``incremental``/``partial`` = 1 → 202 and the job
    GET  /api/loads                 one's own loads, newest first
    GET  /api/loads/<job_id>        state, percent, step, message, result (rejects …)
    POST /api/loads/<job_id>/cancel a queued load is cancelled, a running one stops
                                    before the new store is built
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Flask, Response, request

import auth
from data.settings import Settings
from ops import jobs, load_job

SLUG = "admin-loads"


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def _flag(name: str) -> bool:
    return (request.form.get(name) or request.args.get(name) or "").lower() in {"1", "true"}


def _unknown(job_id: str) -> Response:
    return _json({"error": "unknown_job", "message": f"没有这个装载作业: {job_id[:40]}"}, 404)


def register_load_routes(server: Flask, settings: Settings) -> None:
    bp = Blueprint("loads_api", __name__)

    @bp.post("/api/loads")
    def start_load() -> Response:
        viewer = auth.require_page(SLUG)
        if (request.content_length or 0) > load_job.MAX_UPLOAD_BYTES:
            return _json({"error": "too_large", "message": "上传的文件超过 "
                          f"{load_job.MAX_UPLOAD_BYTES // 2**20} MB"}, 413)
        files = [(f.filename or "", f.read()) for f in request.files.getlist("files")]
        upload_id = jobs.new_job_id()
        folder = load_job.upload_folder(settings, upload_id)
        try:
            saved = load_job.save_files(folder, files)
        except load_job.UploadRefused as exc:
            return _json({"error": "bad_files", "message": str(exc)}, 400)
        load_job.mark_owner(folder, viewer.username)
        job = load_job.start(settings, upload_id, user_id=viewer.user_id,
                             username=viewer.username, incremental=_flag("incremental"),
                             partial=_flag("partial"))
        return _json({**job.public(), "files": sorted(saved)}, 202)

    @bp.get("/api/loads")
    def my_loads() -> Response:
        viewer = auth.require_page(SLUG)
        found = jobs.list_jobs(settings.users_db, kind=load_job.KIND, user_id=viewer.user_id)
        return _json({"loads": [j.public() for j in found]})

    @bp.get("/api/loads/<job_id>")
    def load_state(job_id: str) -> Response:
        viewer = auth.require_page(SLUG)
        job = load_job.owned_job(settings, job_id, viewer.user_id)
        return _json(job.public()) if job else _unknown(job_id)

    @bp.post("/api/loads/<job_id>/cancel")
    def cancel_load(job_id: str) -> Response:
        viewer = auth.require_page(SLUG)
        if load_job.owned_job(settings, job_id, viewer.user_id) is None:
            return _unknown(job_id)
        job = jobs.request_cancel(settings.users_db, job_id)
        assert job is not None
        return _json(job.public())

    server.register_blueprint(bp)
