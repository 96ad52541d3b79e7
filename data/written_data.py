"""Decisions kept in the operational store, applied to every store that is built
(generated, imported, refreshed): the maintained 黑名单 and the reassignments of
orphan policies (their 经办人 or their 代理人). Applied in the build rather than overlaid
per request, so every rollup and report (经办人, 代理人, the 本人 scope, 科室 figures)
reads them with no extra join.

A reassignment holds while the source still names the person who left: when a later
load brings the policy with another 经办人 (代理人), the source system has moved it
itself and its word stands. Commissions keep the agent of their own row (the one who
earned them): a new 代理人 takes the policy over from then on, not its past fees.
"""

from __future__ import annotations

import logging

import duckdb
from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from data.settings import Settings
from ops import db as ops_db
from ops.agent_reassign_tables import policy_agent_reassignment
from ops.customer_lists_tables import customer_blacklist, policy_reassignment

log = logging.getLogger("data.build")


Rows = list[tuple]  # type: ignore[type-arg]


def _latest_agent_moves(con: Connection) -> Rows:
    """The agent reassignments in force; none before the store has their table."""
    if not inspect(con).has_table(policy_agent_reassignment.name):
        return []
    c = policy_agent_reassignment.c
    latest = select(func.max(c.reassignment_id)).group_by(c.policy_no)
    return [tuple(r) for r in con.execute(
        select(c.policy_no, c.from_agent_code, c.to_agent_code)
        .where(c.reassignment_id.in_(latest))).all()]


def read_agent_moves(settings: Settings) -> Rows:
    """(policy_no, agent who left, new agent) of the agent reassignments in force."""
    db = settings.users_db
    if ops_db.not_made_yet(db):
        return []
    try:
        with ops_db.read(db) as con:
            return _latest_agent_moves(con)
    except SQLAlchemyError as exc:
        log.warning("operational store not read (%s): no agent reassignments",
                    type(exc).__name__)
        return []


def _read(settings: Settings) -> tuple[Rows, Rows]:
    """(blacklist rows, reassignments in force); nothing when the operational store has
    no such tables yet, and none is made where there is no operational store."""
    db = settings.users_db
    if ops_db.not_made_yet(db):
        return [], []
    try:
        with ops_db.read(db) as con:
            listed = con.execute(
                select(customer_blacklist.c.customer_code, customer_blacklist.c.reason,
                       customer_blacklist.c.added_by, customer_blacklist.c.added_at)
                .where(customer_blacklist.c.removed_at.is_(None))).all()
            latest = (select(func.max(policy_reassignment.c.reassignment_id))
                      .group_by(policy_reassignment.c.policy_no))
            moved = con.execute(
                select(policy_reassignment.c.policy_no, policy_reassignment.c.from_staff_code,
                       policy_reassignment.c.to_staff_code)
                .where(policy_reassignment.c.reassignment_id.in_(latest))).all()
    except SQLAlchemyError as exc:
        log.warning("operational store not read (%s): no blacklist, no reassignments",
                    type(exc).__name__)
        return [], []
    return [tuple(r) for r in listed], [tuple(r) for r in moved]


def apply_written_data(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Write the blacklist into the store and move reassigned policies to their new
    经办人 (and that person's 科室) and 代理人; returns the policies moved."""
    listed, moved = _read(settings)
    con.execute("CREATE OR REPLACE TABLE customer_blacklist (customer_code VARCHAR, "
                "reason VARCHAR, added_by VARCHAR, added_at VARCHAR)")
    if listed:
        con.executemany("INSERT INTO customer_blacklist VALUES (?, ?, ?, ?)", listed)
    return _apply_handler_moves(con, moved) + _apply_agent_moves(con, read_agent_moves(settings))


def _apply_agent_moves(con: duckdb.DuckDBPyConnection, moved: Rows) -> int:
    count = _apply_moves(con, moved, "agent")
    log.info("agent reassignments applied: %d of %d", count, len(moved))
    return count


def _apply_handler_moves(con: duckdb.DuckDBPyConnection, moved: Rows) -> int:
    count = _apply_moves(con, moved, "staff")
    log.info("reassigned policies applied: %d of %d", count, len(moved))
    return count


# Per party: its table, code and id columns, and what a policy moved to the new one
# takes (a 经办人's policies follow the new one into that person's 科室).
_PARTIES = {
    "agent": ("agent", "agent_code", "agent_id", "agent_id = m.to_id", "agent_id", ""),
    "staff": ("staff", "staff_code", "staff_id", "handler_id = m.to_id, dept_id = m.to_dept",
              "handler_id", ", t.dept_id AS to_dept"),
}


def _apply_moves(con: duckdb.DuckDBPyConnection, moved: Rows, party: str) -> int:
    """Move each policy of (policy_no, code who left, new code) still held by the one who
    left to the new one; returns the policies moved."""
    if not moved:
        return 0
    table, code, key, assign, column, also = _PARTIES[party]
    con.execute("CREATE OR REPLACE TEMP TABLE reassigned (policy_no VARCHAR, "
                "from_code VARCHAR, to_code VARCHAR)")
    con.executemany("INSERT INTO reassigned VALUES (?, ?, ?)", moved)
    changed = con.execute(f"""
        UPDATE policy SET {assign}
        FROM (SELECT r.policy_no, f.{key} AS from_id, t.{key} AS to_id{also}
              FROM reassigned r JOIN {table} f ON f.{code} = r.from_code
              JOIN {table} t ON t.{code} = r.to_code) m
        WHERE policy.policy_no = m.policy_no AND policy.{column} = m.from_id""").fetchone()
    con.execute("DROP TABLE reassigned")
    return int(changed[0]) if changed else 0
