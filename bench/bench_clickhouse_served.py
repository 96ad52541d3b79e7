"""T+1 days loaded into a ClickHouse-served app under ``bin/serve``, one after another:
how long each load takes (import, then publish to ClickHouse from the job process) and
whether every web worker answers the new day as soon as the load is done.

ClickHouse is ClickHouse's engine (chDB) behind the HTTP front of
``tests/chdb_http_front.py`` (no clickhouse-server can be installed here): the app
reaches it as a server, over HTTP, from each worker and the job process.

    .venv/bin/python -m bench.bench_clickhouse_served [--days 5] [--workers 3]

Writes bench/results_clickhouse_served.json. Not part of the tests (the suite loads one
day and one that fails to publish).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from auth.templates import ensure_demo_users
from data.generate import generate
from data.settings import ROOT, Settings
from engines import engine_for
from engines.clickhouse_publish import publish
from tests.chdb_http_front import running_front
from tests.served_app import Remote, serve, workers
from tests.served_rates import Reader, access_log_env, day_zip

AS_OF = date(2026, 11, 20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--workers", type=int, default=3)
    a = ap.parse_args()
    days: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp, running_front(Path(tmp) / "engine") as base:
        root = Path(tmp)
        url = f"{base}/insurance"
        settings = replace(Settings(), store_path=root / "store.duckdb", as_of=AS_OF,
                           users_path=root / "users.sqlite", warm_seconds=0,
                           store_engine="clickhouse", clickhouse_url=url)
        generate(settings.store_path, 500, 3, AS_OF, settings)
        started = time.perf_counter()
        publish(settings.store_path, url, log=lambda _: None)
        first_publish = time.perf_counter() - started
        ensure_demo_users(engine_for(settings))
        access_log = root / "access.log"
        with serve(settings, root, web_workers=a.workers,
                   extra_env=access_log_env(access_log)) as served:
            pids = set(workers(served.master))
            reader, admin = Reader(served, access_log), Remote(served.base, "admin")
            reader.every_worker(pids)
            for n in range(1, a.days + 1):
                day, rate = (AS_OF + timedelta(days=n)).isoformat(), f"{7 + n / 1000:.6f}"
                started = time.perf_counter()
                [done] = admin.wait_all([admin.start_load(day_zip(day, rate), True)])
                loaded = time.perf_counter() - started
                answers = reader.every_worker(pids)
                days.append({
                    "day": day, "state": done["state"], "ok": done["result"].get("ok"),
                    "load_wall_seconds": round(loaded, 1),
                    "import_seconds": done["result"].get("seconds"),
                    "workers_on_the_new_day": sum(got == (day, rate) for got in answers.values()),
                })
            restarted = pids != set(workers(served.master))
    figures = {
        "days": a.days, "workers": a.workers, "policies": 500,
        "clickhouse": "chDB behind tests/chdb_http_front.py (HTTP), not clickhouse-server",
        "first_publish_seconds": round(first_publish, 1),
        "every_worker_on_each_new_day_when_done": all(
            d["workers_on_the_new_day"] == a.workers for d in days),
        "workers_restarted": restarted,
        "loads": days,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    (ROOT / "bench" / "results_clickhouse_served.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
