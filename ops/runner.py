"""The job process: runs one job of ``ops.jobs`` and records how it went.

    python -m ops.runner <job id>     # what ``ops.jobs.dispatch`` starts

The store's URL comes in the environment (``OPS_JOB_DATABASE``), never on the command
line. Each kind's work is a function ``run(context) -> Outcome`` in the module
``HANDLERS`` names; it reports progress through the context, which also stops it when
the user cancels. When the job ends the process starts the next queued one.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from data.settings import OpsDb, Settings
from ops import db as ops_db
from ops import jobs as ops_jobs
from ops.tables import jobs

log = logging.getLogger(__name__)

HANDLERS = {"load": "ops.load_job", "export": "ops.export_job",
            "refresh": "ops.refresh_job"}
# More kinds, as ``kind=module,kind=module`` (the tests' probe jobs).
EXTRA_HANDLERS_ENV = "OPS_EXTRA_HANDLERS"
PROGRESS_EVERY_S = 0.5
JOB_NICENESS = 5  # interactive users keep their share of the cores


# Declared in ops.jobs: this module also runs as ``__main__`` in the job process, where a
# class of its own would not be the one the handlers catch.
Cancelled = ops_jobs.Cancelled


@dataclass(frozen=True)
class Outcome:
    message: str
    result: dict[str, Any] = field(default_factory=dict)
    state: str = "done"


class JobContext:
    """What a job's work sees: its job, its settings, and a way to report progress."""

    def __init__(self, db: OpsDb, job: ops_jobs.Job, settings: Settings,
                 payload: object = None) -> None:
        self.db, self.job, self.settings, self.payload = db, job, settings, payload
        self._next_at = 0.0

    def progress(self, step: str, fraction: float, force: bool = False) -> None:
        """Record the step reached (at most every ``PROGRESS_EVERY_S``); raises
        ``Cancelled`` once the user has asked to cancel."""
        now = time.monotonic()
        if not force and now < self._next_at:
            return
        self._next_at = now + PROGRESS_EVERY_S
        with ops_db.write(self.db) as con:
            con.execute(update(jobs).where(jobs.c.job_id == self.job.job_id).values(
                step=step, progress=max(0.0, min(1.0, fraction)), heartbeat_at=time.time()))
            cancel = con.execute(select(jobs.c.cancel_requested)
                                 .where(jobs.c.job_id == self.job.job_id)).scalar_one()
        if cancel:
            raise Cancelled


def _heartbeat(db: OpsDb, job_id: str, stop: threading.Event) -> None:
    while not stop.wait(ops_jobs.HEARTBEAT_SECONDS):
        try:
            with ops_db.write(db) as con:
                con.execute(update(jobs).where(jobs.c.job_id == job_id)
                            .values(heartbeat_at=time.time()))
        except Exception:  # a busy database: the next beat tries again
            log.warning("job %s: heartbeat not written", job_id, exc_info=True)


def handler(kind: str) -> Callable[[JobContext], Outcome]:
    extra = dict(pair.split("=", 1) for pair in
                 filter(None, os.environ.get(EXTRA_HANDLERS_ENV, "").split(",")))
    module = importlib.import_module({**HANDLERS, **extra}[kind])
    run: Callable[[JobContext], Outcome] = module.run
    return run


def run_job(db: OpsDb, job_id: str) -> ops_jobs.Job:
    job = ops_jobs.get(db, job_id)
    if job is None:
        log.info("job %s is gone (its user was removed): nothing to do", job_id)
        raise SystemExit(0)
    settings, payload = ops_jobs.load_spec(db, job_id)
    with ops_db.write(db) as con:
        con.execute(update(jobs).where(jobs.c.job_id == job_id)
                    .values(pid=os.getpid(), heartbeat_at=time.time()))
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(db, job_id, stop), daemon=True)
    beat.start()
    try:
        context = JobContext(db, job, settings, payload)
        context.progress("开始", 0.0, force=True)
        outcome = handler(job.kind)(context)
        ops_jobs.finish(db, job_id, outcome.state, outcome.message, outcome.result)
    except Cancelled:
        ops_jobs.finish(db, job_id, "cancelled", "已取消")
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.kind)
        ops_jobs.finish(db, job_id, "failed", f"作业失败: {exc}")
    finally:
        stop.set()
        beat.join(timeout=5)
    with contextlib.suppress(Exception):  # the next job must not fail this one
        ops_jobs.dispatch(settings)
    done = ops_jobs.get(db, job_id)
    assert done is not None
    return done


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s job %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its set-up is no news here
    with contextlib.suppress(OSError):
        os.nice(JOB_NICENESS)
    run_job(os.environ[ops_jobs.DATABASE_ENV], args[0])


if __name__ == "__main__":
    main()
