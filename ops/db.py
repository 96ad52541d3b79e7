"""The operational store's connections: one SQLAlchemy engine per database and process.

The locator is what ``Settings.users_db`` gives: a database URL (PostgreSQL when
``DATABASE_URL`` names one) or the path of a SQLite file. ``read`` and ``write`` open a
transaction; ``write`` takes the database's write lock at once on SQLite (``BEGIN
IMMEDIATE``), so a read-then-write cannot be overtaken by another process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text, update
from sqlalchemy.engine import make_url

from data.settings import OpsDb
from ops.tables import locks

_engines: dict[str, Engine] = {}
_owner_pid = [os.getpid()]  # the process the engines above belong to
_lock = threading.RLock()


def database_url(db: OpsDb) -> str:
    """The SQLAlchemy URL of a locator (PostgreSQL through psycopg 3); a locator without
    a scheme is the path of a SQLite file."""
    if isinstance(db, Path) or "://" not in db:
        return f"sqlite:///{db}"
    for plain in ("postgres://", "postgresql://"):
        if db.startswith(plain):
            return "postgresql+psycopg://" + db[len(plain):]
    return db


def is_sqlite(db: OpsDb) -> bool:
    return make_url(database_url(db)).get_backend_name() == "sqlite"


def not_made_yet(db: OpsDb) -> bool:
    """A SQLite operational store whose file does not exist (a first demo generation, a
    build with no users yet): there is nothing to read, and reading would make it."""
    url = make_url(database_url(db))
    name = url.database
    return url.get_backend_name() == "sqlite" and bool(name) and name != ":memory:" \
        and not Path(str(name)).exists()


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_con: Any, _record: Any) -> None:
        # Let SQLAlchemy say when a transaction begins (pysqlite would delay it), and let
        # readers go on while a writer writes (WAL).
        dbapi_con.isolation_level = None
        dbapi_con.execute("PRAGMA journal_mode=WAL")
        dbapi_con.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(con: Connection) -> None:
        immediate = con.get_execution_options().get("ops_write", False)
        con.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def engine(db: OpsDb) -> Engine:
    """This process's engine for ``db`` (a forked child makes its own, never shares)."""
    url = database_url(db)
    with _lock:
        if _owner_pid[0] != os.getpid():
            for inherited in _engines.values():
                inherited.dispose(close=False)  # the parent's sockets stay the parent's
            _engines.clear()
            _owner_pid[0] = os.getpid()
        found = _engines.get(url)
        if found is not None:
            return found
        if make_url(url).get_backend_name() == "sqlite":
            found = _sqlite_engine(url)
        else:
            found = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        _engines[url] = found
        # The first use of a database in a process brings it to the current schema (as
        # the tables were once created on first use); other threads wait for it.
        from ops.migrate import upgrade

        try:
            upgrade(db)
        except BaseException:
            _engines.pop(url, None)
            found.dispose()
            raise
        return found


@contextmanager
def read(db: OpsDb) -> Iterator[Connection]:
    """A transaction for reading (and writes that need no read before them)."""
    with engine(db).begin() as con:
        yield con


@contextmanager
def write(db: OpsDb, lock: str = "") -> Iterator[Connection]:
    """A transaction that holds the write lock from its start; with ``lock``, also the
    named row of ``ops_locks``, so that decisions across rows (the last administrator,
    the job slots) are made by one process at a time on PostgreSQL too."""
    con_engine = engine(db)
    with con_engine.connect() as raw:
        con = raw.execution_options(ops_write=True)
        with con.begin():
            if lock:
                taken = con.execute(update(locks).where(locks.c.name == lock)
                                    .values(taken=locks.c.taken + 1))
                if taken.rowcount == 0:
                    raise KeyError(f"no lock row {lock!r}: the store is not migrated")
            yield con


def ping(db: OpsDb) -> None:
    with read(db) as con:
        con.execute(text("SELECT 1"))


def dispose_all() -> None:
    """Close every pooled connection of this process (tests, before a fork)."""
    with _lock:
        for found in _engines.values():
            found.dispose()
        _engines.clear()


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise ValueError("the statement inserted no row")
    return int(key[0])
