"""The pieces of the HTTP benchmarks: the engine's statements recorded and replayed on a
plain connection, the app started under gunicorn, its memory, a timed request, and
percentiles."""

from __future__ import annotations

import contextlib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import requests

from engines.duckdb_engine import DuckDBEngine

ROOT = Path(__file__).resolve().parent.parent


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def stats(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(xs), 1), "p95_ms": round(pct(xs, 0.95), 1),
            "runs": len(xs)}


# --- the raw floor: the engine's own statements replayed ------------------------------


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every (SQL, parameters) the engine sends to DuckDB inside the block."""
    seen: list[tuple[str, dict[str, Any]]] = []
    real = DuckDBEngine.fetch

    def spy(engine: DuckDBEngine, sql: str, params: dict[str, Any] | None = None
            ) -> tuple[list[str], list[tuple[Any, ...]]]:
        seen.append((sql, dict(params or {})))
        return real(engine, sql, params)

    DuckDBEngine.fetch = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        DuckDBEngine.fetch = real  # type: ignore[method-assign]


def raw_ms(con: duckdb.DuckDBPyConnection, statements: list[tuple[str, dict[str, Any]]]
           ) -> float:
    started = time.perf_counter()
    for sql, params in statements:
        con.execute(sql, params).fetchall()
    return (time.perf_counter() - started) * 1000


# --- the app under gunicorn -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    subprocess.run([sys.executable, "-m", "wsgi", "--prepare"], cwd=ROOT, env=env,
                   check=True)
    log = Path(env["STORE_PATH"]).with_name("bench-gunicorn.log")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                 "gunicorn.conf.py", "wsgi:server"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return proc
        time.sleep(0.5)
    proc.terminate()
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"the app did not start; its log ends with:\n{tail}")


def rss_mib(pid: int) -> dict[str, float]:
    """Now and peak resident memory of the gunicorn master and its workers."""
    out = {"rss_mib": 0.0, "peak_mib": 0.0}
    for p in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out["rss_mib"] += int(line.split()[1]) / 1024
                if line.startswith("VmHWM:"):
                    out["peak_mib"] += int(line.split()[1]) / 1024
    return {k: round(v, 1) for k, v in out.items()}


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


# --- timing ---------------------------------------------------------------------------


def timed_get(session: requests.Session, url: str, params: dict[str, str]
              ) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    resp = session.get(url, params=params, timeout=300)
    ms = (time.perf_counter() - started) * 1000
    if resp.status_code != 200:
        raise RuntimeError(f"{url} {params}: {resp.status_code} {resp.text[:300]}")
    return ms, resp.json()
