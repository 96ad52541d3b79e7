"""Two stores side by side — each served by its own code — page by page: the reports
reading the tables that changed, their default summary, first detail page, that page
sorted and filtered by each number or name column, interleaved case by case so both
feel the same machine load. With the bytes of both stores (``bench.store_bytes``).

    .venv/bin/python -m bench.bench_store_pages \\
        --before CODE_DIR STORE --after CODE_DIR STORE --reports proposal-status,… \\
        [--repeat 7] [--label proposal_fact]

Each side is a worker process started in its code directory (``--worker``), answering
"time case i" on stdin. Appends the run to bench/results_store.json and rewrites
bench/results_store.md. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from engines import engine_for

HERE = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 30)
# Detail columns a user sorts and filters by that the narrower rollups look up.
TEXT_KEYS = ("policy_no", "proposal_no", "receipt_no", "insured_name", "insured_code",
             "applicant_name", "applicant_code", "plate_no", "vin", "engine_no")
GRID_TEXT = {"filterType": "text", "type": "contains", "filter": "12"}


def worker_cases(store: Path, slugs: list[str]) -> list[tuple[str, Callable[[], object]]]:
    from data.settings import Settings
    from queries import detail as details
    from queries import engine as reporting
    from queries import summary as summaries
    from queries.catalog import CATALOG
    from queries.store_types import serve_from
    from queries.warm import WARM_VIEWER, default_args

    # Each side its own operational store (the two codes may migrate it differently).
    settings = replace(Settings.from_env(), store_path=store, as_of=AS_OF,
                       users_path=store.with_name(f"{store.stem}-users.sqlite"))
    serve_from(engine_for(settings))
    cases: list[tuple[str, Callable[[], object]]] = []
    for slug in slugs:
        report = CATALOG[slug]
        values = reporting.parse_filters(report, default_args(report, settings), settings.today)

        def summary(r=report, v=values) -> object:
            dims = reporting.summary_dims(r, None, None)
            try:  # keyword-only since the summary's split
                return summaries._compute_summary(engine_for(settings), r, v, WARM_VIEWER, None,
                                               group_by=[d.key for d in dims],
                                               max_groups=reporting.SUMMARY_GROUPS_SHOWN)
            except TypeError:
                return summaries._compute_summary(engine_for(settings), r, v, WARM_VIEWER, None,
                                               [d.key for d in dims],
                                               reporting.SUMMARY_GROUPS_SHOWN)

        def detail(r=report, v=values, sort=(), grid=None) -> object:
            chosen = reporting.detail_order(r, sort, WARM_VIEWER)
            v = reporting.with_column_filters(r, v, grid, WARM_VIEWER)
            try:  # keyword-only since the engine's split
                return details._compute_detail(engine_for(settings), r, v, WARM_VIEWER, chosen,
                                               limit=100,
                                               parsed=None, offset=None, with_total=True)
            except TypeError:
                return details._compute_detail(engine_for(settings), r, v, WARM_VIEWER, chosen,
                                               100, None,
                                               None, True)

        cases.append((f"{report.number} {slug} 汇总", summary))
        cases.append((f"{report.number} {slug} 明细", detail))
        for key in (k for k in TEXT_KEYS if k in {c.key for c in report.detail}):
            cases.append((f"{report.number} {slug} 按{key}排序",
                          lambda d=detail, k=key: d(sort=[(k, "desc")])))
            cases.append((f"{report.number} {slug} 按{key}筛选",
                          lambda d=detail, k=key: d(grid={k: GRID_TEXT})))
    return cases


def worker(store: Path, slugs: list[str]) -> None:
    from queries.filters import FilterError

    cases = []
    for label, fn in worker_cases(store, slugs):
        try:
            fn()  # first use: parser, metadata, small lookups
        except FilterError:
            continue  # a sort or filter this side's list does not offer
        cases.append((label, fn))
    print(json.dumps([label for label, _ in cases], ensure_ascii=False), flush=True)
    for line in sys.stdin:
        fn = cases[int(line)][1]
        started = time.perf_counter()
        fn()
        print(round((time.perf_counter() - started) * 1000, 2), flush=True)


def store_mib(store: Path) -> dict[str, float]:
    import duckdb

    from bench.store_bytes import table_blocks

    con = duckdb.connect(str(store), read_only=True)
    block = int(con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0])
    tables = {t: blocks * block / 2**20 for t, blocks in table_blocks(con).items()}
    con.close()
    return {"file": round(store.stat().st_size / 2**20, 1),
            **{t: round(v, 1) for t, v in sorted(tables.items(), key=lambda kv: -kv[1])}}


def start(code: Path, store: Path, slugs: list[str]) -> tuple[subprocess.Popen, list[str]]:
    python = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen([str(python), "-m", "bench.bench_store_pages", "--worker",
                             str(store), ",".join(slugs)], cwd=code, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


def ask(proc: subprocess.Popen, i: int) -> float:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{i}\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def markdown(runs: list[dict]) -> str:
    lines = ["# Store bytes and the pages reading them, before and after (one run each)", ""]
    for run in runs:
        b, a = run["mib"]["before"], run["mib"]["after"]
        lines += [f"## {run['label']} ({run['when']}, load average {run['load']})", "",
                  f"store file: {b['file']:,.1f} → {a['file']:,.1f} MiB "
                  f"({a['file'] / b['file']:.2f}×)", "",
                  *([run["note"], ""] if run.get("note") else []),
                  "| table | before MiB | after MiB |", "|---|---:|---:|"]
        for t in run["tables"]:
            lines.append(f"| {t} | {b.get(t, 0):,.1f} | {a.get(t, 0):,.1f} |")
        lines += ["", "| page (median ms) | before | after | ratio |", "|---|---:|---:|---:|"]
        for r in run["pages_ms"]:
            lines.append(f"| {r['case']} | {r['before']} | {r['after']} | "
                         f"{r['after'] / r['before']:.2f} |")
        tb, ta = (sum(r[k] for r in run["pages_ms"]) for k in ("before", "after"))
        lines += [f"| all | {tb:.1f} | {ta:.1f} | {ta / tb:.2f} |", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(Path(sys.argv[2]), sys.argv[3].split(","))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", nargs=2, type=Path, required=True, metavar=("CODE", "STORE"))
    parser.add_argument("--after", nargs=2, type=Path, required=True, metavar=("CODE", "STORE"))
    parser.add_argument("--reports", required=True)
    parser.add_argument("--tables", default="", help="tables to list (default: all)")
    parser.add_argument("--label", default="")
    parser.add_argument("--note", default="", help="what the run changed and concluded")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    slugs = args.reports.split(",")
    sides = {"before": start(*args.before, slugs), "after": start(*args.after, slugs)}
    # The cases both sides offer (a name sortable only after, say, is left out).
    labels = [c for c in sides["before"][1] if c in sides["after"][1]]
    rows = []
    for label in labels:
        ms: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.repeat):
            for name, (proc, offered) in sides.items():
                ms[name].append(ask(proc, offered.index(label)))
        rows.append({"case": label, **{n: round(statistics.median(v), 1)
                                       for n, v in ms.items()}})
        print(f"{label}: {rows[-1]['before']} → {rows[-1]['after']} ms", flush=True)
    for proc, _ in sides.values():
        proc.stdin.close()
        proc.wait()
    mib = {"before": store_mib(args.before[1]), "after": store_mib(args.after[1])}
    tables = args.tables.split(",") if args.tables else [t for t in mib["before"]
                                                         if t != "file"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    run = {"label": args.label or args.reports, "note": args.note, "when": when,
           "load": " ".join(f"{x:.1f}" for x in os.getloadavg()), "mib": mib,
           "tables": tables, "pages_ms": rows}
    path = HERE / "results_store.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append(run)
    path.write_text(json.dumps(runs, ensure_ascii=False, indent=1))
    (HERE / "results_store.md").write_text(markdown(runs))
    print(markdown([run]))


if __name__ == "__main__":
    main()
