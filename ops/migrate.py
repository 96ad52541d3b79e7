"""Bring the operational store to the current schema (Alembic), at app start or by hand.

    .venv/bin/python -m ops.migrate            # the store of USERS_PATH / DATABASE_URL
    .venv/bin/python -m ops.migrate --current  # print its revision

Several workers start at once: the migration runs inside one transaction that holds the
database's write lock (SQLite) or an advisory lock (PostgreSQL), so one of them migrates
and the others find the store already current.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from data.settings import OpsDb, Settings
from ops import db as ops_db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_KEY = 0x0B5_2026  # any constant: the same for every process of this product


def _config(con: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = con
    return cfg


def head() -> str:
    """The newest revision(s): features that add tables each start a branch from the
    revision they build on, so there may be several heads, written sorted and joined."""
    return _joined(ScriptDirectory.from_config(_config()).get_heads())


def current(db: OpsDb) -> str | None:
    with ops_db.read(db) as con:
        return _joined(MigrationContext.configure(con).get_current_heads()) or None


def _joined(revisions: tuple[str, ...] | list[str]) -> str:
    return ",".join(sorted(revisions))


def upgrade(db: OpsDb) -> None:
    """Migrate ``db`` to the newest revision (``ops.db`` does it when a process first
    opens a database; app start and this command do it explicitly)."""
    if current(db) != head():
        with ops_db.engine(db).connect() as raw:
            con = raw.execution_options(ops_write=True)
            with con.begin():
                if not ops_db.is_sqlite(db):
                    con.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                {"key": ADVISORY_KEY})
                command.upgrade(_config(con), "heads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="运营库迁移 (用户、权限、审计、作业)")
    parser.add_argument("--current", action="store_true", help="只显示当前版本")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    db = Settings.from_env().users_db
    if not args.current:
        upgrade(db)
    print(f"{ops_db.database_url(db).split('@')[-1]}: {current(db) or '未迁移'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
