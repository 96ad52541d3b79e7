"""The product beside the independent floor benchmark (``shared/floor``), in one run on
one machine: store size, generate time, xlsx and CSV of a million rows, a small summary
against its own SQL, the 3.6 cube against the floor's 12 cases, the first request
after the app starts against a warm one, and every report the floor has the same query
for (``bench/bench_floor_reports.py``).

    .venv/bin/python -m bench.bench_floor --policies 1000000 [--dir var/bench] [--reuse]

Both stores are generated in the run (``--reuse`` keeps existing ones and skips the
generate row). Prints a table and writes bench/results_floor_<size>.json. Not part of the tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import requests

from bench.http_harness import children, free_port, raw_ms, recording, start_app
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import engine as reporting
from queries import store_types
from queries.catalog import CATALOG

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent
AS_OF = date(2026, 11, 22)
PASSWORD = "demo-pass-2026"
# The floor's cube dimensions as the product's 3.6 group-bys.
CUBE_DIMS = {"use_nature": "use_nature", "vehicle_kind": "vehicle_kind",
             "use_years_band": "use_years", "seats_band": "seats",
             "tonnage_band": "tonnage", "si_band": "sum_insured", "branch_id": "branch"}
# 4.7: a few groups, where the fixed cost per request shows.
SMALL = ("exchange-rates", {"date_from": "2026-01-01", "date_to": "2026-11-22"})
EXPORT = "pnl-insured"  # every policy: a million rows on a million-policy store


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def floor_module(floor: Path) -> Any:
    """The floor's own harness (its cases and SQL), loaded under a name of its own."""
    spec = importlib.util.spec_from_file_location("floor_bench", floor / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(policies: int, store: Path, floor_store: Path, floor: Path, reuse: bool
             ) -> dict[str, Any]:
    """Both stores, generated unless ``reuse`` finds them; the figures of the run that
    generated them are kept beside them (a ``--generate-only`` run, then ``--reuse``)."""
    kept = store.with_suffix(".generate.json")
    out: dict[str, Any] = json.loads(kept.read_text()) if reuse and kept.exists() else {}
    if not (reuse and store.exists()):
        store.unlink(missing_ok=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "data.generate", "--policies", str(policies),
                        "--as-of", AS_OF.isoformat(), "--out", str(store)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        out["product_s"] = round(time.perf_counter() - t, 1)
        out["product_load_after"] = os.getloadavg()
    if not (reuse and floor_store.exists()):
        floor_store.unlink(missing_ok=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, str(floor / "gen.py"), "--policies", str(policies),
                        "--out", str(floor_store)], cwd=floor, check=True,
                       stdout=subprocess.DEVNULL)
        out["floor_s"] = round(time.perf_counter() - t, 1)
    out["product_gib"] = round(store.stat().st_size / 2**30, 3)
    out["floor_gib"] = round(floor_store.stat().st_size / 2**30, 3)
    kept.write_text(json.dumps(out, default=str))
    return out


def export_window(store: Path, rows: int = 1_000_000) -> dict[str, str]:
    """The start-date filter that leaves about ``rows`` policies of 3.1 (the whole book
    when it holds no more): an xlsx sheet holds at most 1,048,576 rows."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        (total,) = con.execute("SELECT count(*) FROM policy_pnl").fetchall()[0]
        if total <= rows:
            return {}
        (day,) = con.execute("SELECT start_date FROM policy_pnl ORDER BY start_date DESC "
                             "LIMIT 1 OFFSET ?", [rows]).fetchall()[0]
    finally:
        con.close()
    # The day after the first one left out: at most ``rows`` policies.
    return {"start_from": date.fromordinal(day.toordinal() + 1).isoformat()}


class PeakRss:
    """Peak resident memory of the processes the app starts while it runs (an export
    job runs in a process of its own, below a web worker)."""

    def __init__(self, app_pid: int) -> None:
        self.app_pid, self.peak_mib, self._stop = app_pid, 0.0, threading.Event()
        self._before = set(descendants(app_pid))
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for pid in set(descendants(self.app_pid)) - self._before:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                hwm = re.search(r"VmHWM:\s+(\d+)", status)
                if hwm:
                    self.peak_mib = max(self.peak_mib, int(hwm.group(1)) / 1024)


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def child_seconds(code: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of ``code`` in a fresh interpreter
    (CPU seconds tell the work apart from a busy machine's waiting)."""
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across the exec.
    wrapper = ("import re, resource, time; t = time.perf_counter()\n" + code +
               "\nu = resource.getrusage(resource.RUSAGE_SELF)\n"
               "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())\n"
               "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, int(hwm[1]) / 1024)")
    out = subprocess.run([sys.executable, "-c", wrapper], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    return round(float(out[-3]), 2), round(float(out[-2]), 2), round(float(out[-1]), 1)


def xlsx_rows(session: requests.Session, base: str, store: Path, app_pid: int,
              window: dict[str, str]) -> dict[str, Any]:
    with PeakRss(app_pid) as watch:
        t = time.perf_counter()
        job = session.post(f"{base}/api/reports/{EXPORT}/exports",
                           params={"level": "detail", **window}, timeout=60).json()
        while True:
            status = session.get(f"{base}/api/exports/{job['job_id']}", timeout=60).json()
            if status["state"] in {"done", "failed", "cancelled", "too_many_rows"}:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - t
    assert status["state"] == "done", status
    # Reference: the Rust writer alone on the same rows, straight from DuckDB.
    # Reference: the Rust writer alone on the same statement's rows, no formats.
    ref_s, ref_cpu, ref_rss = child_seconds(
        "import rustpy_xlsxwriter as rx\n"
        "from bench.bench_floor import export_reader\n"
        f"with export_reader({str(store)!r}, {window!r}) as r:\n"
        "    rx.write_worksheet(r, '/tmp/bench-floor-ref.xlsx')")
    # The job's own work in a child (its settings: one DuckDB thread), with CPU time.
    own_s, own_cpu, own_rss = child_seconds(
        "from bench.bench_floor import export_job_alone\n"
        f"export_job_alone({str(store)!r}, {window!r})")
    columns = len(CATALOG[EXPORT].detail)
    return {"rows": status["rows_done"], "columns": columns, "product_s": round(seconds, 2),
            "job_rss_mib": round(watch.peak_mib, 1), "job_alone_s": own_s,
            "job_alone_cpu_s": own_cpu, "job_alone_rss_mib": own_rss,
            "rust_alone_s": ref_s, "rust_alone_cpu_s": ref_cpu, "rust_alone_rss_mib": ref_rss}


def export_reader(store: str, window: dict[str, str]) -> Any:
    from queries import export_stream
    from queries.access import DataScope, Viewer

    settings = replace(Settings.from_env(), store_path=Path(store), as_of=AS_OF)
    store_types.serve_from(engine_for(settings))
    report = CATALOG[EXPORT]
    viewer = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    values = reporting.parse_filters(report, window, AS_OF)
    return export_stream.arrow_reader(engine_for(settings), report, values, viewer, (),
                                      batch_rows=10_000)


def export_job_alone(store: str, window: dict[str, str]) -> None:
    from queries import export
    from queries.access import DataScope, Viewer
    from queries.export_jobs import job_settings

    settings = job_settings(replace(Settings.from_env(), store_path=Path(store), as_of=AS_OF))
    store_types.serve_from(engine_for(settings))
    report = CATALOG[EXPORT]
    viewer = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    export.detail_xlsx(Path("/tmp/bench-floor-job.xlsx"), engine_for(settings), report,
                       reporting.parse_filters(report, window, AS_OF), viewer)


def csv_alone(store: str, window: dict[str, str]) -> None:
    from queries import export
    from queries.access import DataScope, Viewer

    settings = replace(Settings.from_env(), store_path=Path(store), as_of=AS_OF)
    store_types.serve_from(engine_for(settings))
    report = CATALOG[EXPORT]
    viewer = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    for _ in export.detail_csv(engine_for(settings), report,
                               reporting.parse_filters(report, window, AS_OF),
                               viewer):
        pass


def csv_rows(session: requests.Session, base: str, store: Path, floor_store: Path,
             floor_bench: Any, *, window: dict[str, str]) -> dict[str, Any]:
    runs, size = [], 0
    for _ in range(3):
        t = time.perf_counter()
        with session.get(f"{base}/export/{EXPORT}.csv", params={"level": "detail", **window},
                         stream=True, timeout=600) as resp:
            assert resp.status_code == 200, resp.text[:300]
            size = sum(len(chunk) for chunk in resp.iter_content(1 << 20))
        runs.append(time.perf_counter() - t)
    copy = []
    con = duckdb.connect(str(floor_store), read_only=True)
    con.execute("SET threads = 2")
    sql = floor_bench.export_sql(date.fromisoformat(floor_bench.EXPORT_D0[0]), 1_000_000)
    for _ in range(3):
        t = time.perf_counter()
        con.execute(f"COPY ({sql}) TO '/tmp/bench-floor-copy.csv' (HEADER)")
        copy.append(time.perf_counter() - t)
    con.close()
    own = child_seconds("from bench.bench_floor import csv_alone\n"
                        f"csv_alone({str(store)!r}, {window!r})")
    copy_sql = f"COPY ({sql}) TO '/tmp/bench-floor-copy.csv' (HEADER)"
    ref = child_seconds("import duckdb\n"
                        f"con = duckdb.connect({str(floor_store)!r}, read_only=True)\n"
                        "con.execute('SET threads = 2')\n"
                        f"con.execute({copy_sql!r})")
    return {"product_s": round(statistics.median(runs), 2), "first_s": round(runs[0], 2),
            "mib": round(size / 2**20, 1), "floor_copy_s": round(statistics.median(copy), 2),
            "product_alone": own, "floor_copy_alone": ref}


def small_summary(session: requests.Session, base: str, engine: Engine, viewer: Any,
                  store: Path, *, repeats: int = 30) -> dict[str, Any]:
    slug, args = SMALL
    report = CATALOG[slug]
    with recording() as statements:
        reporting.run_summary(engine, report, reporting.parse_filters(report, args, AS_OF),
                           viewer, max_groups=reporting.SUMMARY_GROUPS_SHOWN)
    con = duckdb.connect(str(store), read_only=True)
    con.execute("SET threads = 2")
    api, raw = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        assert session.get(f"{base}/api/reports/{slug}", params=args, timeout=60).ok
        api.append((time.perf_counter() - t) * 1000)
        raw.append(raw_ms(con, statements))
    con.close()
    # The HTTP round trip alone (a route with no sign-in and no query): what of the
    # difference is the server and client, not the app.
    bare = []
    for _ in range(repeats):
        t = time.perf_counter()
        assert session.get(f"{base}/healthz", timeout=60).ok
        bare.append((time.perf_counter() - t) * 1000)
    return {"report": slug, "statements": len(statements), "api_ms": median(api),
            "http_round_trip_ms": median(bare),
            "sql_ms": median(raw), "over_ms": round(median(api) - median(raw), 2)}


def cube(session: requests.Session, base: str, floor_store: Path, floor_bench: Any,
         repeats: int = 1) -> dict[str, Any]:
    """Each of the floor's 12 cases through the API and as the floor's SQL, alternately;
    a first round warms both, then ``repeats`` rounds are measured."""
    con = duckdb.connect(str(floor_store), read_only=True)
    con.execute("SET threads = 2")
    product: dict[int, list[float]] = {1: [], 2: [], 3: []}
    floor: dict[int, list[float]] = {1: [], 2: [], 3: []}
    for run in range(repeats + 1):
        warm = run == 0
        for meta, params in floor_bench.cube_params(False):
            dims = meta["dims"]
            query = {"group_by": ",".join(CUBE_DIMS[d] for d in dims),
                     "start_from": params["d0"].isoformat(),
                     "start_to": params["d1"].isoformat()}
            t = time.perf_counter()
            assert session.get(f"{base}/api/reports/pnl-auto-cube", params=query,
                               timeout=60).ok
            api_ms = (time.perf_counter() - t) * 1000
            sql = floor_bench.cube_sql("cube_fact", dims, False)
            floor_ms, _ = floor_bench.run_query(con, sql, params)
            if not warm:
                product[len(dims)].append(api_ms)
                floor[len(dims)].append(floor_ms)
    con.close()
    return {f"{k}_by": {"product_ms": median(product[k]), "floor_ms": median(floor[k]),
                        "ratio": round(median(product[k]) / median(floor[k]), 2)}
            for k in (1, 2, 3)}


def sign_in(base: str, username: str = "gm") -> requests.Session:
    session = requests.Session()
    resp = session.post(f"{base}/login", data={"username": username, "password": PASSWORD},
                        allow_redirects=False, timeout=120)
    assert resp.status_code == 302, resp.status_code
    return session


def first_request(env: dict[str, str], port: int) -> dict[str, Any]:
    """A summary right after the app starts, then the same summary warm."""
    proc = start_app(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        session = sign_in(base)
        url = f"{base}/api/reports/pnl-auto-cube"
        query = {"group_by": "branch", "start_from": "2025-01-01", "start_to": "2025-12-31"}
        t = time.perf_counter()
        assert session.get(url, params=query, timeout=120).ok
        first = (time.perf_counter() - t) * 1000
        warm = []
        for _ in range(10):
            t = time.perf_counter()
            assert session.get(url, params=query, timeout=60).ok
            warm.append((time.perf_counter() - t) * 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"first_ms": round(first, 1), "warm_ms": median(warm),
            "ratio": round(first / median(warm), 2)}


def say(name: str, figures: dict[str, Any]) -> None:
    print(name, json.dumps(figures, ensure_ascii=False, default=str), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description="the product beside the floor benchmark")
    ap.add_argument("--policies", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=ROOT / "var" / "bench")
    ap.add_argument("--floor", type=Path, default=ROOT.parent / "shared" / "floor")
    ap.add_argument("--reuse", action="store_true", help="keep stores that exist")
    ap.add_argument("--generate-only", action="store_true",
                    help="generate both stores and stop (then run with --reuse)")
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    tag = f"{a.policies // 1_000_000}m" if a.policies >= 1_000_000 else str(a.policies)
    store, floor_store = a.dir / f"product{tag}.duckdb", a.dir / f"floor{tag}.duckdb"
    floor_bench = floor_module(a.floor)
    result: dict[str, Any] = {"policies": a.policies, "load_before": os.getloadavg()}
    result["store"] = generate(a.policies, store, floor_store, a.floor, a.reuse)
    say("store", result["store"])
    if a.generate_only:
        return
    window = export_window(store)
    result["export_window"] = window
    export_dir = a.dir / "bench-floor-exports"
    env = {**os.environ, "STORE_PATH": str(store), "AS_OF": AS_OF.isoformat(),
           "RESULTS_CACHE_ENTRIES": "0", "EXPORT_DIR": str(export_dir),
           "XLSX_SYNC_MAX_ROWS": "1"}
    port = free_port()
    env["PORT"] = str(port)
    result["first_request"] = first_request(env, port)
    say("first_request", result["first_request"])
    proc = start_app(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        session = sign_in(base)
        from auth.users import get_user

        settings = replace(Settings.from_env(), store_path=store, as_of=AS_OF,
                           results_cache_entries=0)
        store_types.serve_from(engine_for(settings))
        user = get_user(settings.users_db, username="gm")
        assert user is not None
        result["small_summary"] = small_summary(session, base, engine_for(settings), user.viewer(),
                                                store)
        say("small_summary", result["small_summary"])
        result["cube"] = cube(session, base, floor_store, floor_bench)
        say("cube", result["cube"])
        from bench.bench_floor_reports import reports_beside_floor  # it imports this module

        result["reports"] = reports_beside_floor(session, base, floor_store, floor_bench)
        say("reports", result["reports"])
        result["csv"] = csv_rows(session, base, store, floor_store, floor_bench, window=window)
        say("csv", result["csv"])
        result["xlsx"] = xlsx_rows(session, base, store, proc.pid, window)
        say("xlsx", result["xlsx"])
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    result["load_after"] = os.getloadavg()
    (RESULTS / f"results_floor_{tag}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(table(result))


def table(r: dict[str, Any]) -> str:
    s, x, c, m, f = r["store"], r["xlsx"], r["csv"], r["small_summary"], r["first_request"]
    lines = [f"{r['policies']:,} policies; load before {r['load_before']}, "
             f"after {r['load_after']}",
             "| measure | product | floor / reference |", "|---|---|---|",
             f"| store file | {s['product_gib']} GiB | {s['floor_gib']} GiB |"]
    if "product_s" in s or "floor_s" in s:
        lines.append(f"| generate | {s.get('product_s', '-')} s | {s.get('floor_s', '-')} s |")
    lines += [
        f"| xlsx {x['rows']:,} × {x['columns']} (background job) | {x['product_s']} s, "
        f"job RSS {x['job_rss_mib']} MiB; its work alone {x['job_alone_s']} s "
        f"(CPU {x['job_alone_cpu_s']} s, RSS {x['job_alone_rss_mib']} MiB) | "
        f"Rust writer alone {x['rust_alone_s']} s (CPU {x['rust_alone_cpu_s']} s), "
        f"RSS {x['rust_alone_rss_mib']} MiB |",
        f"| CSV {EXPORT} ({c['mib']} MiB) over HTTP | {c['product_s']} s "
        f"(first {c['first_s']} s); in-process {c['product_alone'][0]} s "
        f"(CPU {c['product_alone'][1]} s) | floor COPY 1M × 22 {c['floor_copy_s']} s; "
        f"in a child {c['floor_copy_alone'][0]} s (CPU {c['floor_copy_alone'][1]} s) |",
        f"| small summary {m['report']} over HTTP vs its SQL ({m['statements']} statement"
        f"{'s' if m['statements'] != 1 else ''}) | {m['api_ms']} ms (+{m['over_ms']} ms; "
        f"an empty HTTP round trip {m.get('http_round_trip_ms', '-')} ms) | "
        f"{m['sql_ms']} ms |"]
    for k in (1, 2, 3):
        q = r["cube"][f"{k}_by"]
        lines.append(f"| cube, {k} group-by (median of 4) | {q['product_ms']} ms "
                     f"({q['ratio']}×) | {q['floor_ms']} ms |")
    lines.append(f"| first request after start | {f['first_ms']} ms ({f['ratio']}× warm) | "
                 f"warm {f['warm_ms']} ms |")
    if "reports" in r:
        from bench.bench_floor_reports import table_rows

        lines += table_rows(r["reports"])
    return "\n".join(lines)


if __name__ == "__main__":
    main()
