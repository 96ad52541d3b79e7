"""Large xlsx exports as background jobs: one process per job, state on disk.

A job is a folder under ``settings.export_dir/jobs/<id>``: ``spec.pickle`` (who asked,
which report, which filters), ``status.json`` (written by the job process, read by any
web worker: several gunicorn workers share no memory), ``cancel`` (a marker the job
process polls) and, when done, ``result.xlsx``.

Starting is check-and-create under one file lock in the jobs folder (``.lock``), which
every web worker and job process takes: a user's limit and the server's cap on running
jobs (``EXPORT_MAX_RUNNING``) hold however many requests arrive at once. A job over the
cap waits "queued" (排队中) without a process; whoever frees a slot (a job process as
it ends, a new start, a poll of a queued job) starts the oldest waiting one.

A process rather than a thread: the writer is pure Python and would hold the GIL
against the requests of the worker that started it; as a process it runs at a lower
priority on its own interpreter, and its memory is returned when it ends.

    python -m queries.export_jobs <job folder>     # what ``start_job`` runs
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from data.settings import ROOT, Settings
from queries import engine
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.export import TooManyRowsForExcel, detail_xlsx, summary_xlsx
from queries.spec import Report

log = logging.getLogger(__name__)

FINAL_STATES = frozenset({"done", "cancelled", "failed", "too_many_rows"})
STATE_LABELS = {"queued": "排队中", "running": "正在导出", "done": "已完成",
                "cancelled": "已取消", "failed": "导出失败", "too_many_rows": "行数超过 Excel 上限"}
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 24 * 3600  # finished files are kept a day, then removed on the next start
MAX_RUNNING_PER_USER = 2  # queued or running: two cores, more would only slow every job
LOCK_NAME = ".lock"
PROGRESS_EVERY_S = 0.5
# The job process leaves a core for interactive users: lower priority, one DuckDB thread
# is enough for keyset pages, a small memory limit keeps the process well under 1 GiB.
JOB_NICENESS = 5
JOB_MEMORY_LIMIT = "512MB"
JOB_DUCKDB_THREADS = 1


class JobRefused(ValueError):
    """The job cannot start (too many for this user); the message says why."""


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    settings: Settings
    viewer: Viewer
    slug: str
    args: dict[str, Any]
    level: str = "detail"
    sort: tuple[tuple[str, str], ...] = ()
    summary: str | None = None
    group_by: tuple[str, ...] | None = None
    column_filters: dict[str, Any] = field(default_factory=dict)  # the grid's, as shown


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
                "download_url": f"/api/exports/{self.job_id}/download"
                if self.state == "done" else None}


def scope_key(viewer: Viewer) -> str:
    """A job's file may only go to a viewer who would see the same rows, masked alike."""
    return f"{viewer.scope.cache_key}|personal={int(viewer.personal_data)}"


def jobs_dir(settings: Settings) -> Path:
    return settings.export_dir / "jobs"


@contextlib.contextmanager
def jobs_lock(settings: Settings) -> Iterator[None]:
    """The jobs folder's lock: every process that starts, counts or dequeues jobs."""
    root = jobs_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _job_dir(settings: Settings, job_id: str) -> Path:
    if not JOB_ID.match(job_id):
        raise KeyError(job_id)
    return jobs_dir(settings) / job_id


def _write_status(folder: Path, status: JobStatus) -> None:
    status.updated = time.time()
    tmp = folder / f"status.json.{os.getpid()}.tmp"
    tmp.write_bytes(orjson.dumps(asdict(status)))
    os.replace(tmp, folder / "status.json")  # readers never see half a file


def _read_status(folder: Path) -> JobStatus | None:
    try:
        return JobStatus(**orjson.loads((folder / "status.json").read_bytes()))
    except (FileNotFoundError, orjson.JSONDecodeError, TypeError):
        return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A finished child not yet reaped is a zombie: it counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def _pid_file(folder: Path) -> int | None:
    try:
        return int((folder / "pid").read_text())
    except (FileNotFoundError, ValueError):
        return None


def job_status(settings: Settings, job_id: str) -> JobStatus | None:
    """The job's state as its process last wrote it; a job whose process is gone
    without finishing is reported failed (never "running" forever)."""
    try:
        folder = _job_dir(settings, job_id)
    except KeyError:
        return None
    status = _read_status(folder)
    if status is None or status.finished or status.state == "queued":
        return status
    pid = status.pid or _pid_file(folder)
    started = status.started or status.created
    if (pid is not None or time.time() - started > 30) and not _alive(pid):
        # Re-read: the process may have written its final state as it ended.
        status = _read_status(folder) or status
        if not status.finished:
            status.state, status.message = "failed", "导出进程意外结束, 请重新导出"
            _write_status(folder, status)
    return status


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
    if status.state == "queued":
        # A slot may have been freed by a job that failed without dequeuing.
        with jobs_lock(settings):
            dispatch(settings)
        status = job_status(settings, job_id) or status
    return status


def all_jobs(settings: Settings) -> list[JobStatus]:
    root = jobs_dir(settings)
    if not root.exists():
        return []
    found = [job_status(settings, p.name) for p in root.iterdir() if JOB_ID.match(p.name)]
    return [s for s in found if s is not None]


def user_jobs(settings: Settings, user_id: int) -> list[JobStatus]:
    mine = [s for s in all_jobs(settings) if s.user_id == user_id]
    return sorted(mine, key=lambda s: s.created, reverse=True)


def result_path(settings: Settings, status: JobStatus) -> Path:
    return _job_dir(settings, status.job_id) / "result.xlsx"


def request_cancel(settings: Settings, job_id: str) -> JobStatus | None:
    folder = _job_dir(settings, job_id)
    with jobs_lock(settings):  # a queued job is not started while it is being cancelled
        status = job_status(settings, job_id)
        if status is None or status.finished:
            return status
        if status.state == "queued":
            status.state, status.message = "cancelled", "已取消 (未开始)"
            _write_status(folder, status)
            return status
    (folder / "cancel").touch()  # the job process sees it within PROGRESS_EVERY_S
    return status


def remove_old_jobs(settings: Settings, now: float | None = None) -> int:
    root = jobs_dir(settings)
    if not root.exists():
        return 0
    now = now or time.time()
    removed = 0
    for folder in root.iterdir():
        if not JOB_ID.match(folder.name):
            continue  # the lock file
        status = _read_status(folder)
        stamp = status.updated if status else folder.stat().st_mtime
        if (status is None or status.finished) and now - stamp > KEEP_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def remove_user_jobs(settings: Settings, user_id: int) -> int:
    """A deleted user's jobs go with the user: running ones are stopped, files removed."""
    removed = 0
    for status in user_jobs(settings, user_id):
        folder = _job_dir(settings, status.job_id)
        pid = status.pid or _pid_file(folder)
        if not status.finished and _alive(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)  # type: ignore[arg-type]
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def count_rows(settings: Settings, report: Report, values: engine.FilterValues,
               viewer: Viewer, level: str, summary: str | None,
               group_by: Sequence[str] | None) -> int:
    if level == "summary":
        return len(engine.run_summary(settings, report, values, viewer, summary,
                                      group_by).rows) + 1  # the totals row
    return engine.run_detail(settings, report, values, viewer, limit=1).total


def start_job(settings: Settings, report: Report, viewer: Viewer, args: Mapping[str, Any], *,
              level: str = "detail", sort: Sequence[tuple[str, str]] = (),
              summary: str | None = None, group_by: Sequence[str] | None = None,
              column_filters: Mapping[str, Any] | None = None) -> JobStatus:
    """Check the filters and the row count, then start the job's process.

    Raises ``engine.FilterError`` for bad filters, ``TooManyRowsForExcel`` when the rows
    would not fit a sheet (the caller offers CSV), ``JobRefused`` when the user already
    has ``MAX_RUNNING_PER_USER`` jobs running."""
    values = engine.parse_filters(report, args, settings.today)
    if level == "detail":
        values = engine.with_column_filters(report, values, column_filters, viewer)
    engine.detail_order(report, sort, viewer)  # a bad sort key fails here, not in the job
    _check_user_limit(settings, viewer)  # before counting: a refusal costs no query
    total = count_rows(settings, report, values, viewer, level, summary, group_by)
    if total > settings.excel_max_rows:
        raise TooManyRowsForExcel(total, settings.excel_max_rows)
    remove_old_jobs(settings)
    job_id = secrets.token_hex(16)
    folder = _job_dir(settings, job_id)
    # The job needs no session key: it is not written to disk with the job.
    spec = JobSpec(job_id, replace(settings, secret_key=""), viewer, report.slug, dict(args),
                   level, tuple(sort), summary, tuple(group_by) if group_by else None,
                   dict(column_filters or {}) if level == "detail" else {})
    name = f"{report.title}-{'汇总' if level == 'summary' else '明细'}.xlsx"
    status = JobStatus(job_id, viewer.user_id, report.slug, scope_key(viewer), level, name,
                       rows_total=total)
    with jobs_lock(settings):  # check and create as one step, for every worker
        _check_user_limit(settings, viewer)
        folder.mkdir(parents=True)
        (folder / "spec.pickle").write_bytes(pickle.dumps(spec))
        _write_status(folder, status)
        dispatch(settings)
    return job_status(settings, job_id) or status


def _check_user_limit(settings: Settings, viewer: Viewer) -> None:
    waiting = [s for s in user_jobs(settings, viewer.user_id) if not s.finished]
    if len(waiting) >= MAX_RUNNING_PER_USER:
        raise JobRefused(f"您已有 {len(waiting)} 个导出正在进行或排队, 请等待完成或取消后再导出")


def dispatch(settings: Settings) -> list[str]:
    """Start the oldest queued jobs while fewer than ``export_max_running`` run; the
    caller holds ``jobs_lock``. Returns the ids started."""
    jobs = all_jobs(settings)
    free = settings.export_max_running - sum(1 for s in jobs if s.state == "running")
    queued = sorted((s for s in jobs if s.state == "queued"), key=lambda s: s.created)
    started = []
    for status in queued[:max(free, 0)]:
        _launch(settings, status)
        started.append(status.job_id)
    return started


def _launch(settings: Settings, status: JobStatus) -> None:
    folder = _job_dir(settings, status.job_id)
    status.state, status.started = "running", time.time()
    _write_status(folder, status)  # counted as running before its process exists
    proc = subprocess.Popen([sys.executable, "-m", "queries.export_jobs", str(folder)],
                            cwd=ROOT, stdin=subprocess.DEVNULL, close_fds=True)
    # From now on only the job process writes status.json; its pid goes beside it.
    (folder / "pid").write_text(str(proc.pid))
    # Reap the child when it ends, so it never lingers as a zombie.
    threading.Thread(target=proc.wait, daemon=True,
                     name=f"export-{status.job_id[:8]}").start()


# --- the job process -------------------------------------------------------------------


class Cancelled(Exception):
    pass


class _Progress:
    """Counts rows as they are written; writes status.json and looks for the cancel
    marker at most every ``PROGRESS_EVERY_S`` (cheap per row, prompt for the user)."""

    def __init__(self, folder: Path, status: JobStatus) -> None:
        self.folder, self.status = folder, status
        self.next_at = 0.0

    def check(self, rows_done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self.next_at:
            return
        self.next_at = now + PROGRESS_EVERY_S
        if (self.folder / "cancel").exists():
            raise Cancelled
        self.status.rows_done = rows_done
        _write_status(self.folder, self.status)



def _write(spec: JobSpec, report: Report, path: Path, progress: _Progress) -> int:
    settings = spec.settings
    values = engine.parse_filters(report, spec.args, settings.today)
    values = engine.with_column_filters(report, values, spec.column_filters, spec.viewer)
    if spec.level == "summary":
        s = engine.run_summary(settings, report, values, spec.viewer, spec.summary,
                               spec.group_by)
        return summary_xlsx(path, report.title, s, max_rows=settings.excel_max_rows)
    return detail_xlsx(path, settings, report, values, spec.viewer, spec.sort,
                       max_rows=settings.excel_max_rows, on_rows=progress.check)


def job_settings(settings: Settings) -> Settings:
    return replace(settings, duckdb_threads=JOB_DUCKDB_THREADS,
                   duckdb_memory_limit=JOB_MEMORY_LIMIT)


def run_job(folder: Path) -> JobStatus:
    spec: JobSpec = pickle.loads((folder / "spec.pickle").read_bytes())
    spec = replace(spec, settings=job_settings(spec.settings))
    status = _read_status(folder)
    assert status is not None
    status.pid, status.state = os.getpid(), "running"
    progress = _Progress(folder, status)
    started = time.monotonic()
    part = folder / "result.xlsx.part"
    try:
        progress.check(0, force=True)
        written = _write(spec, CATALOG[spec.slug], part, progress)
        progress.check(written, force=True)
        os.replace(part, folder / "result.xlsx")
        status.state, status.rows_done = "done", written
        status.message = f"已导出 {written:,} 行"
    except Cancelled:
        status.state, status.message = "cancelled", "已取消"
    except TooManyRowsForExcel as exc:
        # The book grew between the count and the export: say so, never cut the file.
        status.state, status.message = "too_many_rows", str(exc)
    except Exception:
        log.exception("export job %s failed", spec.job_id)
        status.state, status.message = "failed", "导出失败, 请稍后重试"
    finally:
        part.unlink(missing_ok=True)
        status.seconds = round(time.monotonic() - started, 1)
        _write_status(folder, status)
    with jobs_lock(spec.settings):  # this job's slot goes to the next in the queue
        dispatch(spec.settings)
    return status


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s export-job %(message)s")
    with_lower_priority()
    run_job(Path(args[0]))


def with_lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(JOB_NICENESS)


if __name__ == "__main__":
    main()
