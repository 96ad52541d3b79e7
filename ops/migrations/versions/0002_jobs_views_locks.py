"""Background jobs (state every worker sees), saved views, and the lock rows.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("username", sa.Text),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("step", sa.Text, nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("spec", sa.LargeBinary),
        sa.Column("result", sa.Text, nullable=False, server_default="{}"),
        sa.Column("cancel_requested", sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column("host", sa.Text),
        sa.Column("pid", sa.Integer),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("heartbeat_at", sa.Float),
        sa.Column("finished_at", sa.Float),
    )
    op.create_index("jobs_state", "jobs", ["state", "kind"])
    op.create_index("jobs_user", "jobs", ["user_id", "created_at"])
    op.create_table(
        "saved_views",
        sa.Column("view_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("slug", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.UniqueConstraint("user_id", "slug", "name", name="uq_saved_views_user_slug_name"),
        sqlite_autoincrement=True,
    )
    locks = op.create_table(
        "ops_locks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("taken", sa.Integer, nullable=False, server_default="0"),
    )
    op.bulk_insert(locks, [{"name": "jobs", "taken": 0}, {"name": "users", "taken": 0}])


def downgrade() -> None:
    op.drop_table("ops_locks")
    op.drop_table("saved_views")
    op.drop_table("jobs")
