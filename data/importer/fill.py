"""Filling the new store's base tables from the checked staging database: ids by business
key (kept from the current store, new ones in file order), references resolved by the same
joins, amounts converted to CNY at the rate in force on their date."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from data.customer_tables import DEFAULT_SOURCE_SYSTEM, RESOLVED_COLUMNS
from data.importer.checks import HOME_CURRENCY, lit, one_row, typed
from data.layout import ENTITIES, Entity
from data.steps import run_step


def id_map_sql(entity: Entity, previous: bool, contiguous: bool) -> str:
    """``map_<entity>``: business key, file line and id. A key the current store knows
    keeps its id (``prev_<entity>``); new keys follow the largest id, in file order.
    Lines 2, 3, … with no store before give ids 1, 2, … without numbering rows again."""
    keys = ", ".join(f"s.{k}" for k in entity.key)
    stg = f"stg_{entity.name} s"
    if not previous:
        new_id = "(s.line_ - 1)" if contiguous else "row_number() OVER (ORDER BY s.line_)"
        return (f"CREATE OR REPLACE TABLE map_{entity.name} AS SELECT {keys}, s.line_, "
                f"{new_id}::INTEGER AS id_ FROM {stg}")
    types = {f.name: f.type for f in entity.fields}
    on = " AND ".join(f"p.{k} IS NOT DISTINCT FROM {typed(types[k], 's.' + k)}"
                      for k in entity.key)
    prev = f"prev_{entity.name} p"
    return f"""CREATE OR REPLACE TABLE map_{entity.name} AS
        SELECT {keys}, s.line_, p.id_ FROM {stg} JOIN {prev} ON {on}
        UNION ALL
        SELECT {keys}, s.line_, ((SELECT coalesce(max(id_), 0) FROM prev_{entity.name})
               + row_number() OVER (ORDER BY s.line_))::INTEGER
        FROM {stg} WHERE NOT EXISTS (SELECT 1 FROM {prev} WHERE {on})"""


def _insert_sql(entity: Entity, store_columns: list[str]) -> str:
    """INSERT of the base table from its staged file, ids resolved by business key."""
    exprs: dict[str, str] = {}
    joins = []
    for i, ref in enumerate(entity.refs):
        alias = f"m{i}"
        on = " AND ".join(f"{alias}.{k} IS NOT DISTINCT FROM s.{c}"
                          for c, k in zip(ref.columns, ref.keys, strict=True))
        joins.append(f"LEFT JOIN loader.map_{ref.entity} {alias} ON {on}")
        exprs[ref.id_column] = f"{alias}.id_"
    fields = {f.name: f for f in entity.fields}
    for name, f in fields.items():
        exprs.setdefault(name, typed(f.type, f"s.{name}"))
    # Written by customer resolution once the base tables are filled (data.customer_store).
    for name in RESOLVED_COLUMNS.get(entity.name, ()):
        exprs[name] = "NULL"
    if entity.name == "customer":
        exprs["source_system"] = f"coalesce(s.source_system, '{DEFAULT_SOURCE_SYSTEM}')"
    # The rate in force on a date: the latest on or before it, looked up by equality in
    # the day-by-day table (an ASOF join sorted all 10 M policies with every column: 28 s
    # of a 36 s fill), or the last rate for a date after it.
    rate_of: dict[str, str] = {}
    for conv in entity.converted:
        if conv.date not in rate_of:
            day, n = typed("date", "s." + conv.date), len(rate_of)
            joins.append(f"LEFT JOIN loader.daily_rates_ x{n} ON x{n}.currency_code = "
                         f"s.currency_code AND x{n}.rate_date = {day}")
            joins.append(f"LEFT JOIN loader.last_rates_ y{n} ON y{n}.currency_code = "
                         f"s.currency_code AND {day} > y{n}.rate_date")
            rate_of[conv.date] = (f"CASE WHEN s.currency_code = '{HOME_CURRENCY}' THEN 1 "
                                  f"ELSE coalesce(x{n}.rate_to_cny, y{n}.rate_to_cny) END")
        amount = typed("money", f"s.{conv.amount}")
        exprs[conv.cny] = f"coalesce({typed('money', 's.' + conv.cny)}, round(CAST(" \
                          f"{amount} AS DECIMAL(38,2)) * {rate_of[conv.date]}, 2))"
    if entity.id_column:
        exprs[entity.id_column] = "self.id_"
        joins.append(f"JOIN loader.map_{entity.name} self ON self.line_ = s.line_")
    if entity.name == "policy":
        exprs["class_id"] = "(SELECT class_id FROM risk WHERE risk.risk_id = m0.id_)"
        exprs["use_years"] = _use_years_sql(entity)
    if entity.name == "exchange_rate":
        exprs["currency_id"] = "m0.id_"
    missing = [c for c in store_columns if c not in exprs]
    if missing:
        raise ValueError(f"{entity.name}: layout gives no value for {missing}")
    # Rows in id order, as the generator writes them: lookups of a page's names by id
    # (customers, staff) skip whole row groups by their min/max id.
    order = "self.id_" if entity.id_column else "s.line_"
    return (f"INSERT INTO {entity.name} ({', '.join(store_columns)}) "
            f"SELECT {', '.join(exprs[c] for c in store_columns)} "
            f"FROM loader.stg_{entity.name} s {' '.join(joins)} ORDER BY {order}")


def _use_years_sql(policy: Entity) -> str:
    """使用年限 as the file gives it, else derived as the generator does: calendar years
    from the vehicle's first registration to the policy's start, never below 0. A
    policy without a vehicle has none (the P&L cube says 未知 for an auto one)."""
    vin = next(i for i, r in enumerate(policy.refs) if r.entity == "vehicle")
    # greatest() skips a NULL: without a vehicle there is nothing to derive from.
    return (f"coalesce({typed('int', 's.use_years')}, CASE WHEN m{vin}.id_ IS NOT NULL "
            f"THEN greatest(0, date_diff('year', (SELECT first_register_date FROM vehicle "
            f"WHERE vehicle.vehicle_id = m{vin}.id_), {typed('date', 's.start_date')})) END)")


class DanglingReference(Exception):
    """A reference the build could not resolve: the files need the full reference checks
    (``check_references``) to name the rows."""


def fill_from_staging(scratch_db: Path, *, verify_references: bool = False
                      ) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """Fill the base tables from the checked staging database. With
    ``verify_references``, each reference set in a file must have resolved to an id
    (``ref_present_`` counts them), or the build stops with ``DanglingReference``: the
    references are resolved by the same joins that give the ids, not joined twice."""
    def fill(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"ATTACH {lit(str(scratch_db))} AS loader (READ_ONLY)")
        for entity in ENTITIES:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND database_name = current_database() ORDER BY column_index",
                [entity.name]).fetchall()]
            try:
                run_step(con, _insert_sql(entity, columns))
            except duckdb.ConstraintException as exc:  # a required reference left empty
                if verify_references:
                    raise DanglingReference(f"{entity.name}: {exc}") from exc
                raise
            # Every checked row lands once; anything else stops the build before the swap.
            stored, staged = one_row(
                con, f"SELECT (SELECT count(*) FROM {entity.name}), "
                f"(SELECT count(*) FROM loader.stg_{entity.name})")
            if stored != staged:
                raise RuntimeError(f"{entity.name}: {staged} rows checked, {stored} stored")
            if verify_references and entity.refs:
                resolved = one_row(
                    con, f"SELECT {', '.join(f'count({r.id_column})' for r in entity.refs)} "
                    f"FROM {entity.name}")
                present = dict(con.execute(
                    "SELECT id_column, present FROM loader.ref_present_ WHERE entity = ?",
                    [entity.name]).fetchall())
                if any(n != present[r.id_column]
                       for r, n in zip(entity.refs, resolved, strict=True)):
                    raise DanglingReference(entity.name)
        con.execute("DETACH loader")
    return fill
