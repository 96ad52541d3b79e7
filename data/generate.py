"""Realistic synthetic book for demos, tests and benchmarks.

``python -m data.generate --policies N --seed S --out PATH [--as-of DATE]``

Everything is set-based DuckDB SQL: each row's random draws come from
``hash(key, salt, seed)``, so the store is identical for the same (N, S, as-of)
whatever the thread count, and no Python code runs per row.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb

from data import gen_pools as P
from data.build import build_store
from data.customer_store import inputs_from_ops
from data.customers.normalise import install_macros
from data.gen_sql import (
    claims_sql,
    finance_sql,
    organisation_sql,
    policies_sql,
    reference_sql,
)
from data.settings import Settings
from data.steps import run_step

log = logging.getLogger(__name__)
HISTORY_YEARS = 6


def _macros(seed: int) -> str:
    # u(): uniform [0,1) per (key, salt); z(): roughly standard normal (sum of 4 uniforms).
    return f"""
    CREATE OR REPLACE TEMP MACRO u(k, salt) AS
        (hash(k, salt, {seed}) % 1000003)::DOUBLE / 1000003.0;
    CREATE OR REPLACE TEMP MACRO z(k, salt) AS
        (u(k, salt || 'a') + u(k, salt || 'b') + u(k, salt || 'c') + u(k, salt || 'd') - 2.0)
        * 1.7320508;
    CREATE OR REPLACE TEMP MACRO pick(s, k, salt) AS
        substr(s, 1 + floor(u(k, salt) * length(s))::INTEGER, 1);
    CREATE OR REPLACE TEMP MACRO digits(k, salt, n) AS
        lpad((hash(k, salt, {seed}) % (10 ** n)::UBIGINT)::VARCHAR, n, '0');
    """


def fill_generated(con: duckdb.DuckDBPyConnection, policies: int, seed: int, as_of: date) -> None:
    """Fill every base table of the schema (already created) with a generated book."""
    hist_start = date(as_of.year - HISTORY_YEARS, 1, 1)
    ctx = {
        "n": policies,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "hist_start": hist_start.isoformat(),
        "hist_days": (as_of - hist_start).days,
        "rate_start": (hist_start - timedelta(days=400)).isoformat(),
    }
    con.execute(_macros(seed))
    install_macros(con)  # the 身份证 / 统一社会信用代码 check characters
    for step in (reference_sql, organisation_sql, policies_sql, claims_sql, finance_sql):
        for statement in step(ctx, P):
            run_step(con, statement)


def generate(out: Path, policies: int, seed: int, as_of: date, settings: Settings) -> Path:
    def fill(con: duckdb.DuckDBPyConnection) -> None:
        fill_generated(con, policies, seed, as_of)

    return build_store(out, fill, replace(settings, as_of=as_of), origin="generated",
                       customers=replace(inputs_from_ops(settings), train=False,
                                         demo_history=True))


def ensure_demo_store(settings: Settings) -> Path:
    """Generate the demo store when none exists at the configured path."""
    if settings.store_path.exists():
        return settings.store_path
    log.info("no store at %s: generating %d demo policies", settings.store_path,
             settings.demo_policies)
    return generate(settings.store_path, settings.demo_policies, settings.demo_seed,
                    settings.today, settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成模拟保险业务数据仓库 (DuckDB)")
    parser.add_argument("--policies", type=int, required=True, help="保单数")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子")
    parser.add_argument("--out", type=Path, required=True, help="输出的 DuckDB 文件")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="数据截止日期")
    parser.add_argument("--export-dir", type=Path, default=None,
                        help="同时按导入文件格式 (docs/IMPORT.md) 写出每个实体的文件")
    parser.add_argument("--export-format", choices=("csv", "parquet"), default="csv")
    args = parser.parse_args(argv)
    if args.policies < 100:
        parser.error("--policies 至少为 100")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings.from_env()
    as_of = args.as_of or settings.today
    started = time.perf_counter()
    path = generate(args.out, args.policies, args.seed, as_of, settings)
    seconds = time.perf_counter() - started
    size = path.stat().st_size / 2**20
    print(f"generated {args.policies} policies into {path} in {seconds:.1f} s ({size:.0f} MiB)")
    if args.export_dir is not None:
        from data.export_layout import export_store

        counts = export_store(path, args.export_dir, args.export_format)
        print(f"exported {sum(counts.values()):,} rows in {len(counts)} files to "
              f"{args.export_dir}")


if __name__ == "__main__":
    main()
