"""The operational store: migrations adopt a users.sqlite made before them, build a new
store on SQLite or PostgreSQL, agree with ``ops/tables.py``, and run safely from many
processes at once."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from auth.audit import query_audit, record_to
from auth.passwords import verify_password
from auth.users import get_user
from data.settings import ROOT, OpsDb
from ops import db as ops_db
from ops import migrate
from ops.tables import audit, jobs, load_history, metadata, users
from queries.grants import resolve
from queries.menu import page_by_slug
from tests.ops_fixtures import fresh_database

# Made by the app before migrations existed (auth.users / data.load creating their tables
# on first use): 7 templates and 3 users (one more created and deleted), 8 audit rows,
# a sign-in failure and one load.
BEFORE_MIGRATIONS = Path(__file__).parent / "data" / "users-before-migrations.sqlite"


def _pages_of_0004() -> frozenset[str]:
    path = migrate.MIGRATIONS / "versions" / "0004_page_set_grants.py"
    spec = importlib.util.spec_from_file_location("page_sets_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(s for slugs in module.AREA_PAGES.values() for s in slugs)


PAGES_OF_0004 = _pages_of_0004()


def _count(db: OpsDb, table: object) -> int:
    with ops_db.read(db) as con:
        return int(con.execute(select(func.count()).select_from(table)).scalar_one())


def test_existing_users_sqlite_keeps_every_user_and_audit_row(tmp_path: Path) -> None:
    db = tmp_path / "users.sqlite"
    shutil.copy(BEFORE_MIGRATIONS, db)
    with sqlite3.connect(db) as con:
        before_users = con.execute("SELECT * FROM users ORDER BY user_id").fetchall()
        before_audit = con.execute("SELECT * FROM audit ORDER BY audit_id").fetchall()
        assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'"
                               ).fetchone()
    migrate.upgrade(db)
    assert migrate.current(db) == migrate.head()
    with sqlite3.connect(db) as con:
        # Every user as it was, with a session key of its own besides (revision 0003) and
        # whole areas granted as page sets (0004) that open exactly the pages held before.
        names = [r[1] for r in con.execute("PRAGMA table_info(users)")]
        kept = ", ".join(n for n in names if n != "session_key")
        after = con.execute(f"SELECT {kept} FROM users ORDER BY user_id").fetchall()
        at = names.index("pages")
        assert [r[:at] + r[at + 1:] for r in after] \
            == [r[:at] + r[at + 1:] for r in before_users]
        # (0005 grants the 工作日志 area besides to the roles that keep a work log, and
        # the 客户管理 area to users holding every other report area.)
        # A page set also opens pages added to it since (8.1 续保管理 carries the
        # salespeople's tag, 6.7 is a system page): nothing is lost, nothing else gained.
        added = set(page_by_slug()) - PAGES_OF_0004
        for a, b in zip(after, before_users, strict=True):
            held = resolve(set(json.loads(a[at])) - {"area:worklog", "area:customers"})
            assert frozenset(json.loads(b[at])) <= held
            assert held - frozenset(json.loads(b[at])) <= added
        assert {r[names.index("role")] for r in after if "area:worklog" in r[at]} \
            <= {"业务员", "科长", "支公司经理", "总经理"}
        assert any("area:pnl" in json.loads(r[at]) for r in after)
        assert all("area:commission" in json.loads(r[at]) for r in after
                   if "area:customers" in json.loads(r[at]))
        keys = [r[0] for r in con.execute("SELECT session_key FROM users")]
        assert len(set(keys)) == len(keys) and all(len(k) == 32 for k in keys)
        assert con.execute("SELECT * FROM audit ORDER BY audit_id").fetchall() == before_audit
    assert len(before_users) == 10 and len(before_audit) == 8
    assert _count(db, load_history) == 1 and _count(db, jobs) == 0
    gm = get_user(db, username="gm")
    assert gm is not None and verify_password(gm.password_hash, "demo-pass-2026")
    assert gm.pages == frozenset({"lapsed-auto", "claim-cycle", "area:worklog"})
    # The adopted store takes new rows, and a second upgrade changes nothing.
    record_to(db, "login", username="gm")
    migrate.upgrade(db)
    assert [e["event"] for e in query_audit(db, username="gm")][:2] == ["login", "export"]
    assert _count(db, audit) == 9


def test_store_from_before_migrations_without_load_history_gets_one(tmp_path: Path) -> None:
    db = tmp_path / "users.sqlite"
    shutil.copy(BEFORE_MIGRATIONS, db)
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE load_history")
        con.execute("DROP INDEX audit_at")
    migrate.upgrade(db)
    assert _count(db, load_history) == 0 and _count(db, users) == 10
    assert "audit_at" in {ix["name"] for ix in inspect(ops_db.engine(db)).get_indexes("audit")}


def test_new_store_matches_the_tables_declared(tmp_path: Path) -> None:
    db = fresh_database(tmp_path / "new.sqlite")
    migrate.upgrade(db)
    with ops_db.read(db) as con:
        found = set(inspect(con).get_table_names()) - {"alembic_version"}
        assert found == set(metadata.tables)
        diffs = compare_metadata(MigrationContext.configure(con), metadata)
    assert diffs == []


def test_many_processes_migrating_at_once_agree(tmp_path: Path) -> None:
    db = fresh_database(tmp_path / "race.sqlite")
    code = "import sys; from ops import migrate; migrate.upgrade(sys.argv[1])"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(rc == 0 for rc, _ in results), results
    assert migrate.current(db) == migrate.head()
    with ops_db.read(db) as con:
        assert con.execute(select(func.count()).select_from(metadata.tables["ops_locks"])
                           ).scalar_one() == 2


def test_migrate_command_reports_the_revision(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite"
    env = {**os.environ, "USERS_PATH": str(db), "STORE_PATH": str(tmp_path / "s.duckdb")}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "ops.migrate"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().endswith(f": {migrate.head()}")
    assert migrate.current(db) == migrate.head()
