"""工作日志: a prospect entered on a plan may carry its 证件号 (身份证 / 统一社会信用代码),
so customer resolution can join it to the customer it already is.

Revision ID: 0006_worklog_prospects
Revises: 0005_worklog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_worklog_prospects"
down_revision = "0005_worklog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("worklog_plan_customers", sa.Column("prospect_id_no", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worklog_plan_customers") as batch:
        batch.drop_column("prospect_id_no")
