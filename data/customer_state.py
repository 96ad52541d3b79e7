"""What a store keeps of its customer resolution, so that the next T+1 day resolves only
the customers its records touch (``data.customers.increment``).

In the store's schema ``customer_state`` (not ``main``: not a table of the reports, not
published to ClickHouse): the normalised records, the model's scored pairs, the links,
a hash of every record as the resolution read it, and the rules and the decisions the
run applied. A day whose rules differ from the last run's, or that lost records, is
resolved whole.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from data.customers import Decisions, MatchConfig, RecordRef, Resolution, ResolutionState
from data.customers.increment import resolve_increment

log = logging.getLogger(__name__)
SCHEMA = "customer_state"
PREFIX = "cust"
# resolution connection table → store table
TABLES = {"norm": "resolution_norm", "pairs": "resolution_pairs", "links": "resolution_links",
          "input": "resolution_input"}


@dataclass(frozen=True)
class SavedState:
    store: Path
    tables: frozenset[str]  # keys of TABLES the store holds
    config: dict
    decided: list[RecordRef]


def input_hashes(rcon: duckdb.DuckDBPyConnection, records: pa.Table) -> None:
    """``cust_input`` (rk, input_hash): one hash per record over every column read."""
    rcon.register("_hash_in", records)
    cols = ", ".join(f'"{c}"' for c in records.column_names)
    rcon.execute(f"""CREATE OR REPLACE TABLE {PREFIX}_input AS
        SELECT coalesce(source_system, '') || '|' || customer_code AS rk,
               hash({cols}) AS input_hash FROM _hash_in""")
    rcon.unregister("_hash_in")


def _refs_json(decisions: Decisions) -> str:
    return json.dumps(sorted([r.customer_code, r.source_system] for r in decisions.refs()),
                      ensure_ascii=False)


def save_state(con: duckdb.DuckDBPyConnection, rcon: duckdb.DuckDBPyConnection,
               config: MatchConfig, decisions: Decisions) -> None:
    """Copy the resolution's tables from ``rcon`` into the store being built in ``con``."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    have = {r[0] for r in rcon.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for short, table in TABLES.items():
        if f"{PREFIX}_{short}" not in have:
            continue
        con.register("_state_in", rcon.sql(f"SELECT * FROM {PREFIX}_{short}").to_arrow_table())
        con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.{table} AS SELECT * FROM _state_in")
        con.unregister("_state_in")
    con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.resolution_info "
                f"(config_json VARCHAR, decided_json VARCHAR)")
    con.execute(f"INSERT INTO {SCHEMA}.resolution_info VALUES (?, ?)",
                [json.dumps(config.to_dict(), ensure_ascii=False), _refs_json(decisions)])


def read_state(store: Path) -> SavedState | None:
    """The last run's state kept in ``store``; None when it has none (an older store)."""
    if not store.exists():
        return None
    try:
        con = duckdb.connect(str(store), read_only=True)
    except duckdb.Error:
        return None
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                          "WHERE schema_name = ?", [SCHEMA]).fetchall()}
        if not {"resolution_info", *(TABLES[k] for k in ("norm", "links", "input"))} <= have:
            return None
        tables = frozenset(short for short, table in TABLES.items() if table in have)
        info = con.execute(
            f"SELECT config_json, decided_json FROM {SCHEMA}.resolution_info").fetchone()
        if info is None:  # saved without its settings: not a state to go on from
            return None
        config_json, decided_json = info
    finally:
        con.close()
    return SavedState(store, tables, json.loads(config_json),
                      [RecordRef(c, s) for c, s in json.loads(decided_json)])


def _copy_saved(rcon: duckdb.DuckDBPyConnection, saved: SavedState) -> None:
    """The saved tables into ``rcon`` as ``cust_<name>_saved``, read from the store file
    by DuckDB itself (a large book's state never passes through Python)."""
    path = str(saved.store).replace("'", "''")
    rcon.execute(f"ATTACH '{path}' AS saved_store (READ_ONLY)")
    try:
        for short in saved.tables:
            rcon.execute(f"CREATE OR REPLACE TABLE {PREFIX}_{short}_saved AS "
                         f"SELECT * FROM saved_store.{SCHEMA}.{TABLES[short]}")
    finally:
        rcon.execute("DETACH saved_store")


def resolve_day(rcon: duckdb.DuckDBPyConnection, records: pa.Table, saved: SavedState,
                model: dict | None, config: MatchConfig, *, decisions: Decisions
                ) -> tuple[Resolution, ResolutionState] | None:
    """Resolve only what changed since the saved run; None when the saved state cannot
    serve (other rules, no model, records gone): then the caller resolves the book."""
    if saved.config != json.loads(json.dumps(config.to_dict())):
        log.info("customer rules changed since the last load: the whole book is resolved")
        return None
    if config.probabilistic and (model is None or "pairs" not in saved.tables):
        return None
    _copy_saved(rcon, saved)
    input_hashes(rcon, records)
    gone = rcon.execute(f"""SELECT count(*) FROM {PREFIX}_input_saved
        WHERE rk NOT IN (SELECT rk FROM {PREFIX}_input)""").fetchall()[0][0]
    if gone:
        log.info("%d customer records are gone since the last load: the whole book is "
                 "resolved", gone)
        return None
    for short in ("norm", "pairs", "links"):
        if short in saved.tables:
            rcon.execute(f"ALTER TABLE {PREFIX}_{short}_saved RENAME TO {PREFIX}_{short}")
    rcon.register("_records", records)
    changed = rcon.sql(f"""SELECT r.* FROM _records r
        ANTI JOIN {PREFIX}_input_saved s
          ON s.rk = coalesce(r.source_system, '') || '|' || r.customer_code
         AND s.input_hash = hash({', '.join(f'r."{c}"' for c in records.column_names)})
        """).to_arrow_table()
    rcon.unregister("_records")
    state = ResolutionState(PREFIX, model, config)
    resolution = resolve_increment(rcon, state, changed, decisions=decisions,
                                   decided_before=saved.decided)
    resolution.stats["changed_records"] = changed.num_rows
    return resolution, state
