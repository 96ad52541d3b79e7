"""Every report through the app's JSON API over HTTP, next to the same SQL on DuckDB.

Builds (or reuses) a store, starts the app under gunicorn, signs in as 总经理 (company
scope: the widest data) and, for every report of the catalog, times over varied
filters: the summary, the first detail page (100 rows) and detail page 10 000 (rows
999 901-1 000 000 by the keyset cursor a user scrolling there would hold; the last page
when fewer rows match). Each answer is timed next to the raw DuckDB time of exactly the
statements the engine ran for it (recorded, then replayed on a plain read-only
connection). Then, in headless Chromium: a filter change on 3.6 until its grid is drawn.

    .venv/bin/python -m bench.bench_http --store /path/store10m.duckdb [--policies 10000000]

Writes bench/results.json and bench/results.md. Not part of the tests. The results cache
is off by default (``--cache`` to keep it): repeated runs would otherwise be cache hits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import requests

from bench.http_browser import CUBE, browser_filter_to_grid
from bench.http_harness import (
    ROOT,
    free_port,
    raw_ms,
    recording,
    rss_mib,
    start_app,
    stats,
    timed_get,
)
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import engine as reporting
from queries import sql as C
from queries import store as store_module
from queries import store_types
from queries.catalog import CATALOG
from queries.spec import Report

OUT_JSON = Path(__file__).with_name("results.json")
OUT_MD = Path(__file__).with_name("results.md")
PAGE = 100
DEEP_PAGE = 10_000
# The API answers the first 5 000 groups of a summary (the engine reads only the rows of
# the leading dimension's first values when it has very many); a summary of more groups
# than this is still skipped (none is on a generated book of 10 M policies).
MAX_GROUPS = 50_000_000
CUBE_GROUPS = {1: [["use_nature"], ["branch"], ["use_years"]],
               2: [["branch", "use_nature"], ["vehicle_kind", "seats"]],
               3: [["branch", "use_nature", "use_years"], ["dept", "start_year", "vehicle_kind"]]}


# --- filters -------------------------------------------------------------------------


def variants(report: Report, as_of: date, engine: Engine) -> list[dict[str, str]]:
    """The widest filters first, then narrower and different ones."""
    spans = [None, 365, 90, 730, 30, 180]
    out: list[dict[str, str]] = []
    for i, span in enumerate(spans):
        args: dict[str, str] = {}
        end = as_of - timedelta(days=(i * 37) % 200)
        for f in report.filters:
            if f.kind == "date_range" and f.required:
                lo = "2000-01-01" if span is None else (end - timedelta(days=span)).isoformat()
                hi = "2099-12-31" if span is None else end.isoformat()
                args[f"{f.key}_from"], args[f"{f.key}_to"] = lo, hi
            elif f.kind == "month" and f.required:
                y, m = divmod(as_of.year * 12 + as_of.month - 1 - i, 12)
                args[f.key] = f"{y:04d}-{m + 1:02d}"
            elif f.kind == "date" and f.required:
                args[f.key] = (as_of - timedelta(days=[0, 30, 90, 180, 365, 7][i])).isoformat()
        if i in {2, 4}:  # one optional choice filter, as users narrow a view
            choice = next((f for f in report.filters if f.kind in {"multi", "choice"}
                           and f.options is not None and not f.required), None)
            if choice is not None:
                options = reporting.filter_options(engine, report, choice.key)
                if options:
                    args[choice.key] = options[(i // 2 - 1) % len(options)][0]
        out.append(args)
    return out


def deep_cursor(engine: Engine, report: Report, values: reporting.FilterValues,
                viewer: Any, total: int) -> tuple[int, str | None]:
    """The keyset cursor of page ``DEEP_PAGE`` (or the last page): the sort values and id
    of the row just before it, as the grid holds it after scrolling there."""
    page = min(DEEP_PAGE, max(1, (total + PAGE - 1) // PAGE))
    if page == 1:
        return 1, None
    order = reporting.detail_order(report, [])
    sv = reporting.settings_values(report, engine.settings)
    st = C.detail_statement(report, [], values.conditions, viewer, sv, order=order, limit=1,
                            cursor=None, offset=(page - 1) * PAGE - 1)
    names, rows = store_module.run(engine, st)
    row = dict(zip(names, rows[0], strict=True))
    keys = [c for c, _ in order] + [report.id_column]
    cursor = C.Cursor(tuple(reporting.plain_value(row[k]) for k in keys), (page - 1) * PAGE)
    return page, cursor.encode()


def summary_groups(con: duckdb.DuckDBPyConnection, settings: Settings, report: Report,
                   values: reporting.FilterValues, viewer: Any, *, group_by: list[str] | None
                   ) -> int:
    dims = reporting.summary_dims(report, None, group_by)
    st = C.summary_statement(report, dims, values.conditions, viewer,
                             reporting.settings_values(report, settings), periods=values.periods)
    sql, params = st.sql(), st.params
    return int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])  # type: ignore[index]


def bench_report(session: requests.Session, base: str, engine: Engine, report: Report,
                 viewer: Any, *, con: duckdb.DuckDBPyConnection, as_of: date, repeats: int,
                 log: Callable[[str], None]) -> dict[str, Any]:
    url = f"{base}/api/reports/{report.slug}"
    times: dict[str, list[float]] = {k: [] for k in (
        "summary", "summary_raw", "page1", "page1_raw", "deep", "deep_raw")}
    groups: dict[int, dict[str, list[float]]] = {}
    all_variants = variants(report, as_of, engine)
    most_groups, skipped = 0, 0
    for args in all_variants:
        values = reporting.parse_filters(report, args, engine.settings.today)
        group_sets = [None] if not report.free_dims else \
            [g for n in sorted(CUBE_GROUPS) for g in CUBE_GROUPS[n]]
        for group_by in group_sets:
            query = {**args, **({"group_by": ",".join(group_by)} if group_by else {})}
            n_groups = summary_groups(con, engine.settings, report, values, viewer,
                                      group_by=group_by)
            most_groups = max(most_groups, n_groups)
            if n_groups > MAX_GROUPS:
                skipped += 1  # a list of one group per entity: see MAX_GROUPS
                continue
            with recording() as statements:  # as the API runs it: a screen of groups
                reporting.run_summary(engine, report, values, viewer, None, group_by=group_by,
                                   max_groups=reporting.SUMMARY_GROUPS_SHOWN)
            for _ in range(repeats):
                ms, _body = timed_get(session, url, query)
                raw = raw_ms(con, statements)
                times["summary"].append(ms)
                times["summary_raw"].append(raw)
                if group_by:
                    g = groups.setdefault(len(group_by), {"app": [], "raw": []})
                    g["app"].append(ms)
                    g["raw"].append(raw)
        with recording() as statements:
            reporting.run_detail(engine, report, values, viewer, limit=PAGE)
        for _ in range(repeats):
            ms, _body = timed_get(session, url, {**args, "level": "detail",
                                                 "limit": str(PAGE)})
            times["page1"].append(ms)
            times["page1_raw"].append(raw_ms(con, statements))
    # Page 10 000 on the widest filters (the first variant): the most rows.
    wide = reporting.parse_filters(report, all_variants[0], engine.settings.today)
    total = reporting.run_detail(engine, report, wide, viewer, limit=1).total
    page, cursor = deep_cursor(engine, report, wide, viewer, total)
    with recording() as statements:
        reporting.run_detail(engine, report, wide, viewer, limit=PAGE, cursor=cursor)
    for _ in range(max(3, repeats * 2)):
        ms, _body = timed_get(session, url, {**all_variants[0], "level": "detail",
                                             "limit": str(PAGE),
                                             **({"cursor": cursor} if cursor else {})})
        times["deep"].append(ms)
        times["deep_raw"].append(raw_ms(con, statements))
    result: dict[str, Any] = {"number": report.number, "title": report.title,
                              "variants": len(all_variants), "rows_wide": total,
                              "deep_page": page, "summary_groups_max": most_groups,
                              "summaries_skipped": skipped}
    for key, xs in times.items():
        result[key] = stats(xs) if xs else None
    result["summary_ratio_p95"] = round(result["summary"]["p95_ms"]
                                        / max(result["summary_raw"]["p95_ms"], 0.1), 2) \
        if result["summary"] else None
    result["deep_over_page1_p50"] = round(result["deep"]["p50_ms"]
                                          / max(result["page1"]["p50_ms"], 0.1), 2)
    if groups:
        result["group_by"] = {str(n): {"app": stats(g["app"]), "raw": stats(g["raw"])}
                              for n, g in sorted(groups.items())}
    summary = (f"{result['summary']['p95_ms']:>7.0f} (raw {result['summary_raw']['p95_ms']:>6.0f})"
               if result["summary"] else f"skipped ({most_groups:,} groups)")
    log(f"{report.number:>5} {report.slug:<26} summary p95 {summary}  page1 p50 "
        f"{result['page1']['p50_ms']:>5.0f}  page{page} p50 {result['deep']['p50_ms']:>5.0f}")
    return result


# --- main -----------------------------------------------------------------------------


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Reports over HTTP vs the same SQL on DuckDB",
        "",
        f"Store: {result['policies']:,} policies; measured {result['measured']} on "
        f"{result['cores']} cores; load average before/after {result['load_before']} / "
        f"{result['load_after']}; results cache {'on' if result['cache'] else 'off'}; "
        f"gunicorn {result['workers']} worker(s).",
        "",
        "Milliseconds. *raw*: the engine's own statements replayed on a plain DuckDB "
        "connection. Page 1: 100 rows; deep page: page 10 000 (rows 999 901-1 000 000) "
        "by keyset cursor, or the last page when fewer rows match. Summaries answer their "
        "first 5 000 groups (as pages show them; the groups column counts them all).",
        "",
        "| report | groups (max) | summary p50 | p95 | raw p50 | raw p95 | p95 ratio "
        "| page 1 p50 | p95 | deep page | deep p50 | p95 | deep / page 1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["reports"].values():
        if r["summary"]:
            summary = (f"{r['summary']['p50_ms']:.0f} | {r['summary']['p95_ms']:.0f} | "
                       f"{r['summary_raw']['p50_ms']:.0f} | {r['summary_raw']['p95_ms']:.0f} | "
                       f"{r['summary_ratio_p95']:.2f}")
        else:
            summary = "not timed | | | |"
        skipped = f" ({r['summaries_skipped']} not timed)" if r["summaries_skipped"] else ""
        lines.append(
            f"| {r['number']} {r['title']} | {r['summary_groups_max']:,}{skipped} | {summary} | "
            f"{r['page1']['p50_ms']:.0f} | {r['page1']['p95_ms']:.0f} | {r['deep_page']:,} | "
            f"{r['deep']['p50_ms']:.0f} | {r['deep']['p95_ms']:.0f} | "
            f"{r['deep_over_page1_p50']:.2f} |")
    cube = result["reports"].get(CUBE, {}).get("group_by")
    if cube:
        lines += ["", "3.6 车险盈亏综合状况 by number of group-bys (target p95 ≤ 250 ms):", "",
                  "| group-bys | app p50 | app p95 | raw p50 | raw p95 |", "|---|---|---|---|---|"]
        for n, g in cube.items():
            lines.append(f"| {n} | {g['app']['p50_ms']:.0f} | {g['app']['p95_ms']:.0f} | "
                         f"{g['raw']['p50_ms']:.0f} | {g['raw']['p95_ms']:.0f} |")
    lines += ["", f"Server RSS after the run: {result['server_memory']['rss_mib']:.0f} MiB, "
              f"peak {result['server_memory']['peak_mib']:.0f} MiB (master + workers)."]
    if result.get("browser"):
        b = result["browser"]
        lines.append(f"Filter change → grid drawn in headless Chromium (3.6): p50 "
                     f"{b['p50_ms']:.0f} ms, p95 {b['p95_ms']:.0f} ms over {b['runs']} runs.")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description="reports over HTTP vs raw DuckDB")
    ap.add_argument("--store", type=Path, required=True, help="reused when it exists")
    ap.add_argument("--policies", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    ap.add_argument("--repeats", type=int, default=2, help="runs of each filter variant")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cache", action="store_true", help="keep the results cache on")
    ap.add_argument("--only", help="comma-separated report slugs")
    ap.add_argument("--browser-runs", type=int, default=20, help="0: skip the browser")
    a = ap.parse_args()
    if not a.store.exists():
        print(f"generating {a.policies:,} policies (a few minutes)…")
        subprocess.run([sys.executable, "-m", "data.generate", "--policies",
                        str(a.policies), "--seed", str(a.seed), "--as-of",
                        a.as_of.isoformat(), "--out", str(a.store)], cwd=ROOT, check=True)
    port = free_port()
    env = {**os.environ, "STORE_PATH": str(a.store), "AS_OF": a.as_of.isoformat(),
           "PORT": str(port), "WEB_WORKERS": str(a.workers),
           "RESULTS_CACHE_ENTRIES": os.environ.get("RESULTS_CACHE_ENTRIES", "512")
           if a.cache else "0",
           "EXPORT_DIR": str(a.store.with_name("bench-exports"))}
    settings = replace(Settings.from_env(), store_path=a.store, as_of=a.as_of,
                       results_cache_entries=0)
    store_types.serve_from(engine_for(settings))
    load_before = [round(x, 2) for x in os.getloadavg()]
    proc = start_app(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        from auth.users import get_user

        session = requests.Session()
        resp = session.post(f"{base}/login", data={"username": "gm",
                                                   "password": "demo-pass-2026"},
                            allow_redirects=False, timeout=60)
        assert resp.status_code == 302, resp.status_code
        user = get_user(settings.users_db, username="gm")
        assert user is not None
        viewer = user.viewer()
        con = duckdb.connect(str(a.store), read_only=True)
        con.execute(f"SET threads = {settings.duckdb_threads}")
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        policies = con.execute("SELECT count(*) FROM policy").fetchone()[0]  # type: ignore[index]
        slugs = a.only.split(",") if a.only else list(CATALOG)
        reports = {}
        for slug in slugs:
            reports[slug] = bench_report(session, base, engine_for(settings), CATALOG[slug], viewer,
                                         con=con, as_of=a.as_of, repeats=a.repeats, log=print)
        memory = rss_mib(proc.pid)
        browser = browser_filter_to_grid(base, a.browser_runs) if a.browser_runs else None
        if browser:
            print(f"browser: filter change → grid p50 {browser['p50_ms']:.0f} ms, "
                  f"p95 {browser['p95_ms']:.0f} ms")
        memory_after = rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    result = {"policies": policies, "measured": time.strftime("%Y-%m-%d %H:%M"),
              "cores": os.cpu_count(), "load_before": load_before,
              "load_after": [round(x, 2) for x in os.getloadavg()], "cache": a.cache,
              "workers": a.workers, "repeats": a.repeats,
              "server_memory": {"rss_mib": memory_after["rss_mib"],
                                "peak_mib": max(memory["peak_mib"],
                                                memory_after["peak_mib"])},
              "browser": browser, "reports": reports}
    OUT_JSON.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    OUT_MD.write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
