"""Near-unique text (policy numbers, names, plates …) stored plainly or compressed
(DuckDB's dictionary + FSST): the store's size, its build time, and every report's
default summary and detail pages on each, measured in one run on one machine.

    .venv/bin/python -m bench.bench_text_compression --policies 1000000

Prints a table and saves bench/results_text_compression.{json,md}. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

from data import schema
from data.generate import generate
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import detail as detail_module
from queries import engine as reporting
from queries import summary as summary_module
from queries.catalog import CATALOG
from queries.warm import WARM_VIEWER, default_args

HERE = Path(__file__).resolve().parent
AS_OF = date(2026, 11, 30)


@contextmanager
def compressed_text() -> Iterator[None]:
    """Build with no column forced uncompressed (DuckDB chooses, FSST for text)."""
    saved = schema.NEAR_UNIQUE_TEXT
    schema.NEAR_UNIQUE_TEXT = frozenset()
    try:
        yield
    finally:
        schema.NEAR_UNIQUE_TEXT = saved


def build(out: Path, policies: int, compress: bool) -> tuple[float, int]:
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    if compress:
        with compressed_text():
            generate(out, policies, 2026, AS_OF, Settings.from_env())
    else:
        generate(out, policies, 2026, AS_OF, Settings.from_env())
    return time.perf_counter() - started, out.stat().st_size


def page_cases(engine: Engine) -> list[tuple[str, Callable[[], object]]]:
    """Each report's default summary, its first detail page, and that page sorted by
    its first near-unique text column (what the plain storage was chosen for)."""
    cases: list[tuple[str, Callable[[], object]]] = []
    for report in CATALOG.values():
        try:
            values = reporting.parse_filters(report, default_args(report, engine.settings),
                                          engine.settings.today)
        except reporting.FilterError:
            continue

        def summary(r=report, v=values) -> object:
            dims = reporting.summary_dims(r, None, None)
            return summary_module._compute_summary(
                engine, r, v, WARM_VIEWER, None, group_by=[d.key for d in dims],
                max_groups=reporting.SUMMARY_GROUPS_SHOWN)

        def detail(r=report, v=values, order=None) -> object:
            chosen = reporting.detail_order(r, order or (), WARM_VIEWER)
            return detail_module._compute_detail(engine, r, v, WARM_VIEWER, chosen, limit=100,
                                                 parsed=None, offset=None, with_total=True)

        cases.append((f"{report.number} {report.slug} 汇总", summary))
        cases.append((f"{report.number} {report.slug} 明细", detail))
        text = next((c.key for c in report.detail if c.lookup is None and c.personal is None
                     and c.source_column in schema.NEAR_UNIQUE_TEXT), None)
        if text is not None:
            cases.append((f"{report.number} {report.slug} 按{text}排序",
                          lambda r=report, v=values, t=text: detail(r, v, [(t, "desc")])))
    return cases


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="time the pages of stores an earlier run built (no build figures)")
    args = parser.parse_args()
    stores = {"plain": args.dir / "text-plain.duckdb", "fsst": args.dir / "text-fsst.duckdb"}
    built = {name: (float("nan"), path.stat().st_size) if args.reuse
             else build(path, args.policies, name == "fsst") for name, path in stores.items()}
    settings = {name: replace(Settings.from_env(), store_path=path, as_of=AS_OF)
                for name, path in stores.items()}
    cases = {name: page_cases(engine_for(s)) for name, s in settings.items()}
    for name in stores:  # first use of each store: parser, metadata
        for _, fn in cases[name]:
            fn()
    rows = []
    for i, (label, _) in enumerate(cases["plain"]):
        ms: dict[str, list[float]] = {"plain": [], "fsst": []}
        for _ in range(args.repeat):  # interleaved: both feel the same machine load
            for name in stores:
                ms[name].append(timed(cases[name][i][1]))
        rows.append({"case": label, **{n: round(statistics.median(v), 1)
                                       for n, v in ms.items()}})
    result = {
        "policies": args.policies,
        "build_s": {n: round(b[0], 1) for n, b in built.items()},
        "file_mib": {n: round(b[1] / 2**20, 1) for n, b in built.items()},
        "pages_ms": rows,
        "pages_total_ms": {n: round(sum(r[n] for r in rows), 1) for n in stores},
    }
    lines = [f"# Near-unique text plain vs compressed ({args.policies:,} policies)", "",
             "| | plain (today) | dictionary + FSST | ratio |", "|---|---:|---:|---:|"]
    b, f = result["build_s"], result["file_mib"]
    lines.append(f"| build s | {b['plain']} | {b['fsst']} | {b['fsst'] / b['plain']:.2f} |")
    lines.append(f"| file MiB | {f['plain']} | {f['fsst']} | {f['fsst'] / f['plain']:.2f} |")
    t = result["pages_total_ms"]
    lines.append(f"| all pages ms | {t['plain']} | {t['fsst']} | {t['fsst'] / t['plain']:.2f} |")
    lines += ["", "| page (median ms) | plain | FSST | ratio |", "|---|---:|---:|---:|"]
    for r in rows:
        ratio = r["fsst"] / r["plain"] if r["plain"] else 0
        lines.append(f"| {r['case']} | {r['plain']} | {r['fsst']} | {ratio:.2f} |")
    text = "\n".join(lines)
    print(text)
    (HERE / "results_text_compression.json").write_text(json.dumps(result, ensure_ascii=False,
                                                                   indent=1))
    (HERE / "results_text_compression.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
