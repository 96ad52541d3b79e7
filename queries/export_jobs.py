"""Large xlsx exports as background jobs of the one job runner (``ops/jobs.py``).

A job's state is a row of the operational store's ``jobs`` (kind ``export``), so any
web worker answers for it; its work runs in a job process (``ops.runner``, lower
priority, one DuckDB thread, a small memory limit) that writes
``settings.export_dir/jobs/<id>/result.xlsx``. A user may have ``MAX_RUNNING_PER_USER``
unfinished exports (checked and queued as one step for every worker); the server runs
at most ``EXPORT_MAX_RUNNING`` at once, the others wait queued (排队中) and start as
slots free.

A process rather than a thread: the writer is pure Python and would hold the GIL
against the requests of the worker that started it; as a process it runs on its own
interpreter, and its memory is returned when it ends.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from data.settings import Settings
from engines.base import Engine
from ops import jobs as ops_jobs
from ops.runner import Cancelled, JobContext, Outcome
from queries import engine as reporting
from queries import store_types
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.export import TooManyRowsForExcel, detail_xlsx, summary_xlsx
from queries.spec import Report
from queries.urls import download_url

log = logging.getLogger(__name__)

KIND = "export"
FINAL_STATES = frozenset({"done", "cancelled", "failed", "too_many_rows"})
STATE_LABELS = {"queued": "排队中", "running": "正在导出", "done": "已完成",
                "cancelled": "已取消", "failed": "导出失败", "too_many_rows": "行数超过 Excel 上限"}
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600  # finished files are kept a day, then removed on the next start
MAX_RUNNING_PER_USER = 2  # queued or running: two cores, more would only slow every job
# The job process leaves a core for interactive users: one DuckDB thread is enough for
# keyset pages, a small memory limit keeps the process well under 1 GiB.
JOB_MEMORY_LIMIT = "512MB"
JOB_DUCKDB_THREADS = 1
REFUSED = "您已有 {n} 个导出正在进行或排队, 请等待完成或取消后再导出"


class JobRefused(ValueError):
    """The job cannot start (too many for this user); the message says why."""


@dataclass(frozen=True)
class JobSpec:
    """What the job process needs besides the settings: who asked, which rows."""

    viewer: Viewer
    slug: str
    args: dict[str, Any]
    level: str = "detail"
    sort: tuple[tuple[str, str], ...] = ()
    summary: str | None = None
    group_by: tuple[str, ...] | None = None
    column_filters: dict[str, Any] = field(default_factory=dict)  # the grid's, as shown
    # A summary's order as the page or the API asked (None: the summary's default).
    summary_sort: tuple[tuple[str, str], ...] | None = None


@dataclass
class JobStatus:
    job_id: str
    user_id: int
    slug: str
    scope_key: str
    level: str
    file_name: str
    state: str = "queued"
    rows_total: int = 0
    rows_done: int = 0
    message: str = ""
    pid: int | None = None
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    started: float | None = None  # when its process was started (None while queued)
    seconds: float | None = None

    @classmethod
    def from_job(cls, job: ops_jobs.Job) -> JobStatus:
        p, r = job.params, job.result
        state = "too_many_rows" if r.get("too_many_rows") else job.state
        total = int(p.get("rows_total", 0))
        done = int(r["rows"]) if "rows" in r else round(job.progress * total)
        return cls(job.job_id, job.user_id or 0, p["slug"], p["scope_key"], p["level"],
                   p["file_name"], state, total, done, job.message, job.pid,
                   job.created_at, job.heartbeat_at or job.created_at, job.started_at,
                   r.get("seconds"))

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def percent(self) -> float:
        if self.state == "done":
            return 100.0
        return round(100.0 * self.rows_done / self.rows_total, 1) if self.rows_total else 0.0

    def public(self) -> dict[str, Any]:
        """What the API shows: no pid, no scope key."""
        return {"job_id": self.job_id, "report": self.slug, "level": self.level,
                "state": self.state, "state_label": STATE_LABELS[self.state],
                "rows_total": self.rows_total, "rows_done": self.rows_done,
                "percent": self.percent, "message": self.message,
                "file_name": self.file_name, "seconds": self.seconds,
                "download_url": download_url(self.job_id)
                if self.state == "done" else None}


def scope_key(viewer: Viewer) -> str:
    """A job's file may only go to a viewer who would see the same rows, masked alike."""
    return f"{viewer.scope.cache_key}|personal={int(viewer.personal_data)}"


def jobs_dir(settings: Settings) -> Path:
    return settings.export_dir / "jobs"


def _job_dir(settings: Settings, job_id: str) -> Path:
    if not JOB_ID.match(job_id):
        raise KeyError(job_id)
    return jobs_dir(settings) / job_id


def job_status(settings: Settings, job_id: str) -> JobStatus | None:
    """The job's state as its process last wrote it (a job whose process is gone is
    failed by the runner's next dispatch, never "running" forever)."""
    job = ops_jobs.get(settings.users_db, job_id)
    if job is None or job.kind != KIND:
        return None
    if job.state == "queued" or (job.state == "running" and ops_jobs.is_stale(job)):
        ops_jobs.dispatch(settings)  # a slot may be free, or its process gone
        job = ops_jobs.get(settings.users_db, job_id) or job
    return JobStatus.from_job(job)


class ScopeChanged(PermissionError):
    pass


def owned_status(settings: Settings, job_id: str, viewer: Viewer) -> JobStatus | None:
    """The job if ``viewer`` started it (None otherwise: another user's job looks like
    no job); ``ScopeChanged`` when the viewer's data scope is no longer the job's.
    The caller still checks the page grant of ``status.slug``."""
    status = job_status(settings, job_id)
    if status is None or status.user_id != viewer.user_id:
        return None
    if scope_key(viewer) != status.scope_key:
        raise ScopeChanged("您的数据范围已变更, 请重新导出")
    return status


def user_jobs(settings: Settings, user_id: int) -> list[JobStatus]:
    found = ops_jobs.list_jobs(settings.users_db, kind=KIND, user_id=user_id, limit=200)
    return [JobStatus.from_job(j) for j in found]


def result_path(settings: Settings, status: JobStatus) -> Path:
    return _job_dir(settings, status.job_id) / "result.xlsx"


def request_cancel(settings: Settings, job_id: str) -> JobStatus | None:
    """A queued job is cancelled at once; a running one stops within a progress step."""
    ops_jobs.request_cancel(settings.users_db, job_id)
    return job_status(settings, job_id)


def remove_old_jobs(settings: Settings, now: float | None = None) -> int:
    """Finished jobs older than ``KEEP_SECONDS`` go, with their files."""
    old = ops_jobs.finished_before(settings.users_db, KIND, (now or time.time()) - KEEP_SECONDS)
    for job_id in old:
        shutil.rmtree(_job_dir(settings, job_id), ignore_errors=True)
    ops_jobs.forget(settings.users_db, old)
    return len(old)


def remove_user_jobs(settings: Settings, user_id: int) -> int:
    """A deleted user's jobs go with the user: running ones are stopped, files removed."""
    mine = [s.job_id for s in user_jobs(settings, user_id)]
    for job_id in mine:
        ops_jobs.request_cancel(settings.users_db, job_id)
        shutil.rmtree(_job_dir(settings, job_id), ignore_errors=True)
    ops_jobs.forget(settings.users_db, mine)
    return len(mine)


def count_rows(engine: Engine, report: Report, values: reporting.FilterValues,
               viewer: Viewer, level: str, *, summary: str | None,
               group_by: Sequence[str] | None,
               summary_sort: Sequence[tuple[str, str]] | None = None) -> int:
    if level == "summary":
        # In the job's order: a bad sort key fails here, and the job reads this result.
        return len(reporting.run_summary(engine, report, values, viewer, summary, group_by=group_by,
                                      sort=summary_sort).rows) + 1  # the totals row
    return reporting.run_detail(engine, report, values, viewer, limit=1).total


def start_job(engine: Engine, report: Report, viewer: Viewer, args: Mapping[str, Any], *,
              level: str = "detail", sort: Sequence[tuple[str, str]] = (),
              summary: str | None = None, group_by: Sequence[str] | None = None,
              column_filters: Mapping[str, Any] | None = None,
              summary_sort: Sequence[tuple[str, str]] | None = None) -> JobStatus:
    """Check the filters and the row count, then queue the job (it starts at once when
    a slot is free). ``sort`` orders a detail list; ``summary_sort`` a summary's groups
    (None: the summary's default order, empty: dimension order).

    Raises ``engine.FilterError`` for bad filters, ``TooManyRowsForExcel`` when the rows
    would not fit a sheet (the caller offers CSV), ``JobRefused`` when the user already
    has ``MAX_RUNNING_PER_USER`` jobs running or queued."""
    values = reporting.parse_filters(report, args, engine.settings.today)
    if level == "detail":
        values = reporting.with_column_filters(report, values, column_filters, viewer)
    reporting.detail_order(report, sort, viewer)  # a bad sort key fails here, not in the job
    waiting = [s for s in user_jobs(engine.settings, viewer.user_id) if not s.finished]
    if len(waiting) >= MAX_RUNNING_PER_USER:  # before counting: a refusal costs no query
        raise JobRefused(REFUSED.format(n=len(waiting)))
    total = count_rows(engine, report, values, viewer, level, summary=summary,
                       group_by=group_by, summary_sort=summary_sort)
    if total > engine.settings.excel_max_rows:
        raise TooManyRowsForExcel(total, engine.settings.excel_max_rows)
    remove_old_jobs(engine.settings)
    spec = JobSpec(viewer, report.slug, dict(args), level, tuple(sort), summary,
                   tuple(group_by) if group_by else None,
                   dict(column_filters or {}) if level == "detail" else {},
                   None if summary_sort is None else tuple(summary_sort))
    name = f"{report.title}-{'汇总' if level == 'summary' else '明细'}.xlsx"
    params = {"slug": report.slug, "scope_key": scope_key(viewer), "level": level,
              "file_name": name, "rows_total": total}
    job_id = ops_jobs.new_job_id()
    folder = _job_dir(engine.settings, job_id)
    folder.mkdir(parents=True)  # the job's files go here, from the start
    try:
        job = ops_jobs.submit(engine.settings, KIND, params, user_id=viewer.user_id,
                              username=viewer.username, job_id=job_id, payload=spec,
                              per_user=MAX_RUNNING_PER_USER, refused=REFUSED)
    except ops_jobs.Refused as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise JobRefused(str(exc)) from exc
    return JobStatus.from_job(job)


# --- the work, in the job process ------------------------------------------------------


def job_settings(settings: Settings) -> Settings:
    return replace(settings, duckdb_threads=JOB_DUCKDB_THREADS,
                   duckdb_memory_limit=JOB_MEMORY_LIMIT)


def _write(engine: Engine, spec: JobSpec, path: Path, context: JobContext,
           total: int) -> int:
    report = CATALOG[spec.slug]
    values = reporting.parse_filters(report, spec.args, engine.settings.today)
    values = reporting.with_column_filters(report, values, spec.column_filters, spec.viewer)
    if spec.level == "summary":
        order = None if spec.summary_sort is None else list(spec.summary_sort)
        s = reporting.run_summary(engine, report, values, spec.viewer, spec.summary,
                               group_by=spec.group_by, sort=order)
        return summary_xlsx(path, report.title, s, max_rows=engine.settings.excel_max_rows)

    def on_rows(rows_done: int, force: bool = False) -> None:
        context.progress("正在导出", rows_done / total if total else 0.0, force)

    return detail_xlsx(path, engine, report, values, spec.viewer, sort=spec.sort,
                       max_rows=engine.settings.excel_max_rows, on_rows=on_rows)


def run(engine: Engine, context: JobContext) -> Outcome:
    """The export job's work (``ops.export_job`` builds the job process's engine, with
    ``job_settings``): write the file, never a cut one."""
    spec = context.payload
    assert isinstance(spec, JobSpec)
    settings = engine.settings
    store_types.serve_from(engine)  # the job process reads the filters' types itself
    folder = _job_dir(settings, context.job.job_id)
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / "result.xlsx.part"
    started = time.monotonic()
    try:
        written = _write(engine, spec, part, context,
                         int(context.job.params.get("rows_total", 0)))
        os.replace(part, folder / "result.xlsx")
        seconds = round(time.monotonic() - started, 1)
        return Outcome(f"已导出 {written:,} 行", {"rows": written, "seconds": seconds})
    except TooManyRowsForExcel as exc:
        # The book grew between the count and the export: say so, never cut the file.
        return Outcome(str(exc), {"too_many_rows": True}, state="failed")
    except Cancelled:
        raise
    except Exception:
        log.exception("export job %s failed", context.job.job_id)
        return Outcome("导出失败, 请稍后重试", {}, state="failed")
    finally:
        part.unlink(missing_ok=True)
