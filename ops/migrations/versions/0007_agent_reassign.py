"""孤儿保单: the reassignments of a policy's 代理人 who left, beside those of its 经办人.

Revision ID: 0007_agent_reassign
Revises: 0005_blacklist_reassign
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_agent_reassign"
down_revision = "0005_blacklist_reassign"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_agent_reassignment",
        sa.Column("reassignment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Text, nullable=False),
        sa.Column("policy_no", sa.Text, nullable=False),
        sa.Column("from_agent_code", sa.Text, nullable=False),
        sa.Column("to_agent_code", sa.Text, nullable=False),
        sa.Column("by_username", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("policy_agent_reassignment_policy", "policy_agent_reassignment",
                    ["policy_no", "reassignment_id"])


def downgrade() -> None:
    op.drop_table("policy_agent_reassignment")
