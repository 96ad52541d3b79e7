"""The results cache: hits for the same question, never across scopes, gone on a swap."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from data.settings import Settings
from engines import engine_for
from queries.access import DataScope, Viewer
from queries.cache import ResultCache
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_summary

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
BRANCH = Viewer(2, "b", "经理", frozenset(CATALOG), DataScope("branch", branch_id=1), True)


def test_cache_keyed_by_scope_and_invalidated_by_swap(settings: Settings,
                                                      tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copy(settings.store_path, store)
    # Its own cache size, so other tests' entries do not count here.
    mine = replace(settings, store_path=store, results_cache_entries=97)
    from queries.cache import results_cache

    cache: ResultCache = results_cache(mine)
    cache.clear()
    report = CATALOG["pnl-auto-cube"]
    values = parse_filters(report, {})
    company = run_summary(engine_for(mine), report, values, GM, group_by=["branch"])
    assert (cache.hits, cache.misses) == (0, 1)
    assert run_summary(engine_for(mine), report, values, GM, group_by=["branch"]) is company
    assert cache.hits == 1
    branch = run_summary(engine_for(mine), report, values, BRANCH, group_by=["branch"])
    assert cache.misses == 2 and branch.totals["policies"] < company.totals["policies"]
    assert {r["branch"] for r in branch.rows} == {1}
    # A rebuilt store swapped in (new file identity): the old result is not served.
    copy = tmp_path / "new.duckdb"
    shutil.copy(settings.store_path, copy)
    os.replace(copy, store)
    again = run_summary(engine_for(mine), report, values, GM, group_by=["branch"])
    assert again is not company and cache.misses == 3
    assert again.totals == company.totals


def test_cache_off_computes_every_time(settings: Settings) -> None:
    off = replace(settings, results_cache_entries=0)
    report = CATALOG["claims-open"]
    values = parse_filters(report, {"registered_from": "2025-01-01",
                                    "registered_to": "2026-11-20"})
    first = run_summary(engine_for(off), report, values, GM)
    assert run_summary(engine_for(off), report, values, GM) is not first


def test_cache_is_bounded_by_size_not_only_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big results push out old ones by their size; one too big is never kept."""
    from dataclasses import dataclass

    import queries.cache as cache_module

    monkeypatch.setattr(cache_module, "store_key", lambda _engine: ("test", 1))

    @dataclass
    class Result:
        rows: list[dict[str, int]]

    viewer = Viewer(0, "t", "t", frozenset(), DataScope("company"), True)
    cache = ResultCache(entries=100, max_cells=1_000)
    plain = replace(Settings(), store_engine="clickhouse", clickhouse_url="none")
    computed: list[str] = []

    def result(name: str, n: int):  # type: ignore[no-untyped-def]
        def compute() -> Result:
            computed.append(name)
            return Result([{"a": i, "b": i} for i in range(n)])
        return cache.get_or_compute(engine_for(plain), viewer, (name,), compute)

    for i in range(6):
        result(f"r{i}", 100)  # 201 cells each: at most four fit
    assert cache.cells <= 1_000 and len(cache._data) == 4
    result("r5", 100)
    result("r0", 100)  # pushed out by size: computed again
    assert computed.count("r5") == 1 and computed.count("r0") == 2
    result("huge", 200)  # over a quarter of the budget: served, not kept
    result("huge", 200)
    assert computed.count("huge") == 2 and cache.cells <= 1_000
