"""The app under ``bin/serve`` (gunicorn, several workers) on a spare local port, and
data loads driven through ``/api/loads`` against it — for the multi-worker test and
``bench/bench_loads.py``."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from auth.templates import DEMO_PASSWORD
from data.settings import ROOT, Settings

FINAL_STATES = {"done", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers(master: int) -> list[int]:
    """The pids of gunicorn's workers (the master's children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(stat.parent.name))
    return found


def is_up(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


@dataclass
class Served:
    base: str
    master: int  # bin/serve execs gunicorn: its process is the master
    log: Path

    def wait_for_workers(self, count: int, not_in: set[int] | None = None,
                         seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while len(set(workers(self.master)) - (not_in or set())) < count or \
                not is_up(self.base):
            if time.monotonic() > deadline:
                raise AssertionError(self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.3)


@contextlib.contextmanager
def serve(settings: Settings, folder: Path, web_workers: int = 3,
          extra_env: dict[str, str] | None = None) -> Iterator[Served]:
    """``bin/serve`` with ``settings``' store, engine and operational store; stopped
    after. ``extra_env``: more of the environment (gunicorn's own, say)."""
    port = free_port()
    env = {**os.environ, "STORE_PATH": str(settings.store_path), "PORT": str(port),
           "HOST": "127.0.0.1", "WEB_WORKERS": str(web_workers), "WEB_THREADS": "2",
           "JOBS_MAX_RUNNING": str(settings.jobs_max_running),
           "USERS_PATH": str(settings.users_path or ""),
           "DATABASE_URL": settings.database_url, "EXPORT_DIR": str(folder / "exports"),
           "WEB_LOG_LEVEL": "warning", "STORE_ENGINE": settings.store_engine,
           "CLICKHOUSE_URL": settings.clickhouse_url,
           "WARM_SECONDS": str(settings.warm_seconds), **(extra_env or {})}
    if settings.as_of:
        env["AS_OF"] = settings.as_of.isoformat()
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(["bash", "bin/serve"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", proc.pid, log)
    try:
        served.wait_for_workers(web_workers)
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGQUIT)  # gunicorn's quick shutdown
        proc.wait(timeout=60)


@dataclass
class Remote:
    """A signed-in client of the served app that keeps every status it was answered."""

    base: str
    username: str
    session: requests.Session = field(default_factory=requests.Session)
    statuses: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        resp = self.session.post(f"{self.base}/login", allow_redirects=False, timeout=60,
                                 data={"username": self.username, "password": DEMO_PASSWORD})
        assert resp.status_code == 302, resp.status_code

    def start_load(self, zip_bytes: bytes, incremental: bool = False) -> str:
        resp = self.session.post(f"{self.base}/api/loads", timeout=120,
                                 files={"files": ("t1.zip", zip_bytes)},
                                 data={"incremental": "1" if incremental else ""})
        self.statuses.append(resp.status_code)
        assert resp.status_code == 202, resp.text
        return str(resp.json()["job_id"])

    def load_state(self, job_id: str) -> dict[str, Any]:
        resp = self.session.get(f"{self.base}/api/loads/{job_id}", timeout=60)
        self.statuses.append(resp.status_code)
        state: dict[str, Any] = resp.json()
        return state

    def wait_all(self, job_ids: list[str], seconds: float = 900) -> list[dict[str, Any]]:
        """Poll every load until all are finished; each poll's answer is kept."""
        deadline = time.monotonic() + seconds
        last: dict[str, dict[str, Any]] = {}
        while time.monotonic() < deadline:
            for job_id in job_ids:
                if last.get(job_id, {}).get("state") not in FINAL_STATES:
                    last[job_id] = self.load_state(job_id)
            if all(s.get("state") in FINAL_STATES for s in last.values()):
                return [last[j] for j in job_ids]
            time.sleep(0.3)
        raise AssertionError(f"loads not finished: {last}")


def kill_every_worker(served: Served, remote: Remote) -> None:
    """SIGKILL each worker; gunicorn starts new ones (the client reconnects)."""
    killed = set(workers(served.master))
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    remote.session.close()  # its kept-alive connections went with the workers
    served.wait_for_workers(len(killed), not_in=killed, seconds=120)


def spans_overlap(results: list[dict[str, Any]]) -> bool:
    spans = sorted((r["started_at"], r["finished_at"]) for r in results)
    return any(a[1] > b[0] for a, b in itertools.pairwise(spans))
