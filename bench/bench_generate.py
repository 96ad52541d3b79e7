"""Generator speed, peak memory and store size. Not part of the test run.

    .venv/bin/python -m bench.bench_generate 100000 1000000 10000000

Each size runs in a child process so its peak RSS is its own; figures are printed
and saved to bench/results_generate.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).with_name("results_generate.json")


def run(policies: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "data.generate", "--policies", str(policies), "--seed", "1",
             "--out", str(store), "--as-of", "2026-11-20"],
            check=True, cwd=Path(__file__).resolve().parent.parent)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        return {"policies": policies, "seconds": round(seconds, 2),
                "peak_rss_gib_max_so_far": round(peak, 2),
                "store_mib": round(store.stat().st_size / 2**20, 1)}


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    results = [run(n) for n in sizes]
    for r in results:
        print(f"{r['policies']:>11,} policies  {r['seconds']:>7.1f} s  "
              f"peak {r['peak_rss_gib_max_so_far']:.2f} GiB  store {r['store_mib']:.0f} MiB")
    OUT.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
