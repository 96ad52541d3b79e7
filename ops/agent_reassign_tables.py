"""Reassignments of the 代理人 of orphan policies (孤儿保单 whose agent left), kept in the
operational store beside the 经办人 reassignments (ops/customer_lists_tables.py) and
re-applied by every build of the analytical store (data/written_data.py)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, Table, Text

from ops.tables import metadata

# One row per policy and reassignment; the latest of a policy is the one in force. A
# submission that moves both parties shares its batch_id with the 经办人 rows.
policy_agent_reassignment = Table(
    "policy_agent_reassignment", metadata,
    Column("reassignment_id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Text, nullable=False),
    Column("policy_no", Text, nullable=False),
    Column("from_agent_code", Text, nullable=False),  # the 代理人 who left
    Column("to_agent_code", Text, nullable=False),
    Column("by_username", Text, nullable=False),
    Column("at", Text, nullable=False),
    Index("policy_agent_reassignment_policy", "policy_no", "reassignment_id"),
    sqlite_autoincrement=True,
)
