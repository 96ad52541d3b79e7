"""Decisions people make about customers and policies, kept in the operational store and
re-applied by every build of the analytical store (data/written_data.py): the
maintained 黑名单 and the reassignment of orphan policies (孤儿保单) to a colleague."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, Table, Text

from ops.tables import metadata

# One row per entry; removing an entry stamps it (the list keeps who removed it and when).
customer_blacklist = Table(
    "customer_blacklist", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_code", Text, nullable=False),  # 客户代码 of the store
    Column("reason", Text, nullable=False),
    Column("added_by", Text, nullable=False),  # 员工代码 of the user
    Column("added_at", Text, nullable=False),
    Column("removed_by", Text),
    Column("removed_at", Text),
    Index("customer_blacklist_code", "customer_code"),
    sqlite_autoincrement=True,
)

# One row per policy and reassignment; the latest of a policy is the one in force.
policy_reassignment = Table(
    "policy_reassignment", metadata,
    Column("reassignment_id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Text, nullable=False),  # one bulk reassignment
    Column("policy_no", Text, nullable=False),
    Column("from_staff_code", Text, nullable=False),  # the 经办人 who left
    Column("to_staff_code", Text, nullable=False),
    Column("by_username", Text, nullable=False),
    Column("at", Text, nullable=False),
    Index("policy_reassignment_policy", "policy_no", "reassignment_id"),
    sqlite_autoincrement=True,
)
