"""Raw customer records (the customer.csv layout) → one normalised row per record.

The normalised table is what rules, the model and cleansing read. Everything but
pinyin is set-based SQL (normalise_sql); pinyin is computed once per distinct name.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from data.customers.names import pinyin_key, sorted_pinyin_key
from data.customers.normalise_sql import macros, normalise_sql

RAW_COLUMNS = ("customer_code", "customer_name", "customer_kind", "id_type", "id_no",
               "phone", "mobile", "address", "birthday")
OPTIONAL_COLUMNS = ("source_system", "branch_code")
REQUIRED = ("customer_code", "customer_name")


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for statement in macros().split(";\n"):
        if statement.strip():
            con.execute(statement)


def _source_columns(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    return [d[0] for d in con.sql(f"SELECT * FROM {source} LIMIT 0").description]


def normalise_into(con: duckdb.DuckDBPyConnection, source: str, out: str) -> None:
    """Normalise the records of table/view ``source`` into table ``out`` (with ``rk``,
    the record key ``source_system|customer_code``)."""
    have = set(_source_columns(con, source))
    missing = [c for c in REQUIRED if c not in have]
    if missing:
        raise ValueError(f"客户数据缺少列: {', '.join(missing)}")
    install_macros(con)
    projection = ", ".join(f"{c}::VARCHAR AS {c}" if c in have else f"NULL::VARCHAR AS {c}"
                           for c in RAW_COLUMNS + OPTIONAL_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _raw AS SELECT {projection} FROM {source}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _normed AS {normalise_sql('_raw')}")
    names = con.sql("SELECT DISTINCT name_key FROM _normed WHERE name_key IS NOT NULL"
                    ).fetchnumpy()["name_key"].tolist()
    con.register("_pinyin", pa.table({
        "name_key": pa.array(names, pa.string()),
        "name_py": pa.array([pinyin_key(n) for n in names], pa.string()),
        "name_sorted": pa.array([sorted_pinyin_key(n) for n in names], pa.string())}))
    con.execute(f"""CREATE OR REPLACE TABLE {out} AS
        SELECT n.source_system || '|' || n.customer_code AS rk,
               n.* EXCLUDE (addr_raw), p.name_py, p.name_sorted,
               nullif(concat_ws('', n.province, n.city, n.district, n.addr_rest), '') AS addr_key
        FROM _normed n LEFT JOIN _pinyin p USING (name_key)""")
    con.unregister("_pinyin")
    con.execute("DROP TABLE _normed")
    con.execute("DROP VIEW _raw")


def normalise_records(raw: pa.Table) -> pa.Table:
    """One-off normalisation of an Arrow table (tests, small files)."""
    con = duckdb.connect()
    con.register("_in", raw)
    normalise_into(con, "_in", "normed")
    return con.sql("SELECT * FROM normed").to_arrow_table()
