"""Every report's summary and first detail page on DuckDB and on ClickHouse (chdb),
over the same store, side by side. Not part of the test run.

    .venv/bin/python -m bench.bench_engines STORE [CHDB_DIR] [REPEATS]

Publishes STORE to the embedded ClickHouse at CHDB_DIR (default: beside the store) unless
it holds that store already, then times each report with the catalog's required filters
over the whole book and with a branch filter, REPEATS times. Writes
``bench/results_engines_<N>m.json`` and prints a table.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from data.settings import Settings
from engines import engine_for
from engines.clickhouse_publish import publish
from queries import store_types
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG
from queries.engine import parse_filters, run_detail, run_summary
from tests.catalog_args import wide_args

OUT_DIR = Path(__file__).parent
VIEWERS = [Viewer(0, "bench", "bench", frozenset(CATALOG), DataScope("company"), True),
           Viewer(0, "bench", "bench", frozenset(CATALOG), DataScope("branch", branch_id=3),
                  True)]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def main() -> None:
    store = Path(sys.argv[1])
    chdir = Path(sys.argv[2]) if len(sys.argv) > 2 else store.with_suffix(".chdb")
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    # No results cache: every run is timed on the engine.
    duck = replace(Settings(), store_path=store, results_cache_entries=0)
    store_types.serve_from(engine_for(duck))
    ch = replace(duck, store_engine="clickhouse", clickhouse_url=f"chdb://{chdir}")
    marker = chdir / "published-from"
    stamp = f"{store.stat().st_ino}:{store.stat().st_mtime_ns}"
    publish_s = None
    if not marker.exists() or marker.read_text() != stamp:
        t = time.perf_counter()
        publish(store, ch.clickhouse_url)
        publish_s = round(time.perf_counter() - t, 1)
        marker.write_text(stamp)
    as_of = Settings().today
    policies = engine_for(duck).fetch("SELECT count(*) FROM policy")[1][0][0]
    rows: dict[str, Any] = {}
    for report in ALL_REPORTS:
        values = parse_filters(report, wide_args(report, as_of), as_of)
        times: dict[str, list[float]] = {"duck_s": [], "ch_s": [], "duck_d": [], "ch_d": []}
        for _ in range(repeats):
            for viewer in VIEWERS:
                for name, target in (("duck", duck), ("ch", ch)):
                    t = time.perf_counter()
                    run_summary(engine_for(target), report, values, viewer)
                    times[f"{name}_s"].append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    run_detail(engine_for(target), report, values, viewer, limit=100)
                    times[f"{name}_d"].append((time.perf_counter() - t) * 1000)
        rows[report.slug] = {k: {"p50_ms": round(statistics.median(v), 1),
                                 "p95_ms": round(pct(v, 0.95), 1)} for k, v in times.items()}
    print(f"store: {policies:,} policies; publish {publish_s} s")
    print(f"{'report':<28} {'summary duck':>13} {'chdb':>9} {'ratio':>6} "
          f"{'page1 duck':>11} {'chdb':>9} {'ratio':>6}   (p50 ms)")
    ratios = []
    for slug, r in rows.items():
        s_ratio = r["ch_s"]["p50_ms"] / max(r["duck_s"]["p50_ms"], 0.1)
        d_ratio = r["ch_d"]["p50_ms"] / max(r["duck_d"]["p50_ms"], 0.1)
        ratios += [s_ratio, d_ratio]
        print(f"{slug:<28} {r['duck_s']['p50_ms']:>13.1f} {r['ch_s']['p50_ms']:>9.1f} "
              f"{s_ratio:>6.2f} {r['duck_d']['p50_ms']:>11.1f} {r['ch_d']['p50_ms']:>9.1f} "
              f"{d_ratio:>6.2f}")
    print(f"median chdb/DuckDB ratio {statistics.median(ratios):.2f}, "
          f"range {min(ratios):.2f}–{max(ratios):.2f}")
    out = OUT_DIR / f"results_engines_{policies // 1_000_000}m.json"
    out.write_text(json.dumps({"policies": policies, "publish_s": publish_s,
                               "repeats": repeats, "reports": rows,
                               "median_ratio": round(statistics.median(ratios), 2)},
                              indent=2))


if __name__ == "__main__":
    main()
