"""Where a store's bytes go: blocks per table and per column (``pragma_storage_info``),
with each column's compression, largest first. Not part of the tests.

    .venv/bin/python -m bench.store_bytes STORE [TOP]
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def column_blocks(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str]]:
    """(table, column, blocks, compressions) for every column of every table."""
    out = []
    # A table of another schema (customer_state …) is named with it.
    tables = [r[0] for r in con.execute(
        "SELECT CASE WHEN schema_name = 'main' THEN table_name "
        "ELSE schema_name || '.' || table_name END FROM duckdb_tables() "
        "WHERE database_name = current_database() ORDER BY 1").fetchall()]
    for table in tables:
        rows = con.execute(
            "SELECT column_name, count(DISTINCT block_id) FILTER (WHERE persistent), "
            "string_agg(DISTINCT compression, ',') "
            f"FROM pragma_storage_info('{table}') GROUP BY column_name").fetchall()
        out += [(table, column, int(blocks), kinds or "") for column, blocks, kinds in rows]
    return out


def table_blocks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Blocks per table: a block several small columns share counts once (summing
    ``column_blocks`` per table counts it once per column)."""
    out = {}
    for table in {t for t, *_ in column_blocks(con)}:
        out[table] = int(con.execute(
            "SELECT count(DISTINCT block_id) FILTER (WHERE persistent) "
            f"FROM pragma_storage_info('{table}')").fetchone()[0])  # type: ignore[index]
    return out


def main() -> None:
    store = Path(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    con = duckdb.connect(str(store), read_only=True)
    block = int(con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0])
    columns = column_blocks(con)
    by_table = table_blocks(con)
    total = sum(by_table.values()) * block
    print(f"{store.name}: file {store.stat().st_size / 2**30:.3f} GiB, "
          f"table blocks {total / 2**30:.3f} GiB")
    print("\n| table | MiB | share |\n|---|---:|---:|")
    for table, blocks in sorted(by_table.items(), key=lambda kv: -kv[1]):
        print(f"| {table} | {blocks * block / 2**20:,.1f} | {blocks * block / total:.1%} |")
    print(f"\n| column (top {top}) | MiB | compression |\n|---|---:|---|")
    for table, column, blocks, kinds in sorted(columns, key=lambda c: -c[2])[:top]:
        print(f"| {table}.{column} | {blocks * block / 2**20:,.1f} | {kinds} |")


if __name__ == "__main__":
    main()
