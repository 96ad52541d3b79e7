"""Name lookups of huge summaries go in chunks (ClickHouse refuses arrays over 1 M)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from data.settings import Settings
from engines import engine_for
from queries import engine as reporting
from queries import lookups
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


@pytest.mark.parametrize("engine_name", ["duckdb", "clickhouse"])
def test_chunked_lookups_give_the_same_names(engine_name: str, settings: Settings,
                                             clickhouse: Settings,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = replace(clickhouse if engine_name == "clickhouse" else settings,
                     results_cache_entries=0)
    report = CATALOG["pnl-insured"]
    values = reporting.parse_filters(report, {})
    whole = reporting.run_summary(engine_for(target), report, values, GM)
    monkeypatch.setattr(lookups, "LOOKUP_CHUNK", 997)
    chunked = reporting.run_summary(engine_for(target), report, values, GM)
    assert len(whole.rows) > 3 * 997
    assert [r["insured_label"] for r in chunked.rows] == [r["insured_label"] for r in whole.rows]
    assert all(r["insured_label"] for r in chunked.rows)


@pytest.mark.parametrize("engine_name", ["duckdb", "clickhouse"])
def test_bounded_summary_keeps_full_totals(engine_name: str, settings: Settings,
                                           clickhouse: Settings) -> None:
    target = replace(clickhouse if engine_name == "clickhouse" else settings,
                     results_cache_entries=0)
    report = CATALOG["pnl-insured"]
    values = reporting.parse_filters(report, {})
    whole = reporting.run_summary(engine_for(target), report, values, GM)
    bounded = reporting.run_summary(engine_for(target), report, values, GM, max_groups=100)
    assert bounded.truncated and not whole.truncated
    assert bounded.rows == whole.rows[:100]
    assert bounded.totals == whole.totals
    few = reporting.run_summary(engine_for(target), CATALOG["claims-open"], reporting.parse_filters(
        CATALOG["claims-open"], {"registered_from": "2025-01-01",
                                 "registered_to": "2026-11-20"}), GM, max_groups=100)
    assert not few.truncated and few.rows
