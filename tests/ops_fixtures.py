"""Where tests keep the operational store: a SQLite file, or, when ``DATABASE_URL``
names a PostgreSQL server (``bin/test``'s second pass), a new database on it."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data.settings import OpsDb, Settings
from ops.db import database_url

SERVER_ENV = "DATABASE_URL"


def on_postgres() -> bool:
    return bool(os.environ.get(SERVER_ENV))


def fresh_database_url() -> str:
    """A new, empty database on the test server (its name is random)."""
    server = database_url(os.environ[SERVER_ENV])
    name = f"test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def fresh_database(sqlite_path: Path) -> OpsDb:
    """An empty operational store: ``sqlite_path``, or a new PostgreSQL database."""
    return fresh_database_url() if on_postgres() else sqlite_path


def with_own_database(settings: Settings, sqlite_path: Path) -> Settings:
    """``settings`` with an operational store of its own."""
    if on_postgres():
        return replace(settings, users_path=sqlite_path, database_url=fresh_database_url())
    return replace(settings, users_path=sqlite_path, database_url="")
