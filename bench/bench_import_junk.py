"""A day's files with ``policy.csv`` replaced by junk lines (the right number of columns,
nothing valid in them): how long ``python -m data.load`` takes to refuse it, and its
peak memory.

    .venv/bin/python -m bench.bench_import_junk [--mb 200] [--work /tmp/junk]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from data.export_layout import export_store
from data.generate import generate
from data.settings import Settings


def write_junk(path: Path, header: str, megabytes: int, short: bool) -> int:
    """Junk lines: distinct text in every field, or (``short``) one letter in every field
    — many more lines, all with the same key."""
    columns = header.count(",") + 1
    lines = 0
    with path.open("w", encoding="utf-8") as f:
        f.write(header + "\n")
        while f.tell() < megabytes * 2**20:
            block = "".join((",".join("x" * columns) if short else ",".join(
                f"垃圾{lines + i}x{c}" for c in range(columns))) + "\n" for i in range(10_000))
            f.write(block)
            lines += 10_000
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-import-junk"))
    parser.add_argument("--short", action="store_true", help="one letter per field")
    args = parser.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    files = args.work / "files"
    as_of = date(2026, 11, 20)
    generate(args.work / "book.duckdb", 1_000, 1, as_of, Settings(as_of=as_of))
    export_store(args.work / "book.duckdb", files)
    header = (files / "policy.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    lines = write_junk(files / "policy.csv", header, args.mb, args.short)
    size = (files / "policy.csv").stat().st_size / 2**20
    started = time.perf_counter()
    # The child reports its own peak (VmHWM): ru_maxrss would carry this process's over.
    child = ("import sys; from data.load import main; rc = main(sys.argv[1:]); "
             "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
             "print(int(hwm.split()[1]) / 2**20, file=sys.stderr); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", child, str(files), "--store",
                           str(args.work / "store.duckdb")], check=False, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = float(done.stderr.strip().splitlines()[-1])  # GiB
    print(done.stdout.strip().splitlines()[-1])
    # CPU time as well: on a shared machine the wall time says more about the neighbours.
    print(f"policy.csv of junk: {size:,.0f} MB, {lines:,} lines; refused in {seconds:.1f} s "
          f"(CPU {usage.ru_utime + usage.ru_stime:.1f} s), peak RSS {peak:.2f} GiB, "
          f"exit {done.returncode}")
    leftovers = [p.name for p in args.work.iterdir() if p.name.startswith(".store")]
    print(f"left beside the store: {leftovers or 'nothing'}; in the input folder: "
          f"{'rejects.csv' if (files / 'rejects.csv').exists() else 'no report'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
