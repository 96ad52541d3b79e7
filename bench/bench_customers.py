"""Customer identification on a generated zh-CN book with known truth. Not a test.

    .venv/bin/python -m bench.bench_customers [RECORDS] [--changed N] [--no-baseline]

Measures: pairwise precision and recall of the full resolution, its time; an incremental
day (N changed or new records, default 5 % of the book) against the resolved book; how
many unchanged customers change 统一客户号 between the two loads (incremental, and a full
reload of book + day with the first load's numbers); and, on the same records, a plain
default Splink model (raw columns, stock comparisons). Saves bench/results_customers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from data.customers import resolve, resolve_increment
from data.customers.synth import customer_set, next_day

OUT = Path(__file__).with_name("results_customers.json")
MAX_PLAIN_PAIRS = 5e7
TARGETS = {"precision": 0.99, "recall": 0.95, "full_seconds": 120, "day_seconds": 30,
           "changed_numbers_share": 0.001}


class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> dict[str, float]:
        return {"seconds": round(time.perf_counter() - self.wall, 1),
                "cpu_seconds": round(time.process_time() - self.cpu, 1)}


def pairwise(con: duckdb.DuckDBPyConnection, links: str, truth: str, cluster: str) -> dict:
    """Precision and recall over record pairs: predicted together vs truly together."""
    p, r, tp = con.execute(f"""
        WITH j AS (SELECT l.{cluster} AS c, t.entity_id AS e FROM {links} l
                   JOIN {truth} t USING (customer_code, source_system)),
        pc AS (SELECT sum(n * (n - 1) / 2) v FROM (SELECT count(*) n FROM j GROUP BY c)),
        tc AS (SELECT sum(n * (n - 1) / 2) v FROM (SELECT count(*) n FROM j GROUP BY e)),
        tp AS (SELECT sum(n * (n - 1) / 2) v FROM (SELECT count(*) n FROM j GROUP BY c, e))
        SELECT pc.v, tc.v, tp.v FROM pc, tc, tp""").fetchall()[0]
    return {"precision": round(tp / p, 5) if p else 1.0, "recall": round(tp / r, 5),
            "predicted_pairs": int(p), "true_pairs": int(r)}


def changed_numbers(con: duckdb.DuckDBPyConnection, before: str, after: str,
                    touched: str) -> dict:
    """Customers of the first load none of whose records changed: how many of them have a
    record whose 统一客户号 differs in the second load."""
    n, moved = con.execute(f"""
        WITH untouched AS (
            SELECT master_no FROM {before} b GROUP BY master_no
            HAVING count(*) FILTER (WHERE (customer_code, source_system) IN
                   (SELECT (customer_code, source_system) FROM {touched})) = 0),
        cmp AS (SELECT b.master_no, bool_or(a.master_no <> b.master_no) AS moved
                FROM {before} b JOIN {after} a USING (customer_code, source_system)
                WHERE b.master_no IN (SELECT master_no FROM untouched) GROUP BY b.master_no)
        SELECT count(*), count(*) FILTER (WHERE moved) FROM cmp""").fetchall()[0]
    return {"unchanged_customers": n, "changed_number": moved,
            "share": round(moved / n, 6) if n else 0.0}


def baseline(records: pa.Table, truth: str, con_truth: duckdb.DuckDBPyConnection) -> dict:
    """A plain Splink model: raw columns (empty text as NULL), stock comparisons."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    clock = Clock()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("raw", records)
    con.execute("""CREATE TABLE plain AS SELECT source_system || '|' || customer_code AS unique_id,
        customer_code, source_system, nullif(customer_name, '') AS customer_name,
        nullif(id_no, '') AS id_no, nullif(mobile, '') AS mobile,
        nullif(address, '') AS address, nullif(birthday, '') AS birthday FROM raw""")
    blocks = (("id_no",), ("mobile",), ("customer_name", "birthday"),
              ("customer_name", "address"))
    candidates = sum(con.execute(
        f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT {', '.join(cols)}, count(*) n "
        f"FROM plain WHERE {' AND '.join(f'{c} IS NOT NULL' for c in cols)} GROUP BY ALL)"
    ).fetchall()[0][0] for cols in blocks)
    if candidates > MAX_PLAIN_PAIRS:
        # Placeholder values (证件号 "无", 13800000000 …) make blocks of millions of pairs.
        return {"candidate_pairs": int(candidates), "not_run": f"over {MAX_PLAIN_PAIRS:.0e} "
                "candidate pairs (upper bound: blocking rules counted separately)"}
    db_api = DuckDBAPI(con)
    sdf = db_api.register("plain", table_name="plain_input")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.NameComparison("customer_name"), cl.ExactMatch("id_no"),
                     cl.ExactMatch("mobile"), cl.LevenshteinAtThresholds("address", [2, 5]),
                     cl.ExactMatch("birthday")],
        blocking_rules_to_generate_predictions=[block_on(*cols) for cols in blocks],
    )
    linker = Linker(sdf, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("id_no")],
                                                                  recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in (block_on("mobile"), block_on("id_no")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=2e6)
    scored = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        scored, threshold_match_probability=0.99)
    links = clusters.as_duckdbpyrelation().select(
        "customer_code, source_system, cluster_id").to_arrow_table()
    timing = clock.read()
    con_truth.register("plain_links", links)
    return {**timing, "candidate_pairs": int(candidates),
            **pairwise(con_truth, "plain_links", truth, "cluster_id")}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("records", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--changed", type=int)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-only", action="store_true")
    parser.add_argument("--no-reload", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    n = args.records
    changed_n = args.changed or n // 20
    clock = Clock()
    records, factory, entities = customer_set(n, seed=2026)
    day = next_day(records, factory, entities, changed_n)
    result: dict = {"records": n, "changed": changed_n, "cores": os.cpu_count(),
                    "load_average_at_start": round(os.getloadavg()[0], 1),
                    "generate": clock.read(), "targets": TARGETS}
    truth = duckdb.connect()
    book_truth = records.select(["customer_code", "source_system", "entity_id"])
    day_truth = day.select(["customer_code", "source_system", "entity_id"])
    truth.register("truth1", book_truth)
    truth.execute("""CREATE TABLE truth2 AS SELECT * FROM truth1 WHERE (customer_code,
        source_system) NOT IN (SELECT (customer_code, source_system) FROM day_truth)
        UNION ALL SELECT * FROM day_truth""")
    raw1, raw2 = records.drop_columns(["entity_id"]), day.drop_columns(["entity_id"])
    if args.baseline_only:
        result["plain_splink"] = baseline(raw1, "truth1", truth)
        _save(n, result)
        return

    con = duckdb.connect()
    clock = Clock()
    first, state = resolve(con, raw1)
    truth.register("links1", first.links)
    result["full"] = {**clock.read(), **pairwise(truth, "links1", "truth1", "master_no"),
                      "masters": first.stats["masters"], "suspects": first.stats["suspects"],
                      "stages": first.stats}
    print("full", json.dumps(result["full"], ensure_ascii=False))

    clock = Clock()
    second = resolve_increment(con, state, raw2)
    truth.register("links2", second.links)
    truth.register("touched", day_truth)
    result["day"] = {**clock.read(), **pairwise(truth, "links2", "truth2", "master_no"),
                     "stages": second.stats,
                     "numbers": changed_numbers(truth, "links1", "links2", "touched")}
    print("day", json.dumps(result["day"], ensure_ascii=False))
    con.close()

    if not args.no_reload:
        con = duckdb.connect()
        truth.execute("CREATE TABLE book2 AS SELECT * FROM truth2")  # keys for the reload
        con.register("r1", raw1)
        con.register("r2", raw2)
        con.execute("""CREATE TABLE book AS SELECT * FROM r1 WHERE (customer_code, source_system)
            NOT IN (SELECT (customer_code, source_system) FROM r2) UNION ALL SELECT * FROM r2""")
        clock = Clock()
        reload, _ = resolve(con, "book", previous_links=first.links, model=state.model)
        truth.register("links3", reload.links)
        result["reload"] = {**clock.read(), **pairwise(truth, "links3", "truth2", "master_no"),
                            "numbers": changed_numbers(truth, "links1", "links3", "touched")}
        print("reload", json.dumps(result["reload"], ensure_ascii=False))
        con.close()

    if not args.no_baseline:
        result["plain_splink"] = baseline(raw1, "truth1", truth)
        print("plain_splink", json.dumps(result["plain_splink"], ensure_ascii=False))
    result["load_average_at_end"] = round(os.getloadavg()[0], 1)

    _save(n, result)


def _save(n: int, result: dict) -> None:
    """Merge into the figures saved for this size (a baseline-only run keeps the rest)."""
    saved = json.loads(OUT.read_text("utf-8")) if OUT.exists() else {}
    saved.setdefault(str(n), {}).update(result)
    OUT.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(saved[str(n)], ensure_ascii=False, indent=2))
    print(side_by_side(saved))


def side_by_side(saved: dict) -> str:
    """Each size's figures against the targets and the plain Splink model's."""
    def cell(run: dict | None) -> str:
        if not run:
            return "—"
        if "not_run" in run:
            return "not run: " + run["not_run"]
        return (f"P {run['precision']:.4f}  R {run['recall']:.4f}  {run['seconds']:.0f} s "
                f"(cpu {run['cpu_seconds']:.0f} s)")

    lines = [f"targets: P ≥ {TARGETS['precision']}, R ≥ {TARGETS['recall']}, full ≤ "
             f"{TARGETS['full_seconds']} s, day ≤ {TARGETS['day_seconds']} s on 2 cores"]
    for size, r in sorted(saved.items(), key=lambda kv: int(kv[0])):
        day = r.get("day", {})
        lines += [f"{int(size):>9,} records (load average {r.get('load_average_at_start')} → "
                  f"{r.get('load_average_at_end')})",
                  f"    Chinese-aware full : {cell(r.get('full'))}",
                  f"    incremental day    : {cell(day)}; {r.get('changed', 0):,} changed, "
                  f"{day.get('stages', {}).get('resolved_again', '?')} records resolved again",
                  f"    plain Splink       : {cell(r.get('plain_splink'))}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
