"""A store is warmed when the app opens it: every report's opening summary compiles and
runs once before a user asks (its first run reads its columns)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.catalog import CATALOG
from queries.warm import opening_summary, warm


def test_warm_compiles_every_report_and_reads_its_tables(engine: Engine) -> None:
    done = warm(engine, budget_s=60.0)
    assert done["reports"] == len(CATALOG)
    assert done["tables"] >= len({r.source for r in CATALOG.values()})


def test_warm_runs_every_opening_summary(engine: Engine,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from queries import warm as warm_module

    ran: list[str] = []
    real = warm_module.run

    def spy(e: Engine, statement: Any) -> Any:
        ran.append(statement.sql())
        return real(e, statement)

    monkeypatch.setattr(warm_module, "run", spy)
    done = warm(engine, budget_s=60.0, summaries_s=60.0)
    assert done["summaries"] == len(CATALOG)
    for report in CATALOG.values():
        # The very statement a user's first opening of the page runs (default sort too).
        assert opening_summary(report, engine).sql() in ran, report.slug


def test_summary_labels_of_a_small_lookup_cost_no_second_statement(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from engines.duckdb_engine import DuckDBEngine
    from queries import engine as reporting
    from queries.access import DataScope, Viewer

    report = CATALOG["pnl-auto-cube"]
    viewer = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    values = reporting.parse_filters(report, {"start_from": "2025-01-01",
                                           "start_to": "2025-06-30"}, settings.today)
    uncached = replace(settings, results_cache_entries=0)
    first = reporting.run_summary(engine_for(uncached), report, values, viewer, group_by=["branch"])
    seen: list[str] = []
    real = DuckDBEngine.fetch

    def spy(self: DuckDBEngine, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return real(self, sql, params)

    with monkeypatch.context() as patch:
        patch.setattr(DuckDBEngine, "fetch", spy)
        again = reporting.run_summary(engine_for(uncached), report, values, viewer,
                                      group_by=["branch"])
    assert len(seen) == 1  # groups and totals in one statement, names from memory
    assert again.rows == first.rows and again.totals == first.totals
    names = dict(engine_for(settings).fetch("SELECT branch_id, branch_name FROM branch")[1])
    assert all(r["branch_label"] == names[r["branch"]] for r in again.rows)


def test_warm_reads_the_store_file_through(engine: Engine,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from queries import warm as warm_module

    read: list[int] = []
    real = warm_module.read_through
    monkeypatch.setattr(warm_module, "read_through", lambda path: read.append(real(path)))
    done = warm(engine, budget_s=0.0)
    assert done["file_read"] is True
    deadline = time.monotonic() + 60
    while not read and time.monotonic() < deadline:
        time.sleep(0.05)
    # Every byte once, in a thread beside the warming (the OS keeps the pages).
    assert read == [engine.settings.store_path.stat().st_size]


@pytest.fixture
def held_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event,
                                                                  threading.Event]]:
    """Reading the store file through waits: (started, let it finish)."""
    from queries import warm as warm_module

    reading, done = threading.Event(), threading.Event()
    real = warm_module.read_through

    def slow(path: Any) -> int:
        reading.set()
        done.wait(60)
        return real(path)

    monkeypatch.setattr(warm_module, "read_through", slow)
    yield reading, done
    done.set()


def test_health_says_warming_until_the_store_is_read_through(
        settings: Settings, held_read: tuple[threading.Event, threading.Event]) -> None:
    from app import create_app
    from queries import warm as warm_module

    reading, done = held_read
    client = create_app(settings).server.test_client()
    assert reading.wait(60)
    # Answered while the file is read: not ready, said plainly, no sign-in needed.
    answer = client.get("/healthz")
    assert (answer.status_code, answer.text) == (503, "warming")
    done.set()
    deadline = time.monotonic() + 60
    while warm_module.still_reading() and time.monotonic() < deadline:
        time.sleep(0.05)
    answer = client.get("/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")


def test_a_store_swapped_in_is_read_without_turning_the_worker_away(
        engine: Engine, held_read: tuple[threading.Event, threading.Event]) -> None:
    from queries import warm as warm_module

    reading, _ = held_read
    warm(engine, budget_s=0.0)  # as a swap warms: the store before still serves
    assert reading.wait(60)
    assert not warm_module.still_reading()
