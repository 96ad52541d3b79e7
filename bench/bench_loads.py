"""Ten data loads through ``/api/loads`` under ``bin/serve`` with three workers.

Builds a tiny store (500 policies) and the files of its book, starts the app on a spare
local port, signs in as the administrator, starts ten loads (killing every worker while
the first runs) and polls each through ``GET /api/loads/<id>`` until all are done. It
counts the answers by status (a 404 would be an "unknown" job) and times the loads.

    .venv/bin/python -m bench.bench_loads [--loads 10] [--workers 3] [--database-url URL]

Writes bench/results_loads.json. Not part of the tests (the suite runs three loads).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

from auth.templates import ensure_demo_users
from data.export_layout import export_store
from data.generate import generate
from data.settings import ROOT, Settings
from engines import engine_for
from tests.served_app import Remote, kill_every_worker, serve, spans_overlap

AS_OF = date(2026, 11, 20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=10)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--database-url", default="", help="PostgreSQL; default a SQLite file")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = replace(Settings(), store_path=root / "store.duckdb", as_of=AS_OF,
                           users_path=root / "users.sqlite", database_url=a.database_url)
        generate(settings.store_path, 500, 3, AS_OF, settings)
        export_store(settings.store_path, root / "files")
        ensure_demo_users(engine_for(settings))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for f in sorted((root / "files").iterdir()):
                z.write(f, f"t1/{f.name}")
        with serve(settings, root, web_workers=a.workers) as served:
            admin = Remote(served.base, "admin")
            started = time.perf_counter()
            ids = [admin.start_load(buf.getvalue())]
            kill_every_worker(served, admin)
            ids += [admin.start_load(buf.getvalue()) for _ in range(a.loads - 1)]
            results = admin.wait_all(ids)
            wall = time.perf_counter() - started
    figures = {
        "loads": a.loads, "workers": a.workers,
        "database": "postgresql" if a.database_url else "sqlite",
        "answers_by_status": dict(Counter(admin.statuses)),
        "unknown_answers": admin.statuses.count(404),
        "states": dict(Counter(r["state"] for r in results)),
        "all_ok": all(r["result"].get("ok") for r in results),
        "overlapping_loads": spans_overlap(results),
        "load_seconds": [r["result"].get("seconds") for r in results],
        "wall_seconds": round(wall, 1),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    (ROOT / "bench" / "results_loads.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
