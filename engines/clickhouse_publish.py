"""Publish a DuckDB store to ClickHouse, atomically for readers.

    python -m engines.clickhouse_publish --store var/store.duckdb --clickhouse chdb:///var/ch
    python -m engines.clickhouse_publish --store var/store.duckdb \
        --clickhouse http://ch1:8123/insurance --cluster insurance_cluster

Every table is copied into a new ``<table>__new`` MergeTree table (sorting keys chosen
for the reports: policies by start date and id, claims by report date …), and only when
all of them are complete are they exchanged with the live tables (``EXCHANGE TABLES``)
and the version in ``store_meta`` bumped. A failed load drops what it made and changes
nothing. With ``--cluster``, local tables are ``ReplicatedMergeTree`` on every node and a
``Distributed`` table per name shards rows by the policy (one policy's rows on one shard).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from engines.clickhouse_engine import META_TABLE, database_of, is_embedded, server_client

BATCH_ROWS = 500_000

# Sorting keys per table: the date the reports filter on first, then the id.
SORTING: dict[str, tuple[str, ...]] = {
    "policy_pnl": ("start_date", "policy_id"),
    "policy": ("start_date", "policy_id"),
    "claim_fact": ("report_date", "claim_id"),
    "claim": ("report_date", "claim_id"),
    "receipt_fact": ("receipt_date", "receipt_id"),
    "receipt": ("receipt_date", "receipt_id"),
    "receivable_fact": ("due_date", "receivable_id"),
    "receivable": ("due_date", "receivable_id"),
    "proposal_fact": ("input_date", "proposal_id"),
    "endorsement_fact": ("input_date", "endorsement_id"),
    "commission_fact": ("pay_date", "commission_id"),
    "rate_fact": ("rate_date",),
}

_SIMPLE = {
    "BOOLEAN": "Bool", "TINYINT": "Int8", "SMALLINT": "Int16", "INTEGER": "Int32",
    "BIGINT": "Int64", "UTINYINT": "UInt8", "USMALLINT": "UInt16", "UINTEGER": "UInt32",
    "UBIGINT": "UInt64", "HUGEINT": "Int128", "FLOAT": "Float32", "DOUBLE": "Float64",
    "VARCHAR": "String", "DATE": "Date32", "TIMESTAMP": "DateTime64(6)",
    "TIMESTAMP WITH TIME ZONE": "DateTime64(6, 'UTC')",
}


def clickhouse_column_type(duck_type: str) -> str:
    """The ClickHouse type holding exactly what a DuckDB column type holds."""
    t = duck_type.upper()
    if t.endswith("[]"):
        return f"Array({clickhouse_column_type(duck_type[:-2])})"
    if m := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t):
        return f"Decimal({m[1]}, {m[2]})"
    if m := re.fullmatch(r"MAP\((.+),\s*(.+)\)", duck_type, flags=re.IGNORECASE):
        return f"Map({clickhouse_column_type(m[1])}, {clickhouse_column_type(m[2])})"
    if t in _SIMPLE:
        return _SIMPLE[t]
    raise ValueError(f"no ClickHouse type for DuckDB type {duck_type}")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool

    def ddl(self) -> str:
        nullable = self.nullable and not self.type.startswith(("Array", "Map"))
        return f"`{self.name}` " + (f"Nullable({self.type})" if nullable else self.type)


def store_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[Column]]:
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable "
        "FROM duckdb_columns() c JOIN duckdb_tables() t "
        "ON t.table_name = c.table_name AND t.schema_name = c.schema_name "
        "WHERE c.schema_name = 'main' ORDER BY c.table_name, c.column_index").fetchall()
    tables: dict[str, list[Column]] = {}
    for table, name, duck_type, nullable in rows:
        tables.setdefault(table, []).append(
            Column(name, clickhouse_column_type(duck_type), bool(nullable)))
    return tables


def shard_key(columns: list[Column]) -> str:
    names = {c.name for c in columns}
    for key in ("policy_id", "claim_id", "customer_id"):
        if key in names:
            return f"cityHash64(ifNull({key}, 0))"
    return "rand()"


def create_table_sql(database: str, table: str, columns: list[Column],
                     cluster: str | None) -> list[str]:
    keys = SORTING.get(table) or (columns[0].name,)
    order = ", ".join(f"`{k}`" for k in keys)
    body = ", ".join(c.ddl() for c in columns)
    settings = "SETTINGS allow_nullable_key = 1"
    if cluster is None:
        return [f"CREATE TABLE `{database}`.`{table}` ({body}) ENGINE = MergeTree "
                f"ORDER BY ({order}) {settings}"]
    local = f"{table}_local"
    return [
        f"CREATE TABLE `{database}`.`{local}` ON CLUSTER `{cluster}` ({body}) "
        f"ENGINE = ReplicatedMergeTree('/clickhouse/tables/{{shard}}/{database}/{local}', "
        f"'{{replica}}') ORDER BY ({order}) {settings}",
        f"CREATE TABLE `{database}`.`{table}` ON CLUSTER `{cluster}` AS "
        f"`{database}`.`{local}` ENGINE = Distributed(`{cluster}`, `{database}`, "
        f"`{local}`, {shard_key(columns)})",
    ]


def _on_cluster(cluster: str | None) -> str:
    return f" ON CLUSTER `{cluster}`" if cluster else ""


def publish(store: Path, url: str, cluster: str | None = None,
            log: Callable[[str], None] = print) -> dict[str, int]:
    """Copy every table of ``store``; swap them in only when all are loaded."""
    database = database_of(url)
    ch = server_client(url)
    ch.command(f"CREATE DATABASE IF NOT EXISTS `{database}`{_on_cluster(cluster)}")
    con = duckdb.connect(str(store), read_only=True)
    tables = store_tables(con)
    tables[META_TABLE] = [Column("version", "Int64", False),
                          Column("published_at", "DateTime64(6, 'UTC')", False),
                          Column("source", "String", False)]
    staged = {t: f"{t}__new" for t in tables}
    counts: dict[str, int] = {}
    try:
        for table, columns in tables.items():
            _drop(ch, database, staged[table], cluster)
            for sql in create_table_sql(database, staged[table], columns, cluster):
                ch.command(sql)
            if table == META_TABLE:
                continue
            started = time.perf_counter()
            counts[table] = _copy(con, ch, database, table, staged[table])
            log(f"  {table}: {counts[table]:,} 行, {time.perf_counter() - started:.1f} s")
        ch.command(f"INSERT INTO `{database}`.`{staged[META_TABLE]}` "
                   "SELECT {v:Int64}, now64(6, 'UTC'), {s:String}",
                   parameters={"v": time.time_ns(), "s": store.name})
    except BaseException:
        for name in staged.values():
            _drop(ch, database, name, cluster)
        raise
    finally:
        con.close()
    # Meta last: a reader that sees the new version sees every new table. A swap that
    # fails undoes those before it (newest first): the old store stays whole.
    undo: list[list[str]] = []
    try:
        for table in [t for t in tables if t != META_TABLE] + [META_TABLE]:
            undo.append(_swap(ch, database, table, staged[table], cluster))
    except BaseException:
        for statements in reversed(undo):
            for sql in statements:
                ch.command(sql)
        _drop_staged(ch, database, staged.values(), cluster)
        raise
    _drop_staged(ch, database, staged.values(), cluster)  # they hold the old store now
    return counts


def _copy(con: duckdb.DuckDBPyConnection, ch: Any, database: str, table: str,
          target: str) -> int:
    reader = con.sql(f'SELECT * FROM "{table}"').to_arrow_reader(BATCH_ROWS)
    total = 0
    import pyarrow as pa

    for batch in reader:
        if batch.num_rows:
            ch.insert_arrow(f"`{database}`.`{target}`", pa.Table.from_batches([batch]))
            total += batch.num_rows
    return total


def _exists(ch: Any, database: str, table: str) -> bool:
    return bool(ch.command("EXISTS TABLE {d:Identifier}.{t:Identifier}",
                           parameters={"d": database, "t": table}))


def _drop(ch: Any, database: str, table: str, cluster: str | None) -> None:
    ch.command(f"DROP TABLE IF EXISTS `{database}`.`{table}`{_on_cluster(cluster)} SYNC")
    if cluster:
        ch.command(f"DROP TABLE IF EXISTS `{database}`.`{table}_local`"
                   f"{_on_cluster(cluster)} SYNC")


def _drop_staged(ch: Any, database: str, names: Iterable[str], cluster: str | None) -> None:
    for name in names:
        _drop(ch, database, name, cluster)


def _swap(ch: Any, database: str, table: str, staged: str, cluster: str | None) -> list[str]:
    """Put the staged table in the live one's place; the statements that put it back."""
    db = f"`{database}`"
    if cluster is None:
        if _exists(ch, database, table):
            exchange = f"EXCHANGE TABLES {db}.`{table}` AND {db}.`{staged}`"
            ch.command(exchange)
            return [exchange]  # its own inverse
        ch.command(f"RENAME TABLE {db}.`{staged}` TO {db}.`{table}`")
        return [f"RENAME TABLE {db}.`{table}` TO {db}.`{staged}`"]
    # On a cluster the live Distributed table keeps pointing at ``<table>_local``; only
    # the local tables are exchanged, on every node.
    on = _on_cluster(cluster)
    live_local, new_local = f"{table}_local", f"{staged}_local"
    if _exists(ch, database, live_local):
        exchange = f"EXCHANGE TABLES {db}.`{live_local}` AND {db}.`{new_local}`{on}"
        ch.command(exchange)
        undo = [exchange]
    else:
        ch.command(f"RENAME TABLE {db}.`{new_local}` TO {db}.`{live_local}`{on}")
        undo = [f"RENAME TABLE {db}.`{live_local}` TO {db}.`{new_local}`{on}"]
    if not _exists(ch, database, table):
        ch.command(f"CREATE TABLE {db}.`{table}`{on} AS {db}.`{live_local}` "
                   f"ENGINE = Distributed(`{cluster}`, {db}, `{live_local}`, "
                   f"{_shard_of(ch, database, staged)})")
        undo.insert(0, f"DROP TABLE IF EXISTS {db}.`{table}`{on} SYNC")
    return undo


def _shard_of(ch: Any, database: str, distributed: str) -> str:
    # The staged Distributed table's sharding key, reused for the live one.
    engine = ch.command("SELECT engine_full FROM system.tables WHERE database = {d:String} "
                        "AND name = {t:String}", parameters={"d": database, "t": distributed})
    return str(engine).rsplit(",", 1)[-1].rstrip(") ").strip() or "rand()"


def ensure_published(url: str, store: Path, log: Callable[[str], None] = print) -> None:
    """At start-up: publish ``store`` if ClickHouse at ``url`` holds nothing yet."""
    if is_embedded(url):
        log("ClickHouse 嵌入式引擎 (chdb): 同一目录只能由一个进程打开, "
            "多个 Web 进程请使用 ClickHouse 服务器 (http://…)")
    ch = server_client(url)
    try:
        if _exists(ch, database_of(url), META_TABLE):
            return
    finally:
        ch.close()
    if not store.exists():
        raise FileNotFoundError(f"ClickHouse 中没有数据, 也没有可发布的数据仓库 {store.name}")
    log(f"ClickHouse 中没有数据, 发布 {store.name} …")
    publish(store, url, log=log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把 DuckDB 数据仓库发布到 ClickHouse")
    parser.add_argument("--store", type=Path, required=True, help="DuckDB 数据仓库文件")
    parser.add_argument("--clickhouse", required=True,
                        help="http(s)://user:pass@host:8123/db 或 chdb:///path")
    parser.add_argument("--cluster", default=None, help="集群名 (分布式表)")
    args = parser.parse_args(argv)
    if not args.store.exists():
        print(f"数据仓库不存在: {args.store}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    counts = publish(args.store, args.clickhouse, args.cluster)
    print(f"已发布 {len(counts)} 张表, {sum(counts.values()):,} 行, "
          f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
