"""The operational store's tables: the one description of its schema.

Migrations (``ops/migrations``) bring a database to it; nothing else creates tables.
Column types and names are those the SQLite file had before migrations, so an existing
``users.sqlite`` is adopted as it is.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

SCOPES = ("company", "branch", "department", "self")

users = Table(
    "users", metadata,
    Column("user_id", Integer, primary_key=True),
    Column("username", Text, nullable=False, unique=True),  # 员工代码
    Column("display_name", Text, nullable=False),
    Column("role", Text, nullable=False, server_default=""),  # the template it came from
    Column("branch_id", Integer),
    Column("dept_id", Integer),
    Column("staff_id", Integer),
    Column("scope", Text, nullable=False),
    Column("pages", Text, nullable=False, server_default="[]"),  # JSON list of page slugs
    Column("personal_data", Integer, nullable=False, server_default="0"),
    Column("is_admin", Integer, nullable=False, server_default="0"),
    Column("enabled", Integer, nullable=False, server_default="1"),
    Column("password_hash", Text, nullable=False),
    Column("must_change_password", Integer, nullable=False, server_default="0"),
    Column("is_template", Integer, nullable=False, server_default="0"),
    Column("created_at", Text, nullable=False),
    # In every session cookie of the user; a new value ends all of them (auth/web.py).
    Column("session_key", Text, nullable=False, server_default=""),
    CheckConstraint("scope IN ('company', 'branch', 'department', 'self')", name="scope"),
    sqlite_autoincrement=True,  # a deleted user's id is never given to another user
)

login_failures = Table(
    "login_failures", metadata,
    Column("username", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("ip", Text),  # the client address, for the per-address lock
    Index("login_failures_user", "username", "at"),
    Index("login_failures_ip", "ip", "at"),
)

audit = Table(
    "audit", metadata,
    Column("audit_id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("username", Text),
    Column("event", Text, nullable=False),
    Column("page", Text),
    Column("detail", Text),  # JSON
    Column("rows", Integer),
    Column("ip", Text),
    Index("audit_at", "at"),
)

load_history = Table(
    "load_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finished_at", Text, nullable=False),
    Column("username", Text),
    Column("source", Text, nullable=False),
    Column("files", Text, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("ok", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("message", Text, nullable=False),
    sqlite_autoincrement=True,
)

# Background jobs of every kind (imports, large exports): the state any worker reads.
jobs = Table(
    "jobs", metadata,
    Column("job_id", String(32), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("user_id", Integer),
    Column("username", Text),
    Column("state", String(20), nullable=False),  # queued running done failed cancelled
    Column("progress", Float, nullable=False, server_default="0"),  # 0 … 1
    Column("step", Text, nullable=False, server_default=""),
    Column("message", Text, nullable=False, server_default=""),
    Column("params", Text, nullable=False, server_default="{}"),  # JSON, what to do
    Column("spec", LargeBinary),  # the settings the job runs with (no secret key)
    Column("result", Text, nullable=False, server_default="{}"),  # JSON, what came of it
    Column("cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("host", Text),
    Column("pid", Integer),
    Column("created_at", Float, nullable=False),  # epoch seconds
    Column("started_at", Float),
    Column("heartbeat_at", Float),
    Column("finished_at", Float),
    Index("jobs_state", "state", "kind"),
    Index("jobs_user", "user_id", "created_at"),
)

# A user's named filter sets of a report page (the page's query string).
saved_views = Table(
    "saved_views", metadata,
    Column("view_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("slug", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    UniqueConstraint("user_id", "slug", "name", name="uq_saved_views_user_slug_name"),
    sqlite_autoincrement=True,
)

# One row per decision that must be taken by one process at a time (``db.write(lock=)``).
locks = Table(
    "ops_locks", metadata,
    Column("name", String(40), primary_key=True),
    Column("taken", Integer, nullable=False, server_default="0"),
)
LOCK_NAMES = ("jobs", "users")


def _import_feature_tables() -> None:
    """Features keep their tables in modules of their own (``ops/*_tables.py``) on this
    MetaData; importing them here makes ``metadata`` the whole schema wherever it is read
    (migrations, the schema test)."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*_tables.py")):
        importlib.import_module(f"ops.{path.stem}")


_import_feature_tables()
