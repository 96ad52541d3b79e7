"""Load test: N concurrent signed-in users mixing reports through the JSON API of a
running app; p50/p95/max latency and errors. Optionally rebuilds or copies a store and
swaps it in (``os.replace``) while the load runs, counting the requests that failed.

    bin/serve &   # or any running app
    .venv/bin/python -m bench.load_test --users 20 --duration 120
    .venv/bin/python -m bench.load_test --swap-rebuild 1000000 --swaps 2   # rebuild + swap
    .venv/bin/python -m bench.load_test --swap-copy OTHER.duckdb --swaps 3  # copy + swap

Not part of the tests. Results go to bench/results_load.json under ``--label``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

OUT = Path(__file__).with_name("results_load.json")
USERS = ("gm", "branch01", "section01", "sales01", "claims01", "finance01")
# Summaries with one group per insured, vehicle, policy, person or receipt are lists of
# 10^5-10^6 rows computed in full (the page shows the first 5 000): left out by default
# until the engine bounds a summary's groups. ``--exclude ''`` puts them back.
PER_ENTITY = ("premium-received-monthly:by-person", "premium-received-daily:by-day-branch",
              "pnl-insured", "pnl-vehicle", "receivable-policies:by-policy",
              "commission-list:by-receipt")
PASSWORD = "demo-pass-2026"


@dataclass
class Sample:
    kind: str
    slug: str
    started: float
    seconds: float
    status: int  # 0 for a connection error or timeout
    error: str = ""
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    swaps: list[dict[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(f"{base}/login", data={"username": username, "password": PASSWORD},
                        allow_redirects=False, timeout=30)
    if resp.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: {resp.status_code}")
    return session


def random_args(report: dict[str, Any], as_of: date, rng: random.Random) -> dict[str, str]:
    """Required filters always set, optional date ranges sometimes: varied, never empty."""
    args: dict[str, str] = {}
    for f in report["filters"]:
        kind, key = f["kind"], f["key"]
        if kind == "date_range" and (f["required"] or rng.random() < 0.4):
            months = rng.choice([1, 3, 6, 12, 24, 72] if f["required"] else [3, 12, 24])
            end = as_of - timedelta(days=rng.randint(0, 365))
            start = end - timedelta(days=30 * months)
            args[f"{key}_from"], args[f"{key}_to"] = start.isoformat(), end.isoformat()
        elif kind == "month" and f["required"]:
            back = rng.randint(0, 18)
            y, m = divmod(as_of.year * 12 + as_of.month - 1 - back, 12)
            args[key] = f"{y:04d}-{m + 1:02d}"
        elif kind == "date" and f["required"]:
            args[key] = (as_of - timedelta(days=rng.choice([0, 30, 90, 365]))).isoformat()
    return args


def summary_choices(report: dict[str, Any], exclude: set[str]) -> list[str]:
    if report["slug"] in exclude:
        return []
    return [s["key"] for s in report["summaries"]
            if f"{report['slug']}:{s['key']}" not in exclude]


def request_for(report: dict[str, Any], as_of: date, rng: random.Random, exclude: set[str]
                ) -> tuple[str, dict[str, str]]:
    args = random_args(report, as_of, rng)
    roll = rng.random()
    choices = summary_choices(report, exclude)
    if roll < 0.6 and (choices or report["free_dimensions"]):
        if report["free_dimensions"]:
            dims = rng.sample(report["free_dimensions"], rng.randint(1, 3))
            args["group_by"] = ",".join(dims)
        else:
            args["summary"] = rng.choice(choices)
        return "summary", args
    args.update(level="detail", limit="100")
    if roll < 0.75:
        column = rng.choice([c for c in report["columns"] if c["type"] != "text"]
                            or report["columns"])
        args["sort"] = f"{column['key']}:{rng.choice(['asc', 'desc'])}"
        return "detail_sorted", args
    return "detail", args


def user_loop(base: str, username: str, run: Run, stop: threading.Event, *, as_of: date,
              think: float, seed: int, exclude: set[str]) -> None:
    rng = random.Random(seed)
    session = sign_in(base, username)
    reports = session.get(f"{base}/api/reports", timeout=60).json()["reports"]
    while not stop.is_set():
        report = rng.choice(reports)
        kind, args = request_for(report, as_of, rng, exclude)
        started = time.perf_counter()
        status, error = 0, ""
        try:
            resp = session.get(f"{base}/api/reports/{report['slug']}", params=args,
                               timeout=60)
            status = resp.status_code
            if status == 200 and kind != "summary" and rng.random() < 0.3:
                cursor = resp.json().get("next_cursor")
                if cursor:  # the grid's next block, as a user scrolls
                    resp = session.get(f"{base}/api/reports/{report['slug']}",
                                       params={**args, "cursor": cursor}, timeout=60)
                    status = resp.status_code
            if status != 200:
                error = resp.text[:200]
        except requests.RequestException as exc:
            error = type(exc).__name__
        run.add(Sample(kind, report["slug"], started, time.perf_counter() - started, status,
                       error, args))
        if think:
            stop.wait(rng.expovariate(1 / think))


def swap_loop(store: Path, run: Run, stop: threading.Event, *, duration: float, swaps: int,
              copy_from: Path | None, rebuild: int, seed: int, as_of: date) -> None:
    """Make each new store beside the served one while the load runs (a copy, or a
    rebuild with data.generate, i.e. ``build_store``), then ``os.replace`` it in at its
    planned moment: evenly spread over the run."""
    t0 = time.perf_counter()
    for k in range(1, swaps + 1):
        side = store.with_name(f".{store.name}.next-{os.getpid()}")
        began = time.perf_counter()
        if copy_from is not None:
            shutil.copyfile(copy_from, side)
        else:
            subprocess.run([str(Path(".venv/bin/python")), "-m", "data.generate",
                            "--policies", str(rebuild), "--seed", str(seed),
                            "--as-of", as_of.isoformat(), "--out", str(side)],
                           check=True, capture_output=True)
        built = time.perf_counter()
        if stop.wait(max(0.0, duration * k / (swaps + 1) - (built - t0))):
            side.unlink(missing_ok=True)
            return
        os.replace(side, store)
        swapped = time.perf_counter()
        run.swaps.append({"build_started_s": round(began - t0, 1),
                          "build_s": round(built - began, 1),
                          "swapped_at_s": round(swapped - t0, 1)})
        print(f"  store swapped at {swapped - t0:.0f} s (made in {built - began:.0f} s)")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def server_rss_mib(pid: int | None) -> float | None:
    """Resident memory of the server process and its children (gunicorn workers)."""
    if not pid:
        return None
    pids = [pid, *children(pid)]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def summarize(run: Run, duration: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kinds = sorted({s.kind for s in run.samples})
    for kind in [*kinds, "all"]:
        xs = [s for s in run.samples if kind in {"all", s.kind}]
        ok = [s.seconds * 1000 for s in xs if s.status == 200]
        out[kind] = {"requests": len(xs), "errors": sum(1 for s in xs if s.status != 200),
                     "p50_ms": round(statistics.median(ok), 1) if ok else None,
                     "p95_ms": round(pct(ok, 0.95), 1), "max_ms": round(max(ok), 1)
                     if ok else None}
    out["all"]["requests_per_s"] = round(len(run.samples) / duration, 2)
    errors = [s for s in run.samples if s.status != 200]
    out["error_examples"] = [{"slug": s.slug, "status": s.status, "error": s.error}
                             for s in errors[:5]]
    slowest = sorted(run.samples, key=lambda s: s.seconds, reverse=True)[:8]
    out["slowest"] = [{"slug": s.slug, "ms": round(s.seconds * 1000), "args": s.args}
                      for s in slowest]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8050")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    ap.add_argument("--think", type=float, default=1.0,
                    help="mean pause between a user's requests, seconds (0: none)")
    ap.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    ap.add_argument("--store", type=Path, help="the served store (for swaps)")
    ap.add_argument("--swaps", type=int, default=0)
    ap.add_argument("--swap-copy", type=Path, help="swap in a copy of this store")
    ap.add_argument("--swap-rebuild", type=int, default=0,
                    help="rebuild a store of this many policies and swap it in")
    ap.add_argument("--seed", type=int, default=1, help="seed of the rebuilt store")
    ap.add_argument("--server-pid", type=int, help="gunicorn master (for RSS)")
    ap.add_argument("--label", default="load")
    ap.add_argument("--exclude", default=",".join(PER_ENTITY),
                    help="slug or slug:summary left out of the summaries (comma-separated)")
    a = ap.parse_args()
    if a.swaps and not a.store:
        ap.error("--swaps needs --store")
    run, stop = Run(), threading.Event()
    exclude = {x for x in a.exclude.split(",") if x}
    threads = [threading.Thread(target=user_loop, daemon=True,
                                args=(a.base_url, USERS[i % len(USERS)], run, stop),
                                kwargs={"as_of": a.as_of, "think": a.think, "seed": i,
                                        "exclude": exclude})
               for i in range(a.users)]
    if a.swaps:
        threads.append(threading.Thread(target=swap_loop, daemon=True, args=(
            a.store, run, stop), kwargs={
            "duration": a.duration, "swaps": a.swaps, "copy_from": a.swap_copy,
            "rebuild": a.swap_rebuild, "seed": a.seed, "as_of": a.as_of}))
    load_before = os.getloadavg()
    print(f"{a.users} users for {a.duration:.0f} s against {a.base_url} "
          f"(think {a.think} s, swaps {a.swaps})")
    for t in threads:
        t.start()
    rss: list[float] = []
    deadline = time.perf_counter() + a.duration
    while time.perf_counter() < deadline:
        time.sleep(min(2.0, max(0.0, deadline - time.perf_counter())))
        value = server_rss_mib(a.server_pid)
        if value is not None:
            rss.append(value)
    stop.set()
    for t in threads:
        t.join(timeout=600)
    result = summarize(run, a.duration)
    result.update(users=a.users, duration_s=a.duration, think_s=a.think, swaps=run.swaps,
                  excluded=sorted(exclude),
                  server_rss_max_mib=max(rss) if rss else None,
                  loadavg_before=[round(x, 2) for x in load_before],
                  loadavg_after=[round(x, 2) for x in os.getloadavg()],
                  measured=time.strftime("%Y-%m-%d %H:%M"))
    print(f"{'kind':<14}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, r in result.items():
        if isinstance(r, dict) and "requests" in r:
            print(f"{kind:<14}{r['requests']:>9}{r['errors']:>8}{r['p50_ms'] or 0:>9.0f}"
                  f"{r['p95_ms']:>9.0f}{r['max_ms'] or 0:>9.0f}")
    for s in result["slowest"][:5]:
        print(f"  slow: {s['ms']:>6} ms {s['slug']} {s['args']}")
    print(f"server RSS max {result['server_rss_max_mib']} MiB; load {result['loadavg_after']}")
    saved = json.loads(OUT.read_text()) if OUT.exists() else {}
    saved[a.label] = result
    OUT.write_text(json.dumps(saved, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
