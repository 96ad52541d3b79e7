"""Background jobs (imports, large exports) with their state in the operational store.

A job is a row of ``jobs``: any web worker, on any server of the same database, reads
it. ``submit`` adds it queued; ``dispatch`` starts queued jobs while this server runs
fewer than ``Settings.jobs_max_running`` (and a kind's own limit: one load at a time,
a load replaces the store), each in a process of its own (``python -m ops.runner``),
in a session of its own so it outlives the web worker that started it. The job
process writes its progress and a heartbeat; a running job whose heartbeat stops is
failed by the next dispatch, never "running" forever.

States: queued → running → done | failed | cancelled (a queued job may be cancelled
before it starts; a running one stops at its next progress report).

Why not huey or another queue: it needs a consumer process beside gunicorn and keeps
its state in its own storage; here the state sits with users and audit in one database
(SQLite or PostgreSQL), and a job process per job returns its memory when it ends.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, insert, select, update

from data.settings import ROOT, OpsDb, Settings
from ops import db as ops_db
from ops.tables import jobs


class Cancelled(Exception):
    """The user cancelled the job; raised from the runner's ``JobContext.progress``."""


log = logging.getLogger(__name__)

FINAL_STATES = frozenset({"done", "failed", "cancelled"})
STATE_LABELS = {"queued": "排队中", "running": "进行中", "done": "已完成",
                "failed": "失败", "cancelled": "已取消"}
KIND_LIMITS = {"load": 1, "refresh": 1}  # at most this many of a kind running on one server
HEARTBEAT_SECONDS = 2.0
STALE_SECONDS = 30.0  # no heartbeat for this long: the job process is gone
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
DATABASE_ENV = "OPS_JOB_DATABASE"  # how the job process finds the store (not in argv)


def new_job_id() -> str:
    return secrets.token_hex(16)


def this_host() -> str:
    return socket.gethostname()


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Job:
    job_id: str
    kind: str
    user_id: int | None
    username: str | None
    state: str
    progress: float
    step: str
    message: str
    params: dict[str, Any]
    result: dict[str, Any]
    cancel_requested: bool
    host: str | None
    pid: int | None
    created_at: float
    started_at: float | None
    heartbeat_at: float | None
    finished_at: float | None

    @classmethod
    def from_row(cls, row: Any) -> Job:
        m = row._mapping
        return cls(
            job_id=m["job_id"], kind=m["kind"], user_id=m["user_id"], username=m["username"],
            state=m["state"], progress=m["progress"], step=m["step"], message=m["message"],
            params=orjson.loads(m["params"]), result=orjson.loads(m["result"]),
            cancel_requested=bool(m["cancel_requested"]), host=m["host"], pid=m["pid"],
            created_at=m["created_at"], started_at=m["started_at"],
            heartbeat_at=m["heartbeat_at"], finished_at=m["finished_at"])

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def public(self) -> dict[str, Any]:
        """What the API shows (no pid, host or settings)."""
        return {"job_id": self.job_id, "kind": self.kind, "state": self.state,
                "state_label": self.state_label,
                "percent": 100.0 if self.state == "done" else round(100 * self.progress, 1),
                "step": self.step, "message": self.message, "username": self.username,
                "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
                "finished_at": _iso(self.finished_at), "result": self.result}


_COLUMNS = [c for c in jobs.c if c.key != "spec"]


def get(db: OpsDb, job_id: str) -> Job | None:
    if not JOB_ID.match(job_id or ""):
        return None
    with ops_db.read(db) as con:
        row = con.execute(select(*_COLUMNS).where(jobs.c.job_id == job_id)).first()
    return Job.from_row(row) if row else None


def list_jobs(db: OpsDb, *, kind: str | None = None, user_id: int | None = None,
              limit: int = 50) -> list[Job]:
    query = select(*_COLUMNS).order_by(jobs.c.created_at.desc()).limit(limit)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    if user_id is not None:
        query = query.where(jobs.c.user_id == user_id)
    with ops_db.read(db) as con:
        return [Job.from_row(r) for r in con.execute(query)]


class Refused(ValueError):
    """The user already has as many jobs of the kind as allowed; the message says so."""


def submit(settings: Settings, kind: str, params: Mapping[str, Any], *,
           user_id: int | None, username: str | None, job_id: str | None = None,
           payload: object = None, per_user: int | None = None,
           refused: str = "您已有 {n} 个作业正在进行或排队") -> Job:
    """Queue a job and start it if a slot is free. The job runs with ``settings`` (less
    the session key, which no job needs and which must not be stored) and ``payload``
    (any picklable object its work needs). With ``per_user``, a user who already has
    that many unfinished jobs of the kind is refused (``Refused``), checked and queued
    as one step for every worker."""
    job_id = job_id or new_job_id()
    if not JOB_ID.match(job_id):
        raise ValueError(f"bad job id {job_id!r}")
    spec = pickle.dumps((replace(settings, secret_key=""), payload))
    with ops_db.write(settings.users_db, lock="jobs") as con:
        if per_user is not None:
            waiting = con.execute(select(func.count()).select_from(jobs).where(
                jobs.c.kind == kind, jobs.c.user_id == user_id,
                jobs.c.state.in_(("queued", "running")))).scalar_one()
            if waiting >= per_user:
                raise Refused(refused.format(n=waiting))
        con.execute(insert(jobs).values(
            job_id=job_id, kind=kind, user_id=user_id, username=username, state="queued",
            step="排队", params=orjson.dumps(dict(params)).decode(), spec=spec,
            host=this_host(), created_at=time.time()))
    dispatch(settings)
    found = get(settings.users_db, job_id)
    assert found is not None
    return found


def request_cancel(db: OpsDb, job_id: str) -> Job | None:
    """A queued job is cancelled at once; a running one when it next reports progress."""
    now = time.time()
    with ops_db.write(db) as con:
        con.execute(update(jobs).where(jobs.c.job_id == job_id, jobs.c.state == "queued")
                    .values(state="cancelled", message="已取消", finished_at=now))
        con.execute(update(jobs).where(jobs.c.job_id == job_id, jobs.c.state == "running")
                    .values(cancel_requested=True))
    return get(db, job_id)


def is_stale(job: Job, now: float | None = None) -> bool:
    beat = job.heartbeat_at or job.started_at or job.created_at
    return (now or time.time()) - beat > STALE_SECONDS


def _fail_stale(con: Connection, now: float) -> None:
    con.execute(update(jobs).where(jobs.c.state == "running",
                                   jobs.c.heartbeat_at < now - STALE_SECONDS)
                .values(state="failed", finished_at=now,
                        message="作业进程意外结束, 请重新提交"))


def _claim(con: Connection, max_running: int, limits: Mapping[str, int], host: str,
           now: float) -> list[str]:
    """Mark as running the queued jobs of ``host`` that fit its free slots."""
    running: dict[str, int] = dict(con.execute(
        select(jobs.c.kind, func.count()).where(jobs.c.state == "running", jobs.c.host == host)
        .group_by(jobs.c.kind)).all())
    total = sum(running.values())
    queued = con.execute(select(jobs.c.job_id, jobs.c.kind)
                         .where(jobs.c.state == "queued", jobs.c.host == host)
                         .order_by(jobs.c.created_at, jobs.c.job_id)).all()
    claimed = []
    for job_id, kind in queued:
        if total >= max_running:
            break
        if running.get(kind, 0) >= limits.get(kind, max_running):
            continue
        con.execute(update(jobs).where(jobs.c.job_id == job_id).values(
            state="running", step="启动", started_at=now, heartbeat_at=now))
        running[kind] = running.get(kind, 0) + 1
        total += 1
        claimed.append(job_id)
    return claimed


def kind_limits(settings: Settings) -> dict[str, int]:
    return {**KIND_LIMITS, "export": settings.export_max_running}


def dispatch(settings: Settings) -> list[str]:
    """Fail jobs whose process is gone, then start what this server has room for: at
    most ``jobs_max_running`` in all and each kind's own limit.

    Claiming happens under the ``jobs`` lock row, so two workers never start the same
    job nor more than the cap between them."""
    db = settings.users_db
    with ops_db.write(db, lock="jobs") as con:
        now = time.time()  # inside the lock: recorded times follow the order of commits
        _fail_stale(con, now)
        claimed = _claim(con, max(1, settings.jobs_max_running), kind_limits(settings),
                         this_host(), now)
    _reap()
    for job_id in claimed:
        _spawn(db, job_id)
    return claimed


def _spawn(db: OpsDb, job_id: str) -> None:
    env = {**os.environ, DATABASE_ENV: ops_db.database_url(db)}
    try:
        proc = subprocess.Popen([sys.executable, "-m", "ops.runner", job_id], cwd=ROOT,
                                env=env, stdin=subprocess.DEVNULL, close_fds=True,
                                start_new_session=True)
    except OSError as exc:
        log.exception("job %s could not start", job_id)
        finish(db, job_id, "failed", f"作业无法启动: {exc}")
        return
    with ops_db.write(db) as con:
        con.execute(update(jobs).where(jobs.c.job_id == job_id, jobs.c.pid.is_(None))
                    .values(pid=proc.pid))
    _children.append(proc)


# Job processes this worker started; the ended ones are reaped (no zombies) whenever
# it starts another, without a waiting thread per job.
_children: list[subprocess.Popen[bytes]] = []


def _reap() -> None:
    _children[:] = [p for p in _children if p.poll() is None]


def finish(db: OpsDb, job_id: str, state: str, message: str,
           result: Mapping[str, Any] | None = None) -> None:
    assert state in FINAL_STATES
    values: dict[str, Any] = {"state": state, "message": message}
    if result is not None:
        values["result"] = orjson.dumps(dict(result), default=str).decode()
    if state == "done":
        values["progress"] = 1.0
    with ops_db.write(db, lock="jobs") as con:
        values["finished_at"] = time.time()  # under dispatch's lock: times follow commits
        con.execute(update(jobs).where(jobs.c.job_id == job_id).values(**values))


def load_spec(db: OpsDb, job_id: str) -> tuple[Settings, object]:
    """The settings and the payload the job was submitted with."""
    with ops_db.read(db) as con:
        spec = con.execute(select(jobs.c.spec).where(jobs.c.job_id == job_id)).scalar_one()
    settings, payload = pickle.loads(spec)
    return settings, payload


def finished_before(db: OpsDb, kind: str, stamp: float) -> list[str]:
    """The finished jobs of ``kind`` that ended before ``stamp`` (epoch seconds)."""
    with ops_db.read(db) as con:
        return list(con.execute(select(jobs.c.job_id).where(
            jobs.c.kind == kind, jobs.c.state.in_(FINAL_STATES),
            jobs.c.finished_at < stamp)).scalars())


def forget(db: OpsDb, job_ids: list[str]) -> None:
    """Remove jobs' rows (their files are their kind's to remove)."""
    if job_ids:
        with ops_db.write(db) as con:
            con.execute(delete(jobs).where(jobs.c.job_id.in_(job_ids)))
