"""Sessions end on the server: a copied cookie dies with sign-out, a new password, a
disabled or deleted account; ids are never reused; idle and old sessions expire; an
old users.sqlite is migrated with its users and audit rows."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.audit import query_audit, record_to
from auth.passwords import hash_password
from auth.users import create_user, delete_user, get_user, update_user
from data.settings import Settings
from engines import engine_for

PASSWORD = "Sess-pass-4821"


def _user(settings: Settings, name: str, **kw: Any) -> int:
    user = create_user(settings.users_db, username=name, display_name=name, password=PASSWORD,
                       scope="company", pages={"pnl-auto-cube"}, must_change_password=False,
                       **kw)
    return user.user_id


def _sign_in(server: Flask, name: str, password: str = PASSWORD) -> FlaskClient:
    client = server.test_client()
    resp = client.post("/login", data={"username": name, "password": password})
    assert resp.status_code == 302, resp.text
    return client


def _copy(server: Flask, client: FlaskClient) -> FlaskClient:
    """A second client holding a copy of the first one's session cookie (as a thief)."""
    thief = server.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def _works(client: FlaskClient) -> bool:
    return client.get("/api/reports").status_code == 200


def test_a_copied_cookie_dies_with_sign_out(app_server: Flask, settings: Settings) -> None:
    _user(settings, "sess-logout")
    client = _sign_in(app_server, "sess-logout")
    thief = _copy(app_server, client)
    other_device = _sign_in(app_server, "sess-logout")
    assert _works(thief) and _works(other_device)
    assert client.post("/logout").status_code == 302
    assert not _works(thief) and not _works(other_device) and not _works(client)
    assert thief.get("/reports/pnl-auto-cube").headers["Location"].startswith("/login")


def test_a_password_reset_ends_old_sessions_for_good(app_server: Flask,
                                                      settings: Settings) -> None:
    user_id = _user(settings, "sess-reset")
    old = _sign_in(app_server, "sess-reset")
    update_user(settings.users_db, user_id, password_hash=hash_password("Temp-pass-7731"),
                must_change_password=True)
    assert not _works(old)
    fresh = _sign_in(app_server, "sess-reset", "Temp-pass-7731")
    resp = fresh.post("/change-password", data={
        "old_password": "Temp-pass-7731", "new_password": "Next-pass-9913",
        "new_password_again": "Next-pass-9913"})
    assert resp.status_code == 302
    assert _works(fresh)  # the session that changed the password goes on
    assert not _works(old)


def test_changing_the_password_ends_the_other_sessions(app_server: Flask,
                                                        settings: Settings) -> None:
    _user(settings, "sess-change")
    here, elsewhere = _sign_in(app_server, "sess-change"), _sign_in(app_server, "sess-change")
    here.post("/change-password", data={"old_password": PASSWORD,
                                        "new_password": "Other-pass-5520",
                                        "new_password_again": "Other-pass-5520"})
    assert _works(here) and not _works(elsewhere)


def test_disabling_ends_sessions_and_re_enabling_does_not_revive_them(
        app_server: Flask, settings: Settings) -> None:
    user_id = _user(settings, "sess-disable")
    client = _sign_in(app_server, "sess-disable")
    update_user(settings.users_db, user_id, enabled=False)
    update_user(settings.users_db, user_id, enabled=True)
    assert not _works(client)


def test_ids_are_never_reused_and_a_deleted_users_cookie_is_dead(
        app_server: Flask, settings: Settings) -> None:
    first = _user(settings, "sess-newest-a")
    client = _sign_in(app_server, "sess-newest-a")
    delete_user(settings.users_db, first)
    second = _user(settings, "sess-newest-b")
    assert second != first
    assert not _works(client)


def test_idle_and_old_sessions_expire(app_server: Flask, settings: Settings) -> None:
    _user(settings, "sess-idle")
    idle = _sign_in(app_server, "sess-idle")
    with idle.session_transaction() as s:
        s["seen_at"] = time.time() - settings.session_idle_minutes * 60 - 5
    assert not _works(idle)
    busy = _sign_in(app_server, "sess-idle")
    with busy.session_transaction() as s:
        s["signed_in_at"] = time.time() - settings.session_lifetime_days * 86400 - 5
    assert not _works(busy)
    fresh = _sign_in(app_server, "sess-idle")
    with fresh.session_transaction() as s:
        s["seen_at"] = time.time() - settings.session_idle_minutes * 60 + 120
    assert _works(fresh)  # a request in time moves the idle clock on
    with fresh.session_transaction() as s:
        assert time.time() - s["seen_at"] < 5


def test_a_cookie_naming_only_the_user_id_is_refused(app_server: Flask,
                                                     settings: Settings) -> None:
    """The cookie of earlier versions (and a forged one with a known key) held only the
    id; without the user's current session key it signs nobody in."""
    user_id = _user(settings, "sess-bare-id")
    client = app_server.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True
        s["signed_in_at"] = s["seen_at"] = time.time()
    assert not _works(client)


OLD_SCHEMA = """
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '', branch_id INTEGER, dept_id INTEGER, staff_id INTEGER,
    scope TEXT NOT NULL CHECK (scope IN ('company', 'branch', 'department', 'self')),
    pages TEXT NOT NULL DEFAULT '[]', personal_data INTEGER NOT NULL DEFAULT 0,
    is_admin INTEGER NOT NULL DEFAULT 0, enabled INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL, must_change_password INTEGER NOT NULL DEFAULT 0,
    is_template INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE login_failures (username TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE audit (audit_id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT,
    event TEXT NOT NULL, page TEXT, detail TEXT, rows INTEGER, ip TEXT);
CREATE INDEX audit_at ON audit (at);
"""


def test_an_old_users_store_is_migrated_in_place(tmp_path: Path) -> None:
    db = tmp_path / "users.sqlite"
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA)
    for user_id, name in ((1, "old-a"), (2, "old-b"), (3, "old-newest")):
        con.execute("INSERT INTO users (user_id, username, display_name, scope, pages, "
                    "password_hash, created_at) VALUES (?, ?, ?, 'company', '[]', ?, "
                    "'2026-01-01T00:00:00')", (user_id, name, name, hash_password(PASSWORD)))
    con.execute("INSERT INTO audit (at, username, event) VALUES "
                "('2026-01-02T00:00:00', 'old-a', 'login')")
    con.execute("INSERT INTO login_failures VALUES ('old-a', '2026-01-02T00:00:00')")
    con.commit()
    con.close()
    kept = get_user(db, username="old-a")
    assert kept is not None and kept.user_id == 1 and len(kept.session_key) == 32
    assert [e["event"] for e in query_audit(db)] == ["login"]
    delete_user(db, 3)
    newer = create_user(db, username="new-one", display_name="新", password=PASSWORD,
                        scope="company", pages=set())
    assert newer.user_id == 4
    record_to(db, "logout", username="old-a", ip="10.1.1.1")
    assert len(query_audit(db)) == 2
    with sqlite3.connect(db) as con:
        cols = [r[1] for r in con.execute("PRAGMA table_info(login_failures)")]
        assert "ip" in cols and con.execute("SELECT count(*) FROM login_failures"
                                            ).fetchone()[0] == 1


def test_deleting_a_user_removes_their_export_jobs(settings: Settings, tmp_path: Path) -> None:
    from app import create_app
    from auth.accounts import delete_account

    jobs = replace(settings, login_fail_delay=0.0, export_dir=tmp_path / "exports",
                   xlsx_sync_max_rows=10)
    server = create_app(jobs).server
    user_id = _user(jobs, "sess-jobs")
    keeper = _user(jobs, "sess-jobs-keep")
    mine, theirs = _sign_in(server, "sess-jobs"), _sign_in(server, "sess-jobs-keep")
    url = "/api/reports/pnl-auto-cube/exports?level=detail&start_from=2024-01-01" \
          "&start_to=2024-01-31"
    for client in (mine, theirs):
        assert client.post(url).status_code == 202
    def folders() -> list[Path]:  # the jobs' own folders (the queue keeps a lock file too)
        return [p for p in (jobs.export_dir / "jobs").iterdir() if p.is_dir()]

    assert len(folders()) == 2
    user = get_user(jobs.users_db, user_id=user_id)
    assert user is not None
    with server.test_request_context():
        assert delete_account(engine_for(jobs), user, page="admin-users") == 1
    assert len(folders()) == 1 and keeper and theirs.get("/api/exports").get_json()["jobs"]


@pytest.mark.parametrize("name", ["sess-tpl"])
def test_templates_never_sign_in(app_server: Flask, settings: Settings, name: str) -> None:
    create_user(settings.users_db, username=name, display_name="模板", password=PASSWORD,
                scope="branch", pages={"pnl-auto-cube"}, is_template=True)
    resp = app_server.test_client().post("/login", data={"username": name,
                                                         "password": PASSWORD})
    assert resp.status_code == 401
    assert not get_user(settings.users_db, username=name).enabled  # type: ignore[union-attr]
