"""The users store's schema and its migration: an existing users.sqlite is brought up to
date in place, so its users and audit rows survive an upgrade.

``PRAGMA user_version`` says which steps a file has had; each step is idempotent and
runs in one write transaction, so two workers starting together migrate once.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 2

# AUTOINCREMENT: a deleted user's id is never given to a new user (a cookie or an export
# job that names the old id must never belong to somebody else).
USERS_TABLE = """
CREATE TABLE IF NOT EXISTS users (
    user_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,       -- 员工代码
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT '',   -- the template it was copied from
    branch_id      INTEGER,
    dept_id        INTEGER,
    staff_id       INTEGER,
    scope          TEXT NOT NULL CHECK (scope IN ('company', 'branch', 'department', 'self')),
    pages          TEXT NOT NULL DEFAULT '[]', -- JSON list of page slugs
    personal_data  INTEGER NOT NULL DEFAULT 0,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    enabled        INTEGER NOT NULL DEFAULT 1,
    password_hash  TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    is_template    INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    -- Part of every session cookie; a new random value ends all sessions of the user.
    session_key    TEXT NOT NULL DEFAULT (lower(hex(randomblob(16))))
);
"""

OTHER_TABLES = """
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL,
    at       TEXT NOT NULL,
    ip       TEXT
);
CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures (username, at);
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    username TEXT,
    event    TEXT NOT NULL,
    page     TEXT,
    detail   TEXT,
    rows     INTEGER,
    ip       TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
"""


def ensure_schema(con: sqlite3.Connection) -> None:
    """Create or migrate the store; cheap when it is current (one PRAGMA)."""
    if con.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    con.commit()
    saved, con.isolation_level = con.isolation_level, None
    try:
        con.execute("BEGIN IMMEDIATE")
        if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            _migrate(con)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.isolation_level = saved


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]


def _migrate(con: sqlite3.Connection) -> None:
    old = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
                      ).fetchone()
    if old is None:
        con.execute(USERS_TABLE)
    elif "AUTOINCREMENT" not in old[0].upper():
        _rebuild_users(con)
    for statement in OTHER_TABLES.split(";"):
        if statement.strip():
            con.execute(statement)
    if "ip" not in _columns(con, "login_failures"):
        con.execute("ALTER TABLE login_failures ADD COLUMN ip TEXT")
    con.execute("CREATE INDEX IF NOT EXISTS login_failures_ip ON login_failures (ip, at)")


def _rebuild_users(con: sqlite3.Connection) -> None:
    """SQLite cannot add AUTOINCREMENT to a table: copy the rows into a new one."""
    kept = [c for c in _columns(con, "users") if c != "session_key"]
    cols = ", ".join(kept)
    con.execute(USERS_TABLE.replace("TABLE IF NOT EXISTS users", "TABLE users_migrated"))
    con.execute(f"INSERT INTO users_migrated ({cols}) SELECT {cols} FROM users")
    con.execute("DROP TABLE users")
    con.execute("ALTER TABLE users_migrated RENAME TO users")
    # Cookies from before the upgrade carry no session key, so none of them survives it.
    top = con.execute("SELECT coalesce(max(user_id), 0) FROM users").fetchone()[0]
    con.execute("DELETE FROM sqlite_sequence WHERE name = 'users'")
    con.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', ?)", (top,))
