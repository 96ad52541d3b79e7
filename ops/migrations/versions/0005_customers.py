"""客户识别: data stewards' decisions (merge / not the same / split) and the rule
priorities (ops/customer_tables.py, docs/CUSTOMERS.md).

Written out here as they were when the feature came in: a migration does not follow
later changes of the tables module.

Revision ID: 0005_customers
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_customers"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_decisions",
        sa.Column("decision_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("customer_code_a", sa.Text(), nullable=False),
        sa.Column("source_system_a", sa.Text(), nullable=False),
        sa.Column("customer_code_b", sa.Text()),
        sa.Column("source_system_b", sa.Text()),
        sa.Column("pair_key", sa.Text()),
        sa.Column("master_no", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.Column("undone_by", sa.Text()),
        sa.Column("undone_at", sa.Text()),
        sa.CheckConstraint("decision IN ('merge', 'not_same', 'detach')",
                           name="decision_kind"),
        sqlite_autoincrement=True,
    )
    op.create_index("customer_decisions_pair", "customer_decisions", ["pair_key"])
    op.create_index("customer_decisions_a", "customer_decisions", ["customer_code_a"])
    op.create_table(
        "customer_rules",
        sa.Column("rule_code", sa.Text(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("decisive", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("enabled", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customer_rules")
    op.drop_index("customer_decisions_a", table_name="customer_decisions")
    op.drop_index("customer_decisions_pair", table_name="customer_decisions")
    op.drop_table("customer_decisions")
