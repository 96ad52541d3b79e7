"""综合查询 latency: every kind of term, for a company-wide and a branch viewer, on a
store (generated if missing). Prints and saves bench/results_search.json.

    .venv/bin/python -m bench.bench_search --store /tmp/store1m.duckdb [--policies 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from data.settings import ROOT, Settings
from engines import engine_for
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.search import search

# The same terms for the same store in every run (a repeatable sample), so two runs
# of two versions on one book compare like with like.
_SAMPLE = "USING SAMPLE reservoir(40 ROWS) REPEATABLE (7)"
KINDS = {
    "证件号": f"SELECT id_no FROM customer {_SAMPLE}",
    "手机": f"SELECT mobile FROM customer WHERE mobile IS NOT NULL {_SAMPLE}",
    "电话": f"SELECT phone FROM customer WHERE phone IS NOT NULL {_SAMPLE}",
    "姓名": f"SELECT customer_name FROM customer {_SAMPLE}",
    "地址": f"SELECT substr(address, 1, 8) FROM customer WHERE address IS NOT NULL {_SAMPLE}",
    "车牌": f"SELECT plate_no FROM vehicle WHERE plate_no IS NOT NULL {_SAMPLE}",
    "车架号": f"SELECT vin FROM vehicle {_SAMPLE}",
    "保单号": f"SELECT policy_no FROM policy {_SAMPLE}",
    "立案号": f"SELECT claim_no FROM claim WHERE claim_no IS NOT NULL {_SAMPLE}",
    "报案号": f"SELECT report_no FROM claim {_SAMPLE}",
}


def _terms(store: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        # A placeholder value (无, a blank) is no query a user would type.
        return {k: [str(r[0]) for r in con.execute(sql).fetchall() if len(str(r[0]).strip()) >= 2]
                for k, sql in KINDS.items()}
    finally:
        con.close()


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(len(ordered) * 0.95) - 1], 1),
            "max": round(ordered[-1], 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results_search.json")
    parser.add_argument("--read-through", action="store_true",
                        help="read the store file through first, as the app does on opening it")
    args = parser.parse_args(argv)
    settings = replace(Settings.from_env(), store_path=args.store)
    if not args.store.exists():
        from data.generate import generate

        generate(args.store, args.policies, 7, settings.today, settings)
    read_s = None
    if args.read_through:
        from queries.warm import read_through

        started = time.perf_counter()
        read_through(args.store)
        read_s = round(time.perf_counter() - started, 1)
    terms = _terms(args.store)
    viewers = {
        "公司": Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True),
        "支公司": Viewer(2, "b", "经理", frozenset(CATALOG), DataScope("branch", 1), True),
    }
    search(engine_for(settings), viewers["公司"], terms["保单号"][0])  # open the store once
    random.seed(7)
    results: dict[str, Any] = {}
    for who, viewer in viewers.items():
        for kind, values in terms.items():
            times, cpu = [], []
            for q in values:
                started, cpu_started = time.perf_counter(), time.process_time()
                search(engine_for(settings), viewer, q)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            # CPU time beside wall time: on a shared machine the wall time alone misleads.
            results[f"{who}/{kind}"] = {**_ms(times), "cpu": _ms(cpu)}
            print(f"{who:4} {kind:4} {results[f'{who}/{kind}']}")
    con = duckdb.connect(str(args.store), read_only=True)
    policies = con.execute("SELECT count(*) FROM policy").fetchone()[0]  # type: ignore[index]
    customers = con.execute("SELECT count(*) FROM customer").fetchone()[0]  # type: ignore[index]
    con.close()
    every = [v["p95"] for v in results.values()]
    out_cpu = max(v["cpu"]["p95"] for v in results.values())
    load = os.getloadavg()[0]
    out = {"store_policies": policies, "store_customers": customers,
           "load_average_1m": round(load, 1), "store_read_through_s": read_s,
           "queries_per_kind": 40, "duckdb_threads": settings.duckdb_threads,
           "worst_p95_ms": max(every), "worst_cpu_p95_ms": out_cpu,
           "by_viewer_and_kind_ms": results}
    args.out.write_text(
        json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("store_policies", "worst_p95_ms", "worst_cpu_p95_ms",
                                          "load_average_1m")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
