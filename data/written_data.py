"""Decisions kept in the operational store, applied to every store that is built
(generated, imported, refreshed): the maintained 黑名单 and the reassignments of
orphan policies. Applied in the build rather than overlaid per request, so every
rollup and report (经办人, the 本人 scope, 科室 figures) reads them with no extra join.

A reassignment holds while the source still names the 经办人 who left: when a later
load brings the policy with another 经办人, the source system has moved it itself and
its word stands.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from data.settings import Settings
from ops import db as ops_db
from ops.customer_lists_tables import customer_blacklist, policy_reassignment

log = logging.getLogger("data.build")


def _read(settings: Settings) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    """(blacklist rows, reassignments in force); nothing when the operational store has
    no such tables yet, and none is made where there is no operational store."""
    db = settings.users_db
    if ops_db.is_sqlite(db) and not Path(str(db)).exists():
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
    经办人 (and that person's 科室); returns the policies moved."""
    listed, moved = _read(settings)
    con.execute("CREATE OR REPLACE TABLE customer_blacklist (customer_code VARCHAR, "
                "reason VARCHAR, added_by VARCHAR, added_at VARCHAR)")
    if listed:
        con.executemany("INSERT INTO customer_blacklist VALUES (?, ?, ?, ?)", listed)
    # The policies in the hands their reassignment gave them: 孤儿保单 leaves them out
    # even when their 代理人 has left.
    con.execute("CREATE OR REPLACE TEMP TABLE reassigned_policy (policy_id INTEGER)")
    if not moved:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE reassigned (policy_no VARCHAR, "
                "from_code VARCHAR, to_code VARCHAR)")
    con.executemany("INSERT INTO reassigned VALUES (?, ?, ?)", moved)
    changed = con.execute("""
        UPDATE policy SET handler_id = m.to_id, dept_id = m.to_dept
        FROM (SELECT r.policy_no, f.staff_id AS from_id, t.staff_id AS to_id,
                     t.dept_id AS to_dept
              FROM reassigned r JOIN staff f ON f.staff_code = r.from_code
              JOIN staff t ON t.staff_code = r.to_code) m
        WHERE policy.policy_no = m.policy_no AND policy.handler_id = m.from_id""").fetchone()
    con.execute("""INSERT INTO reassigned_policy SELECT p.policy_id FROM reassigned r
        JOIN policy p USING (policy_no) JOIN staff t ON t.staff_code = r.to_code
        WHERE p.handler_id = t.staff_id""")
    con.execute("DROP TABLE reassigned")
    count = int(changed[0]) if changed else 0
    log.info("reassigned policies applied: %d of %d", count, len(moved))
    return count
