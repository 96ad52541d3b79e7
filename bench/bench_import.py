"""Import speed: a generated book exported in the import layout (Parquet, then CSV) and
loaded into a new store with every check. Not part of the test run.

    .venv/bin/python -m bench.bench_import POLICIES [POLICIES …]
    .venv/bin/python -m bench.bench_import --from-store STORE   # a store generated before

Each load runs in a child process that reports its own peak RSS. The disk is kept small
at 10 M: the Parquet files and their store go before the CSV files are written, and the
generated store goes before the CSV load. Appends to ``bench/results_import.json`` (a
size already measured is replaced) and prints a linear estimate for 10 M from the largest
size measured below it, next to the 10 M figure when there is one.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).with_name("results_import.json")
TARGET_SECONDS = {"parquet": 180, "csv": 360}


def _peak_rss_gib() -> float:
    """This process's own peak RSS. Not ``ru_maxrss``: Linux carries that over an exec
    from the forking parent, which here had just exported 10 M policies (the child
    reported 7.7 GiB where /proc, sampled twice a second, saw 5.2 GiB)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _child(directory: str, store: str) -> None:
    """Run one load here and print seconds and peak RSS as JSON on the last line."""
    from data.load import main as load_main

    started = time.perf_counter()
    code = load_main([directory, "--store", store, "--user", "bench"])
    peak = _peak_rss_gib()
    print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                      "peak_rss_gib": peak}))


def _load(files: Path, store: Path) -> dict[str, float]:
    run = subprocess.run([sys.executable, "-m", "bench.bench_import", "--child", str(files),
                          str(store)], check=True, capture_output=True, text=True)
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"load of {files} failed:\n{run.stdout[-2000:]}")
    return figures


def _export(store: Path, files: Path, fmt: str) -> float:
    from data.export_layout import export_store

    started = time.perf_counter()
    export_store(store, files, fmt)
    return time.perf_counter() - started


def _mib(directory: Path) -> int:
    return round(sum(f.stat().st_size for f in directory.iterdir()) / 2**20)


def _policies(store: Path) -> int:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM policy").fetchone()[0])
    finally:
        con.close()


def measure(n: int, root: Path, source: Path | None = None) -> list[dict[str, object]]:
    generated = source or root / f"g{n}.duckdb"
    if source is None:
        subprocess.run([sys.executable, "-m", "data.generate", "--policies", str(n), "--seed",
                        "1", "--out", str(generated)], check=True, stdout=subprocess.DEVNULL)
    rows = []
    for fmt in ("parquet", "csv"):
        files, loaded = root / f"{n}-{fmt}", root / f"l{n}.duckdb"
        export_seconds = _export(generated, files, fmt)
        if fmt == "csv" and source is None:
            generated.unlink()  # room on the disk for the load at 10 M
        figures = _load(files, loaded)
        row = {"policies": n, "format": fmt, "files_mib": _mib(files),
               "export_seconds": round(export_seconds, 1),
               "seconds": round(figures["seconds"], 1),
               "peak_rss_gib": round(figures["peak_rss_gib"], 2),
               "memory_limit": os.environ.get("BUILD_MEMORY_LIMIT", "5GB"),
               "measured": time.strftime("%Y-%m-%d")}
        print(row, flush=True)
        rows.append(row)
        shutil.rmtree(files)
        loaded.unlink()
    return rows


def estimate_10m(results: list[dict[str, object]]) -> dict[str, float]:
    """Seconds for 10 M policies, scaled linearly from the largest smaller size."""
    estimates = {}
    for fmt in ("parquet", "csv"):
        smaller = [r for r in results if r["format"] == fmt and int(r["policies"]) < 10**7]
        if smaller:
            base = max(smaller, key=lambda r: int(r["policies"]))
            estimates[fmt] = round(float(base["seconds"]) * 10**7 / int(base["policies"]))
    return estimates


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3])
        return
    source = Path(sys.argv[2]) if sys.argv[1:2] == ["--from-store"] else None
    sizes = [_policies(source)] if source else \
        [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    previous = json.loads(OUT.read_text()) if OUT.exists() else []
    results = [r for r in previous if isinstance(r, dict) and "policies" in r
               and r.get("policies") not in sizes]
    (Path.cwd() / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "var") as tmp:
        for n in sizes:
            results.extend(measure(n, Path(tmp), source))
    results.sort(key=lambda r: (int(r["policies"]), str(r["format"])))
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    measured = {str(r["format"]): r["seconds"] for r in results if r["policies"] == 10**7}
    for fmt, seconds in estimate_10m(results).items():
        seen = f", measured {measured[fmt]} s" if fmt in measured else ""
        print(f"10 M from {fmt}: about {seconds} s linearly{seen} "
              f"(target {TARGET_SECONDS[fmt]} s)")


if __name__ == "__main__":
    main()
