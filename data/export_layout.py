"""Write a store's base tables in the import file layout (``data/layout.py``): business
keys instead of internal ids, one file per entity, rows in id order.

    python -m data.generate --policies 3000 --seed 1 --out var/s.duckdb --export-dir DIR

Used by the generator's ``--export-dir`` and by incremental loads (the current store in
the layout, overlaid with the day's files).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from data.importer.checks import lit, one_row
from data.layout import ENTITIES, Entity

# Fields the store keeps no column for: a row's position among its siblings.
SEQUENCES: dict[str, tuple[str, str]] = {
    "payment_seq": ("claim_id", "payment_id"),
    "line_no": ("fee_receipt_no, policy_id", "commission_id"),
}


def export_sql(con: duckdb.DuckDBPyConnection, entity: Entity, with_id: bool = False) -> str:
    """SELECT of ``entity``'s file columns from the store, in id order (and the store's
    id as ``id_`` when ``with_id``)."""
    table = entity.name
    store_columns = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}
    joins, exprs = [], {}
    for i, ref in enumerate(entity.refs):
        alias = f"r{i}"
        target = ref.entity
        target_id = {"policy": "policy_id", "proposal": "proposal_id"}.get(target) or next(
            e.id_column for e in ENTITIES if e.name == target)
        joins.append(f"LEFT JOIN {target} {alias} ON {alias}.{target_id} = t.{ref.id_column}")
        target_columns = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
            [target]).fetchall()}
        for column, key in zip(ref.columns, ref.keys, strict=True):
            if column not in exprs and key in target_columns and column not in store_columns:
                exprs[column] = f"{alias}.{key}"
    select = []
    for f in entity.fields:
        if f.name in SEQUENCES:
            partition, order = SEQUENCES[f.name]
            expr = f"row_number() OVER (PARTITION BY t.{partition.replace(', ', ', t.')} " \
                   f"ORDER BY t.{order})"
        elif f.name in exprs:
            expr = exprs[f.name]
        elif f.name in store_columns:
            expr = f"t.{f.name}"
        else:
            raise ValueError(f"{table}.{f.name}: no store column")
        select.append(f"{expr} AS {f.name}")
    if with_id and entity.id_column:
        select.append(f"t.{entity.id_column} AS id_")
    order = f"t.{entity.id_column}" if entity.id_column else "t.currency_id, t.rate_date"
    return f"SELECT {', '.join(select)} FROM {table} t {' '.join(joins)} ORDER BY {order}"


def export_ids(store: Path, out_dir: Path) -> None:
    """``out_dir/<entity>.ids.parquet``: each row's business key and its id in ``store``,
    so a new load gives the rows it already knows the same ids (users' data scopes name
    branch, department and staff ids)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(store), read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        for entity in ENTITIES:
            if entity.id_column:
                keys = ", ".join(entity.key)
                con.execute(f"COPY (SELECT {keys}, id_ FROM ({export_sql(con, entity, True)})) "
                            f"TO {lit(str(out_dir / (entity.name + '.ids.parquet')))} "
                            "(FORMAT parquet)")
    finally:
        con.close()


def export_store(store: Path, out_dir: Path, fmt: str = "csv") -> dict[str, int]:
    """Every entity of ``store`` as ``out_dir/<entity>.<fmt>`` (csv or parquet)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(store), read_only=True)
    con.execute("SET enable_progress_bar = false")
    counts = {}
    try:
        for entity in ENTITIES:
            target = out_dir / f"{entity.name}.{fmt}"
            options = "(FORMAT parquet)" if fmt == "parquet" else "(HEADER, DELIMITER ',')"
            con.execute(f"COPY ({export_sql(con, entity)}) TO {lit(str(target))} {options}")
            counts[entity.name] = one_row(con, f"SELECT count(*) FROM {entity.name}")[0]
    finally:
        con.close()
    return counts
