"""The data-load job (6.6 数据装载 and ``POST /api/loads``): runs the importer on an
uploaded folder in the job process, so the load outlives the web worker that took the
upload and no web worker builds a store."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from data.importer.rejects import report_folder
from data.importer.run import load
from data.importer.stage import FORMATS
from data.layout import BY_NAME
from data.settings import Settings
from engines import engine_for
from ops import jobs
from ops.audit import record_to
from ops.runner import JobContext, Outcome

log = logging.getLogger(__name__)
KIND = "load"
REJECTS_SHOWN = 500  # the page lists these; the CSV has every one
MAX_UPLOAD_BYTES = 200 * 2**20
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}$")
OWNER_FILE = ".owner"


def uploads_dir(settings: Settings) -> Path:
    return settings.store_path.parent / "imports"


def upload_folder(settings: Settings, upload_id: str) -> Path:
    """The folder of one upload; the id is the job's (one upload, one load)."""
    if not UPLOAD_NAME.match(upload_id or ""):
        raise KeyError(upload_id)
    return uploads_dir(settings) / upload_id


def mark_owner(folder: Path, username: str) -> None:
    (folder / OWNER_FILE).write_text(username, encoding="utf-8")


def uploaded_by(folder: Path) -> str | None:
    try:
        return (folder / OWNER_FILE).read_text(encoding="utf-8")
    except OSError:
        return None


class UploadRefused(ValueError):
    """Files that cannot be loaded; the message says which and why (in Chinese)."""


def save_files(folder: Path, files: Iterable[tuple[str, bytes]]) -> list[str]:
    """Write uploaded files (zips unpacked, folders inside them dropped) into ``folder``
    and return their names; refuses files whose name is no entity of data/layout.py."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    try:
        for name, data in files:
            if name.lower().endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for member in archive.infolist():
                        target = PurePosixPath(member.filename).name  # no folders, no '..'
                        if member.is_dir() or not target.endswith(FORMATS):
                            continue
                        if member.file_size > MAX_UPLOAD_BYTES:
                            raise UploadRefused(f"{target}: 超过 {MAX_UPLOAD_BYTES // 2**20} MB")
                        (folder / target).write_bytes(archive.read(member))
                        saved.append(target)
            elif name.endswith(FORMATS):
                target = PurePosixPath(name).name
                (folder / target).write_bytes(data)
                saved.append(target)
    except zipfile.BadZipFile as exc:
        raise UploadRefused(f"上传的文件无法使用: {exc}") from exc
    unknown = [n for n in saved if n.rsplit(".", 1)[0] not in BY_NAME]
    if unknown:
        raise UploadRefused(f"不认识的文件: {', '.join(unknown)} (文件名应为实体名之一: "
                            f"{', '.join(sorted(BY_NAME))}, 见本页“文件与列的规则”)")
    if not saved:
        raise UploadRefused("没有可导入的文件 (csv / parquet / xlsx)")
    return saved


def start(settings: Settings, upload_id: str, *, user_id: int, username: str,
          incremental: bool, partial: bool) -> jobs.Job:
    """Queue the load of an upload (once: a second start finds the same job)."""
    existing = jobs.get(settings.users_db, upload_id)
    if existing is not None:
        return existing
    folder = upload_folder(settings, upload_id)
    if uploaded_by(folder) != username:
        raise KeyError(upload_id)
    return jobs.submit(settings, KIND, {"upload": upload_id, "incremental": incremental,
                                        "partial": partial},
                       user_id=user_id, username=username, job_id=upload_id)


def owned_job(settings: Settings, job_id: str, user_id: int) -> jobs.Job | None:
    """The load if ``user_id`` started it; another user's load looks like none."""
    job = jobs.get(settings.users_db, job_id)
    if job is None or job.kind != KIND or job.user_id != user_id:
        return None
    if job.state == "queued" or (job.state == "running" and jobs.is_stale(job)):
        jobs.dispatch(settings)  # a slot may be free
        job = jobs.get(settings.users_db, job_id) or job
    return job


def run(context: JobContext) -> Outcome:
    settings, job = context.settings, context.job
    folder = upload_folder(settings, str(job.params["upload"]))
    target = rejects_path(settings, str(job.params["upload"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    result = load(folder, settings.store_path, settings,
                  incremental=bool(job.params.get("incremental")),
                  partial=bool(job.params.get("partial")), user=job.username or "",
                  rejects_path=target, progress=context.progress)
    message = result.message
    published = result.ok and _publish(context)
    if result.ok and not published:
        message = f"{message}; 但发布到查询引擎失败, 报表仍显示导入前的数据"
    rejects = [{"file": r.file, "row": r.row, "column": r.column, "value": r.value,
                "reason": r.reason} for r in result.rejects]
    record_to(settings.users_db, "data_load", username=job.username, page="admin-loads",
              detail={"ok": published, "rejects": result.problems, "job": job.job_id})
    return Outcome(message, {
        "ok": published, "rejects_total": result.problems, "rejects": rejects[:REJECTS_SHOWN],
        "rejects_csv": bool(result.rejects_path), "seconds": round(result.seconds, 2),
        "rows_read": sum(result.rows_read.values()),
        "rows_loaded": sum(result.rows_loaded.values())})


def _publish(context: JobContext) -> bool:
    """The engine serves the store just built (ClickHouse copies it in; DuckDB reopens the
    swapped file by itself). False, and logged, when that fails."""
    settings = context.settings
    context.progress("发布新数据", 0.95)
    try:
        engine_for(settings).publish(settings.store_path, log.info)
    except Exception:
        log.exception("publishing %s after a load failed", settings.store_path)
        return False
    return True


def rejects_path(settings: Settings, upload_id: str) -> Path:
    """Where the importer writes the rejects of an upload: beside the load history,
    named by the load, never into the uploaded folder."""
    upload_folder(settings, upload_id)  # a well-formed id only
    return report_folder(settings) / f"{upload_id}-rejects.csv"
