"""The maintained 黑名单 and reassignments of orphan policies; the customer pages'
area granted to users holding every other report area (总经理, 支公司经理, 科长 …).

Revision ID: 0005_blacklist_reassign
Revises: 0004
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_blacklist_reassign"
down_revision = "0004"
branch_labels = None
depends_on = None

OTHER_AREAS = ("area:underwriting", "area:claims", "area:pnl", "area:receivable",
               "area:commission")


def upgrade() -> None:
    op.create_table(
        "customer_blacklist",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_code", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("added_by", sa.Text, nullable=False),
        sa.Column("added_at", sa.Text, nullable=False),
        sa.Column("removed_by", sa.Text),
        sa.Column("removed_at", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("customer_blacklist_code", "customer_blacklist", ["customer_code"])
    op.create_table(
        "policy_reassignment",
        sa.Column("reassignment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Text, nullable=False),
        sa.Column("policy_no", sa.Text, nullable=False),
        sa.Column("from_staff_code", sa.Text, nullable=False),
        sa.Column("to_staff_code", sa.Text, nullable=False),
        sa.Column("by_username", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("policy_reassignment_policy", "policy_reassignment",
                    ["policy_no", "reassignment_id"])
    users = sa.table("users", sa.column("user_id", sa.Integer), sa.column("pages", sa.Text),
                     sa.column("is_template", sa.Integer))
    con = op.get_bind()
    for user_id, pages in con.execute(sa.select(users.c.user_id, users.c.pages)
                                      .where(users.c.is_template == 0)).all():
        held = set(json.loads(pages or "[]"))
        if set(OTHER_AREAS) <= held and "area:customers" not in held:
            con.execute(users.update().where(users.c.user_id == user_id)
                        .values(pages=json.dumps(sorted(held | {"area:customers"}))))


def downgrade() -> None:
    op.drop_table("policy_reassignment")
    op.drop_table("customer_blacklist")
