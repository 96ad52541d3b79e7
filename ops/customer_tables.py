"""客户识别 decisions people make, on the operational store's MetaData: data stewards'
merges, splits and "not the same" marks, and the administrator's rule priorities.

Every load reads them (``ops.customers.load_inputs``) and applies them to the
resolution, so they outlive the store they were made on. A decision is never deleted:
undoing it stamps ``undone_at``/``undone_by``, and the audit has both events.
Timestamps are ISO text in UTC like the audit's.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, Table, Text

from ops.tables import metadata

DECISION_KINDS = ("merge", "not_same", "detach")

# One row per decision on records (customer_code + source_system, never store ids: the
# ids of a store change with every load, the business keys do not).
customer_decisions = Table(
    "customer_decisions", metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("decision", Text, nullable=False),  # merge / not_same / detach (= split)
    Column("customer_code_a", Text, nullable=False),
    Column("source_system_a", Text, nullable=False),
    Column("customer_code_b", Text),  # NULL for detach
    Column("source_system_b", Text),
    Column("pair_key", Text),  # the suspect pair it answered, if any
    Column("master_no", Text),  # 统一客户号 of the record(s) when it was made
    Column("reason", Text, nullable=False, server_default=""),
    Column("made_by", Text, nullable=False),
    Column("made_at", Text, nullable=False),
    Column("undone_by", Text),
    Column("undone_at", Text),
    CheckConstraint("decision IN ('merge', 'not_same', 'detach')", name="decision_kind"),
    Index("customer_decisions_pair", "pair_key"),
    Index("customer_decisions_a", "customer_code_a"),
    sqlite_autoincrement=True,
)

# The deterministic rules in priority order (position 1 first). No rows: the product's
# default rules (data.customers.DEFAULT_RULES).
customer_rules = Table(
    "customer_rules", metadata,
    Column("rule_code", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("fields", Text, nullable=False),  # JSON list of data.customers.rules.FIELDS keys
    Column("decisive", Integer, nullable=False, server_default="0"),
    Column("enabled", Integer, nullable=False, server_default="1"),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)
