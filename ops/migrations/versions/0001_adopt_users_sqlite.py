"""The schema as it was before migrations: users, sign-in failures, audit, load history.

A database made before migrations (tables created on first use) is adopted as it is:
the tables it has are kept with every row, the ones it lacks (``load_history`` was made
on the first load) are created.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> dict[str, list[sa.Column[object]]]:
    return {
        "users": [
            sa.Column("user_id", sa.Integer, primary_key=True),
            sa.Column("username", sa.Text, nullable=False, unique=True),
            sa.Column("display_name", sa.Text, nullable=False),
            sa.Column("role", sa.Text, nullable=False, server_default=""),
            sa.Column("branch_id", sa.Integer),
            sa.Column("dept_id", sa.Integer),
            sa.Column("staff_id", sa.Integer),
            sa.Column("scope", sa.Text, nullable=False),
            sa.Column("pages", sa.Text, nullable=False, server_default="[]"),
            sa.Column("personal_data", sa.Integer, nullable=False, server_default="0"),
            sa.Column("is_admin", sa.Integer, nullable=False, server_default="0"),
            sa.Column("enabled", sa.Integer, nullable=False, server_default="1"),
            sa.Column("password_hash", sa.Text, nullable=False),
            sa.Column("must_change_password", sa.Integer, nullable=False, server_default="0"),
            sa.Column("is_template", sa.Integer, nullable=False, server_default="0"),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.CheckConstraint("scope IN ('company', 'branch', 'department', 'self')",
                               name="scope"),
        ],
        "login_failures": [
            sa.Column("username", sa.Text, nullable=False),
            sa.Column("at", sa.Text, nullable=False),
        ],
        "audit": [
            sa.Column("audit_id", sa.Integer, primary_key=True),
            sa.Column("at", sa.Text, nullable=False),
            sa.Column("username", sa.Text),
            sa.Column("event", sa.Text, nullable=False),
            sa.Column("page", sa.Text),
            sa.Column("detail", sa.Text),
            sa.Column("rows", sa.Integer),
            sa.Column("ip", sa.Text),
        ],
        "load_history": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("finished_at", sa.Text, nullable=False),
            sa.Column("username", sa.Text),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("files", sa.Text, nullable=False),
            sa.Column("rows_read", sa.Integer, nullable=False),
            sa.Column("rows_loaded", sa.Integer, nullable=False),
            sa.Column("rows_rejected", sa.Integer, nullable=False),
            sa.Column("ok", sa.Integer, nullable=False),
            sa.Column("seconds", sa.Float, nullable=False),
            sa.Column("message", sa.Text, nullable=False),
        ],
    }


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for name, columns in _tables().items():
        if not inspector.has_table(name):
            extra = {"sqlite_autoincrement": True} if name == "load_history" else {}
            op.create_table(name, *columns, **extra)
    if "audit_at" not in {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("audit")}:
        op.create_index("audit_at", "audit", ["at"])


def downgrade() -> None:
    for name in ("load_history", "audit", "login_failures", "users"):
        op.drop_table(name)
