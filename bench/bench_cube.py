"""3.6 车险盈亏综合状况: summary p50/p95 for 1, 2 and 3 group-bys through the engine, next
to the same SQL run directly on DuckDB. Not part of the test run.

    .venv/bin/python -m bench.bench_cube STORE [REPEATS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from data.settings import Settings
from engines import engine_for
from queries import sql as C
from queries import store_types
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_summary, summary_dims

OUT = Path(__file__).with_name("results_cube.json")
GROUPS = {1: [["use_nature"], ["branch"], ["use_years"]],
          2: [["branch", "use_nature"], ["vehicle_kind", "seats"], ["dept", "sum_insured"]],
          3: [["branch", "use_nature", "use_years"], ["clause", "tonnage", "loss_ratio"],
              ["dept", "start_year", "vehicle_kind"]]}
FILTERS = [{}, {"branch": "1"}, {"start_from": "2024-01-01", "start_to": "2025-12-31"},
           {"use_nature": "101,203", "sum_insured": "02 10-20万,03 20-50万"}]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def main() -> None:
    store = Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    settings = replace(Settings(), store_path=store, results_cache_entries=0)
    store_types.serve_from(engine_for(settings))
    report = CATALOG["pnl-auto-cube"]
    viewer = Viewer(0, "bench", "bench", frozenset(CATALOG), DataScope("company"), True)
    raw = duckdb.connect(str(store), read_only=True)
    raw.execute(f"SET threads = {settings.duckdb_threads}")
    results = {}
    for n, groups in GROUPS.items():
        app_t, raw_t = [], []
        for _ in range(repeats):
            for g in groups:
                for f in FILTERS:
                    values = parse_filters(report, f)
                    t = time.perf_counter()
                    run_summary(engine_for(settings), report, values, viewer, group_by=g)
                    app_t.append((time.perf_counter() - t) * 1000)
                    st = C.summary_statement(report, summary_dims(report, None, g),
                                             values.conditions, viewer, {},
                                             with_totals=True)
                    t = time.perf_counter()
                    raw.execute(st.sql(), st.params).fetchall()
                    raw_t.append((time.perf_counter() - t) * 1000)
        results[f"{n}_group_by"] = {
            "engine_p50_ms": round(statistics.median(app_t), 1),
            "engine_p95_ms": round(pct(app_t, 0.95), 1),
            "duckdb_p50_ms": round(statistics.median(raw_t), 1),
            "duckdb_p95_ms": round(pct(raw_t, 0.95), 1), "runs": len(app_t)}
    policies = raw.execute("SELECT count(*) FROM policy").fetchone()[0]
    print(f"store: {policies:,} policies")
    print(f"{'group-bys':>10} {'engine p50':>11} {'p95':>8} {'duckdb p50':>11} {'p95':>8}")
    for key, r in results.items():
        print(f"{key[0]:>10} {r['engine_p50_ms']:>9.1f}ms {r['engine_p95_ms']:>6.1f}ms "
              f"{r['duckdb_p50_ms']:>9.1f}ms {r['duckdb_p95_ms']:>6.1f}ms")
    OUT.write_text(json.dumps({"policies": policies, **results}, indent=2))


if __name__ == "__main__":
    main()
