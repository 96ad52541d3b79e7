"""Are two stores' customer resolutions the same? Rows of each customer table in one
store and not in the other (EXCEPT ALL both ways), for a change to the resolution that
must give identical masters, numbers, suspects and issues.

``python -m bench.customer_tables_diff A.duckdb B.duckdb``; exit status 1 on a difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

TABLES = ("customer", "customer_master", "customer_suspect", "customer_issue",
          "customer_change", "customer_party", "customer_party_name", "customer_year_fact",
          "search_customer_key", "customer_state.resolution_norm",
          "customer_state.resolution_pairs", "customer_state.resolution_links",
          "customer_state.resolution_input")


def table_differences(a: Path, b: Path, tables: tuple[str, ...] = TABLES
                      ) -> dict[str, tuple[int, int, int]]:
    """table → (rows, rows only in a, rows only in b)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for table in tables:
        rows = con.execute(f"SELECT count(*) FROM a.{table}").fetchall()[0][0]
        only_a = con.execute(f"SELECT count(*) FROM (FROM a.{table} EXCEPT ALL "
                             f"FROM b.{table})").fetchall()[0][0]
        only_b = con.execute(f"SELECT count(*) FROM (FROM b.{table} EXCEPT ALL "
                             f"FROM a.{table})").fetchall()[0][0]
        out[table] = (rows, only_a, only_b)
    return out


def main(argv: list[str]) -> int:
    diffs = table_differences(Path(argv[0]), Path(argv[1]))
    for table, (rows, only_a, only_b) in diffs.items():
        print(f"{table:<36} {rows:>10,} rows  only in A {only_a:>8,}  only in B {only_b:>8,}")
    return int(any(a or b for _, a, b in diffs.values()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
