"""``python -m data.customers resolve FILE.csv --out LINKS.csv`` and ``links --store S``.

Writes ``customer_code,source_system,master_no``; optional outputs: the review queue
(--suspects) and cleansing findings (--issues, with --staff for 业务员客户).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from data.customers import Decisions, MatchConfig, cleansing_table, resolve
from data.importer.rejects import FileProblem
from data.importer.stage import utf8_copy

_SCRATCH = tempfile.TemporaryDirectory(prefix="customers-")


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, what: str) -> pa.Table:
    if not path.is_file():
        raise SystemExit(f"找不到{what}文件: {path}")
    try:
        utf8 = utf8_copy(path, Path(_SCRATCH.name))  # UTF-8 or GBK, as the importer takes
    except FileProblem as exc:
        raise SystemExit(f"{what}文件 {path}: {exc}") from exc
    try:
        return con.sql("SELECT * FROM read_csv(?, all_varchar = true, header = true)",
                       params=[str(utf8)]).to_arrow_table()
    except duckdb.Error as exc:
        raise SystemExit(f"{what}文件 {path} 无法读取: {exc}") from exc


def _write_csv(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)


def _run(con: duckdb.DuckDBPyConnection, records: pa.Table | str, args: argparse.Namespace) -> int:
    config = MatchConfig.from_dict(json.loads(args.rules.read_text("utf-8"))) if args.rules \
        else MatchConfig()
    decisions = Decisions.from_rows(_read_csv(con, args.decisions, "人工决定").to_pylist()) \
        if args.decisions else Decisions()
    previous = _read_csv(con, args.previous, "上次客户号") if args.previous else None
    resolution, _ = resolve(con, records, config=config, decisions=decisions,
                            previous_links=previous)
    _write_csv(resolution.links.select(["customer_code", "source_system", "master_no"]),
               args.out)
    if args.suspects:
        _write_csv(resolution.suspects, args.suspects)
    if args.issues:
        staff = _read_csv(con, args.staff, "员工/代理人") if args.staff else None
        _write_csv(cleansing_table(con, staff=staff), args.issues)
    s = resolution.stats
    print(f"{s['records']} 条客户记录 → {s['masters']} 个统一客户号；疑似 {s['suspects']} 对",
          file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.customers", description="客户识别")
    sub = parser.add_subparsers(dest="command", required=True)
    file_cmd = sub.add_parser("resolve", help="识别一个 customer.csv 格式的文件")
    file_cmd.add_argument("file", type=Path)
    store_cmd = sub.add_parser("links", help="识别一个分析库中的客户")
    store_cmd.add_argument("--store", type=Path, required=True)
    for cmd in (file_cmd, store_cmd):
        cmd.add_argument("--out", type=Path, required=True)
        cmd.add_argument("--suspects", type=Path)
        cmd.add_argument("--issues", type=Path)
        cmd.add_argument("--staff", type=Path, help="员工/代理人: kind,code,name,id_no,mobile")
        cmd.add_argument("--decisions", type=Path,
                         help="人工决定: decision,customer_code_a,source_system_a,…_b")
        cmd.add_argument("--previous", type=Path,
                         help="上次的 customer_code,source_system,master_no")
        cmd.add_argument("--rules", type=Path, help="规则配置 JSON (MatchConfig.to_dict)")
    args = parser.parse_args(argv)
    con = duckdb.connect()
    try:
        if args.command == "resolve":
            return _run(con, _read_csv(con, args.file, "客户"), args)
        if not args.store.is_file():
            raise SystemExit(f"找不到分析库: {args.store}")
        con.execute("ATTACH ? AS store (READ_ONLY)", [str(args.store)])
        return _run(con, "store.main.customer", args)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc


if __name__ == "__main__":
    sys.exit(main())
