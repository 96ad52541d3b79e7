"""Import speed: a generated book exported in the import layout (CSV and Parquet), then
loaded into a new store with every check. Not part of the test run.

    .venv/bin/python -m bench.bench_import POLICIES [POLICIES …]

Writes ``bench/results_import.json``: seconds and peak RSS of the load (a child
process), per size and format.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).with_name("results_import.json")


def _run(args: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return time.perf_counter() - started, peak


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    results = []
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "var") as tmp:
        root = Path(tmp)
        for n in sizes:
            store = root / f"g{n}.duckdb"
            for fmt in ("parquet", "csv"):
                files = root / f"{n}-{fmt}"
                subprocess.run([sys.executable, "-m", "data.generate", "--policies", str(n),
                                "--seed", "1", "--out", str(store), "--export-dir",
                                str(files), "--export-format", fmt], check=True,
                               stdout=subprocess.DEVNULL)
                size = sum(f.stat().st_size for f in files.iterdir()) / 2**20
                seconds, peak = _run(["-m", "data.load", str(files), "--store",
                                      str(root / f"l{n}.duckdb")])
                row = {"policies": n, "format": fmt, "files_mib": round(size),
                       "seconds": round(seconds, 1), "peak_rss_gib_max_so_far": round(peak, 2)}
                print(row, flush=True)
                results.append(row)
                shutil.rmtree(files)
    OUT.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
