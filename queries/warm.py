"""Warm a store when the app opens it: the first request after a start (or after a new
store is swapped in) should answer about as fast as the next one.

A cold process pays for the SQL parser's first use (about a second), for the first read
of a rollup's column metadata and for a statement's first read of its columns: compiling
each report's opening summary, reading one row of every table it names, then running the
opening summaries (within a time budget) pays all three before a user asks. A store file
the operating system has not cached (a restart after other work pushed it out) costs a
disk read on a column's first use, far more than the query: the file is read through
once, in order, beside the rest.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from data.settings import Settings
from engines import Capability
from engines.base import Engine
from queries import engine as reporting
from queries import sql as C
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.filter_kinds import kind_of
from queries.spec import Report
from queries.store import run
from queries.summary import groups_statement

log = logging.getLogger(__name__)
WARM_VIEWER = Viewer(0, "warm", "warm", frozenset(CATALOG), DataScope("company"), False)


def default_args(report: Report, settings: Settings) -> dict[str, str]:
    """The required filters filled as a user would on opening the page: the last year."""
    args: dict[str, str] = {}
    for f in report.filters:
        if f.required:
            args.update(kind_of(f).opening_args(f, settings.today))
    return args


def opening_summary(report: Report, engine: Engine) -> C.Statement:
    """The statement of the summary a user gets on opening the page: its required
    filters at their defaults, a screen of groups in the summary's default order."""
    settings = engine.settings
    values = reporting.parse_filters(report, default_args(report, settings), settings.today)
    dims = reporting.summary_dims(report, None, None)
    # The groups kept at load time (queries/openings.py) when the store has them.
    return groups_statement(engine, report, dims, values, WARM_VIEWER,
                            sv=reporting.settings_values(report, engine.settings),
                            max_groups=reporting.SUMMARY_GROUPS_SHOWN,
                            sort=reporting.default_summary_sort(report, dims))


READ_CHUNK = 8 << 20
# Warming in threads (a swapped-in store) stops at the interpreter's exit, and the exit
# waits for the statement under way: a DuckDB query cut by the exit aborts the process.
_stopping = threading.Event()
_warming: set[threading.Thread] = set()
_readers: list[threading.Thread] = []
_warming_lock = threading.Lock()


@atexit.register
def _stop_warming() -> None:
    _stopping.set()
    with _warming_lock:
        busy = [t for t in _warming if t is not threading.current_thread()]
    for thread in busy:
        thread.join(timeout=60)


def read_through(path: Path) -> int:
    """Read ``path`` once from start to end (the operating system keeps what was read);
    returns the bytes read."""
    done = 0
    with path.open("rb", buffering=0) as f:
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        chunk = bytearray(READ_CHUNK)
        while read := f.readinto(chunk):
            done += read
    return done


def read_store_file(engine: Engine, *, at_start: bool = False) -> threading.Thread | None:
    """Read the store file through in a thread of its own (I/O, little CPU), when the
    engine serves a local file. The web workers of one machine take turns: the first
    reads from the disk, the others then find the file in the operating system's cache."""
    if not engine.supports(Capability.LOCAL_FILE):
        return None
    path = engine.settings.store_path

    def read() -> None:
        lock = Path(tempfile.gettempdir()) / f"store-read-{os.getuid()}-" \
            f"{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}.lock"
        try:
            with lock.open("a") as held:
                fcntl.flock(held, fcntl.LOCK_EX)
                read_through(path)
        except OSError:  # swapped away or gone: the next store is read when it opens
            log.info("store file %s not read through", path.name)

    thread = threading.Thread(target=read, name="store-read-through", daemon=True)
    if at_start:  # a store swapped in later is read while the one before still serves
        with _warming_lock:
            _readers.append(thread)
    thread.start()
    return thread


def still_reading() -> bool:
    """A store file opened at start is still being read through: a request now may wait
    on the disk (``/healthz`` answers 503 meanwhile, so a balancer waits for it)."""
    with _warming_lock:
        _readers[:] = [t for t in _readers if t.is_alive()]
        return bool(_readers)


def warm(engine: Engine, budget_s: float = 3.0, summaries_s: float = 0.0, *,
         at_start: bool = False) -> dict[str, Any]:
    """Compile each report's opening summary and read a row of each table it names (for
    at most ``budget_s``), then run the summaries for at most ``summaries_s`` more: a
    statement's first run reads its columns into the engine's buffers, where the next
    runs find them. Returns what was done."""
    started = time.perf_counter()
    me = threading.current_thread()
    with _warming_lock:
        _warming.add(me)
    try:
        return _warm(engine, budget_s, summaries_s, started, at_start)
    finally:
        with _warming_lock:
            _warming.discard(me)


def _warm(engine: Engine, budget_s: float, summaries_s: float, started: float,
          at_start: bool) -> dict[str, Any]:
    reading = read_store_file(engine, at_start=at_start)
    opened: list[tuple[Report, C.Statement]] = []
    tables: set[str] = set()
    for report in CATALOG.values():
        if time.perf_counter() - started > budget_s or _stopping.is_set():
            break
        try:
            st = opening_summary(report, engine)
            opened.append((report, st))
            dims = reporting.summary_dims(report, None, None)
            for table in {report.source, *(d.lookup.table for d in dims if d.lookup)}:
                if table not in tables:
                    tables.add(table)
                    run(engine, C.Statement(f"SELECT * FROM {table} LIMIT 1", {}))
        except Exception:  # warming is best effort: a request will show the real error
            log.exception("warming %s failed", report.slug)
    ran, compiled = 0, time.perf_counter()
    for report, st in opened:
        if time.perf_counter() - compiled > summaries_s or _stopping.is_set():
            break
        try:
            run(engine, st)
            ran += 1
        except Exception:
            log.exception("warming %s failed", report.slug)
    seconds = round(time.perf_counter() - started, 2)
    log.info("store warmed: %d report(s), %d summaries run in %.2f s", len(opened), ran,
             seconds)
    return {"reports": len(opened), "summaries": ran, "tables": len(tables),
            "seconds": seconds, "file_read": reading is not None}
