"""A T+1 day: only the customers the day's records can touch are resolved again.

The day's new and changed records (and the records people's decisions name) are
"touched". Every record sharing a rule key or a blocking key with a touched record is a
neighbour, and every customer holding a touched record or a neighbour is taken whole:
that part of the book is resolved (rules, model pairs that touch a changed customer,
clusters, numbers) as a book of its own, against the numbers of the last run. The rest
keeps its links and scored pairs as they were. Two customers a decisive field kept apart
stay apart unless one of them is touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import duckdb
import pyarrow as pa

from data.customers.decisions import NO_DECISIONS, Decisions, RecordRef
from data.customers.model import BLOCK_KEYS, MAX_BLOCK_MOBILE
from data.customers.resolve import (
    LINKS_SCHEMA,
    Resolution,
    ResolutionState,
    _finish,
    _run,
    _store_norm,
)
from data.customers.rules import MatchConfig
from data.customers.suspects import suspects_table


def neighbour_keys(config: MatchConfig) -> list[tuple[tuple[str, ...], str]]:
    """(columns, condition) of every key two records must share to be linked or scored."""
    rules = [(("is_company", *r.columns), "true") for r in config.active_rules]
    # The mobile block (mobile_blk) is a column of the model's input only: see below.
    blocks = [key for key in BLOCK_KEYS if key[0] != ("mobile_blk",)]
    return rules + (blocks if config.probabilistic else [])


def neighbours_sql(table: str, seeds: str, config: MatchConfig) -> str:
    """SELECT rk of the records of ``table`` sharing a key with a record of ``seeds``
    (a SELECT of rows of ``table``); a mobile only while it is a blocking key."""
    parts = []
    for cols, cond in neighbour_keys(config):
        given = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        using = ", ".join(cols)
        parts.append(f"SELECT n.rk FROM {table} n SEMI JOIN (SELECT DISTINCT {using} FROM "
                     f"({seeds}) WHERE {given} AND {cond}) s USING ({using}) WHERE {cond}")
    if config.probabilistic:
        parts.append(f"""SELECT n.rk FROM {table} n WHERE n.mobile IN (
            SELECT mobile FROM {table} WHERE mobile IN (SELECT mobile FROM ({seeds}))
            GROUP BY mobile HAVING count(*) <= {MAX_BLOCK_MOBILE})""")
    return " UNION ".join(parts)


def _register_refs(con: duckdb.DuckDBPyConnection, refs: Iterable[RecordRef]) -> None:
    refs = sorted(set(refs))
    con.register("_day_refs", pa.table({
        "customer_code": pa.array([r.customer_code for r in refs], pa.string()),
        "source_system": pa.array([r.source_system for r in refs], pa.string())}))


def resolve_increment(con: duckdb.DuckDBPyConnection, state: ResolutionState,
                      changed_records: pa.Table | str, *, decisions: Decisions = NO_DECISIONS,
                      decided_before: Iterable[RecordRef] = ()) -> Resolution:
    """Apply one day's new and changed records (replacing by source_system +
    customer_code) to the state of the last run in ``con``; numbers carry over from that
    run's links. ``decided_before``: records the last run's decisions named (a decision
    undone since must be undone in the links too)."""
    p, q = state.prefix, f"{state.prefix}_day"
    stats: dict[str, Any] = {}
    t = time.perf_counter()
    _store_norm(con, f"{p}_changed", changed_records)
    con.execute(f"DELETE FROM {p}_norm WHERE rk IN (SELECT rk FROM {p}_changed)")
    con.execute(f"INSERT INTO {p}_norm SELECT * FROM {p}_changed")
    con.execute(f"CREATE OR REPLACE TABLE {p}_prev AS SELECT rk, master_no FROM {p}_links")
    _register_refs(con, decisions.refs() | set(decided_before))
    con.execute(f"""CREATE OR REPLACE TABLE {p}_touch AS
        SELECT rk FROM {p}_changed UNION
        SELECT n.rk FROM {p}_norm n JOIN _day_refs r ON n.customer_code = r.customer_code
         AND (r.source_system = '' OR n.source_system = r.source_system)""")
    con.unregister("_day_refs")
    seeds = f"SELECT * FROM {p}_norm WHERE rk IN (SELECT rk FROM {p}_touch)"
    con.execute(f"""CREATE OR REPLACE TABLE {p}_reach AS
        SELECT rk FROM {p}_touch UNION {neighbours_sql(f'{p}_norm', seeds, state.config)}""")
    # Customers are taken whole: their records are clustered again together.
    con.execute(f"""CREATE OR REPLACE TABLE {p}_scope AS
        SELECT rk FROM {p}_reach UNION
        SELECT rk FROM {p}_prev WHERE master_no IN (
            SELECT master_no FROM {p}_prev SEMI JOIN {p}_reach USING (rk))""")
    con.execute(f"""CREATE OR REPLACE TABLE {q}_norm AS
        SELECT * FROM {p}_norm SEMI JOIN {p}_scope USING (rk)""")
    # Pairs touching a changed customer are scored again: pairs inside a customer were
    # never scored (the rules had joined them), and may now be needed.
    con.execute(f"""CREATE OR REPLACE TABLE {q}_todo AS
        SELECT rk FROM {p}_touch UNION
        SELECT rk FROM {p}_prev WHERE master_no IN (
            SELECT master_no FROM {p}_prev SEMI JOIN {p}_touch USING (rk))""")
    if state.config.probabilistic:
        con.execute(f"""CREATE OR REPLACE TABLE {q}_pairs AS SELECT * FROM {p}_pairs
            WHERE rk_l IN (SELECT rk FROM {p}_scope) AND rk_r IN (SELECT rk FROM {p}_scope)""")
    scope = con.execute(f"SELECT count(*) FROM {q}_norm").fetchall()[0][0]
    stats.update(normalise_s=round(time.perf_counter() - t, 2), resolved_again=scope)
    cc, decisive, linked_by, _ = _run(con, q, state.config, decisions, state.model,
                                      changed=f"{q}_todo", stats=stats)
    _finish(con, q, cc, decisive, linked_by, config=state.config, previous=f"{p}_prev",
            stats=stats)
    t = time.perf_counter()
    con.execute(f"""CREATE OR REPLACE TABLE {p}_links AS
        SELECT * FROM {p}_links WHERE rk NOT IN (SELECT rk FROM {p}_scope)
        UNION ALL SELECT * FROM {q}_links""")
    con.execute(f"CREATE OR REPLACE TABLE {p}_apart AS SELECT * FROM {q}_apart")
    if state.config.probabilistic:
        # Outside the part resolved again, a pair keeps its score unless a record of it
        # changed (its blocking keys may have gone).
        con.execute(f"""DELETE FROM {p}_pairs WHERE
            (rk_l IN (SELECT rk FROM {p}_scope) AND rk_r IN (SELECT rk FROM {p}_scope))
            OR rk_l IN (SELECT rk FROM {p}_changed) OR rk_r IN (SELECT rk FROM {p}_changed)""")
        con.execute(f"INSERT INTO {p}_pairs SELECT * FROM {q}_pairs")
    records = con.execute(f"SELECT count(*) FROM {p}_norm").fetchall()[0][0]
    links = con.sql(f"SELECT customer_code, source_system, master_no, linked_by "
                    f"FROM {p}_links ORDER BY master_no, source_system, customer_code"
                    ).to_arrow_table().cast(LINKS_SCHEMA)
    suspects = (suspects_table(con, p, state.config) if state.config.probabilistic
                else pa.table({}))
    masters = con.execute(f"SELECT count(DISTINCT master_no) FROM {p}_links").fetchall()[0][0]
    stats.update(merge_s=round(time.perf_counter() - t, 2), records=records, masters=masters,
                 suspects=suspects.num_rows)
    return Resolution(links, suspects, stats)
