"""Summaries over HTTP in one run on one machine: a small summary against its own SQL,
the 3.6 cube against the floor benchmark's 12 cases, the top-N summaries of one group per
person or receipt (1.6, 3.1, 5.2, the 20 agents with the worst 已决赔付率) against the
250 ms summary target, and the first request after the app starts against a warm one
(also with the store file pushed out of the operating system's cache first).

    .venv/bin/python -m bench.bench_summaries --store /tmp/p1m.duckdb --floor-store /tmp/f1m.duckdb
    .venv/bin/python -m bench.bench_summaries --store /tmp/p1m.duckdb --only top-n

Both stores must exist (``python -m data.generate``; the floor's ``gen.py``). Prints a table
and writes bench/results_summaries.json and .md. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import requests

from bench.bench_floor import AS_OF, cube, floor_module, sign_in, small_summary
from bench.http_harness import children, free_port, pct, raw_ms, recording, start_app
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import engine as reporting
from queries import store_types
from queries.catalog import CATALOG

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).with_name("results_summaries.json")
TARGET_MS = 250.0
# (label, report, API arguments, user): what a user opens or clicks. The openings of the
# whole company read the groups ranked at load time (queries/openings.py); a branch head's
# opening, another month or range run the summary's statement; another order on the
# company's opening filters reads the opening kept whole, where it is.
TOP_N = [
    ("1.6 按人员 (opening: top 5,000 by 合计)", "premium-received-monthly",
     {"month": "2026-11", "summary": "by-person"}, "gm"),
    ("3.1 按被保险人 (opening: top 5,000 by 签单保费)", "pnl-insured", {"summary": "by-insured"},
     "gm"),
    ("5.2 按收据号 (opening: top 5,000 by 手续费)", "commission-list", {"summary": "by-receipt"},
     "gm"),
    ("3.5 20 worst 已决赔付率 agents", "pnl-auto-agent",
     {"start_from": "2020-01-01", "start_to": "2026-11-22", "limit": "20",
      "sort": "settled_ratio:desc"}, "gm"),
    # The page as it opens (起保日期 the last year), then a click on 已决赔付率: the
    # opening's groups kept whole, sorted.
    ("3.5 20 worst 已决赔付率 agents, clicked on the opening", "pnl-auto-agent",
     {"start_from": "2025-11-22", "start_to": "2026-11-22", "limit": "20",
      "sort": "settled_ratio:desc"}, "gm"),
    ("1.6 按人员, a branch head's opening", "premium-received-monthly",
     {"month": "2026-11", "summary": "by-person"}, "branch01"),
    ("3.1 按被保险人, a branch head's opening", "pnl-insured", {"summary": "by-insured"},
     "branch01"),
    ("5.2 按收据号, a branch head's opening", "commission-list", {"summary": "by-receipt"},
     "branch01"),
    ("1.6 按人员, another month (2026-06)", "premium-received-monthly",
     {"month": "2026-06", "summary": "by-person"}, "gm"),
    ("3.1 按被保险人, 起保日期 2025", "pnl-insured",
     {"summary": "by-insured", "start_from": "2025-01-01", "start_to": "2025-12-31"}, "gm"),
    ("3.1 20 worst 已决赔付率 insureds (of 320 k)", "pnl-insured",
     {"summary": "by-insured", "limit": "20", "sort": "settled_ratio:desc"}, "gm"),
]


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 1)


def evict(path: Path) -> None:
    """Ask the operating system to drop this file's cached pages (a cold start)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_until_started(pid: int, timeout: float = 120.0) -> float:
    """Seconds until the server and its workers are idle (every worker has warmed its
    store): the first request is a user's, not one racing the start-up."""
    started = time.monotonic()
    pids = [pid, *children(pid)]
    before = cpu_ticks(pids)
    while time.monotonic() - started < timeout:
        time.sleep(1.0)
        pids = [pid, *children(pid)]
        now = cpu_ticks(pids)
        if now - before <= 5:  # under 5 % of a core over the second
            break
        before = now
    return round(time.monotonic() - started, 1)


def first_request(env: dict[str, str], store: Path, cold: bool) -> dict[str, Any]:
    if cold:
        evict(store)
    port = free_port()
    proc = start_app({**env, "PORT": str(port)}, port)
    waited = wait_until_started(proc.pid)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        session = sign_in(base)
        cases = {"cube": {"group_by": "vehicle_kind,seats", "start_from": "2024-03-01",
                          "start_to": "2025-02-28"},
                 "cube by branch": {"group_by": "branch", "start_from": "2025-01-01",
                                    "start_to": "2025-12-31"}}
        for name, query in cases.items():
            url = f"{base}/api/reports/pnl-auto-cube"
            t = time.perf_counter()
            assert session.get(url, params=query, timeout=120).ok
            first = (time.perf_counter() - t) * 1000
            warm = []
            for _ in range(10):
                t = time.perf_counter()
                assert session.get(url, params=query, timeout=60).ok
                warm.append((time.perf_counter() - t) * 1000)
            out[name] = {"first_ms": round(first, 1), "warm_ms": median(warm),
                         "ratio": round(first / median(warm), 2), "start_wait_s": waited}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return out


def top_n(base: str, engine: Engine, *, store: Path, repeats: int,
          server_pid: int) -> list[dict[str, Any]]:
    """Each top-N summary over HTTP (median, p95, the server's CPU per request) beside
    the SQL its engine sent, replayed on a plain connection in the same loop."""
    from auth.users import get_user

    con = duckdb.connect(str(store), read_only=True)
    con.execute("SET threads = 2")
    out = []
    sessions: dict[str, requests.Session] = {}
    for label, slug, args, username in TOP_N:
        session = sessions.get(username) or sessions.setdefault(username,
                                                                sign_in(base, username))
        user = get_user(engine.settings.users_db, username=username)
        assert user is not None
        viewer = user.viewer()
        report = CATALOG[slug]
        filters = {k: v for k, v in args.items() if k not in {"summary", "limit", "sort"}}
        sort = [tuple(s.split(":")) for s in args["sort"].split(",")] if "sort" in args \
            else None
        with recording() as statements:
            reporting.run_summary(engine, report, reporting.parse_filters(report, filters, AS_OF),
                               viewer, args.get("summary"),
                               max_groups=int(args.get("limit", reporting.SUMMARY_GROUPS_SHOWN)),
                               sort=sort)
        api, raw, ticks = [], [], 0
        for i in range(repeats + 1):
            pids = [server_pid, *children(server_pid)]
            before = cpu_ticks(pids)
            t = time.perf_counter()
            resp = session.get(f"{base}/api/reports/{slug}", params=args, timeout=120)
            api.append((time.perf_counter() - t) * 1000)
            if i:
                ticks += cpu_ticks(pids) - before
            assert resp.ok, resp.text[:300]
            raw.append(raw_ms(con, statements))
        body = resp.json()
        out.append({"summary": label, "rows": len(body["rows"]), "sort": body["sort"],
                    "api_ms": median(api[1:]), "api_p95_ms": round(pct(api[1:], 0.95), 1),
                    "server_cpu_ms": round(ticks * 1000 / os.sysconf("SC_CLK_TCK") / repeats, 1),
                    "sql_ms": median(raw[1:]), "statements": len(statements),
                    "kept_opening": any(" FROM opening_" in sql for sql, _ in statements),
                    "load": round(os.getloadavg()[0], 2)})
    con.close()
    return out


def table(r: dict[str, Any]) -> str:
    lines = [f"{r['policies']} policies; load average before {r['load_before']}, "
             f"after {r['load_after']}; results cache off", "",
             "| measure | product | reference | goal |", "|---|---|---|---|"]
    if "small_summary" in r:
        m = r["small_summary"]
        lines.append(f"| small summary {m['report']} over HTTP vs its SQL ({m['statements']} "
                     f"statement) | {m['api_ms']} ms (+{m['over_ms']} ms) | SQL {m['sql_ms']} ms"
                     " | ≤ +3 ms |")
    for k in (1, 2, 3) if "cube" in r else ():
        q = r["cube"][f"{k}_by"]
        lines.append(f"| cube vs floor, {k} group-by (median of the cases) | "
                     f"{q['product_ms']} ms ({q['ratio']}×) | floor {q['floor_ms']} ms | "
                     "≤ 1.3× |")
    for t in r["top_n"]:
        lines.append(f"| {t['summary']}, {t['rows']} rows | p95 {t['api_p95_ms']} ms over HTTP"
                     f" (median {t['api_ms']} ms; server CPU {t['server_cpu_ms']} ms) | "
                     f"its SQL {t['sql_ms']} ms ({t['statements']} statements"
                     f"{', the kept opening' if t.get('kept_opening') else ''}) | "
                     f"p95 ≤ {TARGET_MS:.0f} ms |")
    for kind, cases in r.get("first_request", {}).items():
        for name, f in cases.items():
            lines.append(f"| first request after start ({kind} file), {name} | "
                         f"{f['first_ms']} ms ({f['ratio']}× warm) | warm {f['warm_ms']} ms | "
                         "≤ 1.5× |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="summaries over HTTP beside their references")
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--floor-store", type=Path)
    ap.add_argument("--only", choices=["top-n"], help="only the top-N summaries (no floor)")
    ap.add_argument("--floor", type=Path, default=ROOT.parent / "shared" / "floor")
    ap.add_argument("--policies", default="1,000,000")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=OUT, help="the .json written (and its .md)")
    a = ap.parse_args()
    if a.only is None and a.floor_store is None:
        ap.error("--floor-store is needed (or --only top-n)")
    result: dict[str, Any] = {"policies": a.policies, "load_before": os.getloadavg()}
    env = {**os.environ, "STORE_PATH": str(a.store), "AS_OF": AS_OF.isoformat(),
           "RESULTS_CACHE_ENTRIES": "0", "EXPORT_DIR": str(a.store.parent / "bench-exports")}
    if a.only is None:
        result["first_request"] = {"cached": first_request(env, a.store, cold=False),
                                   "cold": first_request(env, a.store, cold=True)}
        print("first_request", result["first_request"], flush=True)
    port = free_port()
    proc = start_app({**env, "PORT": str(port)}, port)
    base = f"http://127.0.0.1:{port}"
    try:
        session = sign_in(base)
        from auth.users import get_user

        settings = replace(Settings.from_env(), store_path=a.store, as_of=AS_OF,
                           results_cache_entries=0)
        store_types.serve_from(engine_for(settings))
        user = get_user(settings.users_db, username="gm")
        assert user is not None
        if a.only is None:
            result["small_summary"] = small_summary(session, base, engine_for(settings),
                                                    user.viewer(),
                                                    a.store)
            print("small_summary", result["small_summary"], flush=True)
            result["cube"] = cube(session, base, a.floor_store, floor_module(a.floor),
                                  repeats=a.repeats)
            print("cube", result["cube"], flush=True)
        result["top_n"] = top_n(base, engine_for(settings), store=a.store, repeats=a.repeats,
                                server_pid=proc.pid)
        print("top_n", result["top_n"], flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    result["load_after"] = os.getloadavg()
    a.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    text = table(result)
    a.out.with_suffix(".md").write_text(f"# bench/bench_summaries.py\n\n{text}\n")
    print(text)


if __name__ == "__main__":
    main()
