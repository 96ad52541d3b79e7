"""Sessions that end on the server and a lockout per client address: a session key per
user, user ids never reused (SQLite: AUTOINCREMENT), the address of each failed sign-in.

Each step looks first, so a store that the app brought up to date before migrations
(the users store used before the app's first start) passes unchanged.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _indexes(table: str) -> set[str]:
    return {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    bind = op.get_bind()
    if "session_key" not in _columns("users"):
        op.add_column("users", sa.Column("session_key", sa.Text, nullable=False,
                                         server_default=""))
    # Every user gets a key of their own (cookies from before carry none: they all end).
    for (user_id,) in bind.execute(sa.text("SELECT user_id FROM users WHERE session_key = ''")
                                   ).fetchall():
        bind.execute(sa.text("UPDATE users SET session_key = :k WHERE user_id = :i"),
                     {"k": secrets.token_hex(16), "i": user_id})
    if bind.dialect.name == "sqlite":
        ddl = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                   "AND name = 'users'")).scalar_one()
        if "AUTOINCREMENT" not in ddl.upper():
            # A CHECK without a name (stores made before migrations) is not reflected:
            # it is given again, so the new table keeps it.
            named = {c.get("name") for c in sa.inspect(bind).get_check_constraints("users")}
            scope = () if "scope" in named else (sa.CheckConstraint(
                "scope IN ('company', 'branch', 'department', 'self')", name="scope"),)
            with op.batch_alter_table("users", recreate="always", table_args=scope,
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
    if "ip" not in _columns("login_failures"):
        op.add_column("login_failures", sa.Column("ip", sa.Text))
    found = _indexes("login_failures")
    if "login_failures_user" not in found:
        op.create_index("login_failures_user", "login_failures", ["username", "at"])
    if "login_failures_ip" not in found:
        op.create_index("login_failures_ip", "login_failures", ["ip", "at"])


def downgrade() -> None:
    op.drop_index("login_failures_ip", "login_failures")
    op.drop_index("login_failures_user", "login_failures")
    op.drop_column("login_failures", "ip")
    op.drop_column("users", "session_key")
