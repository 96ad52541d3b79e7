"""Sign-in, lockout, forced password change, grant changes on the next request,
last-administrator protection, masking rules, audit, demo users with real business."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from auth.audit import query_audit
from auth.passwords import hash_password
from auth.templates import DEMO_PASSWORD
from auth.users import UserError, create_user, delete_user, get_user, update_user
from data.settings import Settings
from queries.masking import mask_value
from tests.ops_fixtures import fresh_database


def test_login_logout_relogin(app_server: Any, settings: Settings) -> None:
    # Its own user: signing out ends every session of the user, also other tests' ones.
    create_user(settings.users_db, username="outtest", display_name="退出测试",
                password="Out-pass-7319", scope="company", pages={"pnl-auto-cube"},
                must_change_password=False)
    client = app_server.test_client()
    page = client.get("/login")
    assert 'name="username"' in page.text.replace("'", '"') and "员工代码" in page.text
    resp = client.post("/login", data={"username": "outtest", "password": "Out-pass-7319",
                                       "next": "/reports/pnl-auto-cube"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/reports/pnl-auto-cube"
    assert client.get("/api/reports").status_code == 200
    assert client.post("/relogin").headers["Location"] == "/login"
    assert client.get("/api/reports").status_code == 401
    client.post("/login", data={"username": "outtest", "password": "Out-pass-7319"})
    client.post("/logout")
    assert client.get("/api/reports").status_code == 401
    events = [e["event"] for e in query_audit(settings.users_db, username="outtest")]
    assert {"login", "logout"} <= set(events)


def test_next_cannot_leave_the_site(app_server: Any) -> None:
    resp = app_server.test_client().post("/login", data={
        "username": "gm", "password": DEMO_PASSWORD, "next": "https://evil.example/x"})
    assert resp.headers["Location"] == "/"


def test_wrong_password_and_lockout(app_server: Any, settings: Settings) -> None:
    create_user(settings.users_db, username="locktest", display_name="锁定测试",
                password="Right-pass-1", scope="company", pages={"pnl-auto-cube"},
                must_change_password=False)
    client = app_server.test_client()
    for _ in range(5):
        resp = client.post("/login", data={"username": "locktest", "password": "wrong"})
        assert resp.status_code == 401 and "员工代码或密码错误" in resp.text
    resp = client.post("/login", data={"username": "locktest", "password": "Right-pass-1"})
    assert resp.status_code == 429 and "锁定" in resp.text
    events = [e["event"] for e in query_audit(settings.users_db, username="locktest")]
    assert events.count("login_failed") == 5 and "login_locked" in events


def test_cookie_flags(app_server: Any) -> None:
    resp = app_server.test_client().post("/login", data={"username": "gm",
                                                         "password": DEMO_PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_reset_password_forces_a_change(app_server: Any, settings: Settings) -> None:
    user = create_user(settings.users_db, username="resetme", display_name="重置",
                       password="Old-pass-123", scope="company", pages={"pnl-auto-cube"},
                       must_change_password=False)
    update_user(settings.users_db, user.user_id, password_hash=hash_password("Temp-pass-9"),
                must_change_password=True)
    client = app_server.test_client()
    resp = client.post("/login", data={"username": "resetme", "password": "Temp-pass-9"})
    assert resp.headers["Location"] == "/change-password"
    assert client.get("/reports/pnl-auto-cube").headers["Location"] == "/change-password"
    assert client.get("/api/reports/pnl-auto-cube").status_code == 403
    bad = client.post("/change-password", data={"old_password": "Temp-pass-9",
                                                "new_password": "short",
                                                "new_password_again": "short"})
    assert bad.status_code == 400 and "至少" in bad.text
    ok = client.post("/change-password", data={"old_password": "Temp-pass-9",
                                               "new_password": "New-pass-2026",
                                               "new_password_again": "New-pass-2026"})
    assert ok.status_code == 302
    assert client.get("/api/reports/pnl-auto-cube").status_code == 200


def test_grant_change_and_disable_take_effect_on_next_request(login: Any,
                                                              settings: Settings) -> None:
    create_user(settings.users_db, username="grant01", display_name="授权测试",
                password="Grant-pass-1", scope="branch", branch_id=1,
                pages={"pnl-auto-cube"}, must_change_password=False)
    client = login("grant01", "Grant-pass-1")
    user = get_user(settings.users_db, username="grant01")
    assert user is not None
    assert client.get("/api/reports/pnl-auto-cube").status_code == 200
    assert client.get("/api/reports/lapsed-auto").status_code == 403
    update_user(settings.users_db, user.user_id, pages={"lapsed-auto"})
    assert client.get("/api/reports/pnl-auto-cube").status_code == 403
    assert client.get("/api/reports/lapsed-auto?end_from=2025-01-01&end_to=2025-12-31"
                      ).status_code == 200
    update_user(settings.users_db, user.user_id, enabled=False)
    assert client.get("/api/reports").status_code == 401


def test_last_administrator_cannot_be_removed(tmp_path: Path) -> None:
    db = fresh_database(tmp_path / "admins.sqlite")
    only = create_user(db, username="root", display_name="管理员", password="Admin-pass-1",
                       scope="company", pages={"admin-users"}, is_admin=True)
    with pytest.raises(UserError, match="最后一位"):
        delete_user(db, only.user_id)
    with pytest.raises(UserError, match="最后一位"):
        update_user(db, only.user_id, enabled=False)
    with pytest.raises(UserError, match="最后一位"):
        update_user(db, only.user_id, is_admin=False)
    second = create_user(db, username="root2", display_name="管理员2", password="Admin-pass-2",
                         scope="company", pages={"admin-users"}, is_admin=True)
    delete_user(db, only.user_id)
    assert get_user(db, user_id=second.user_id) is not None


def test_errors_never_show_a_stack_trace(app_server: Any, login: Any) -> None:
    client = login("gm")
    resp = client.get("/export/pnl-auto-cube.csv?level=summary&group_by=nope")
    assert resp.status_code == 400 and "Traceback" not in resp.text
    resp = client.get("/api/reports/pnl-auto-cube?level=detail&limit=abc")
    assert resp.status_code == 400 and "Traceback" not in resp.text


@pytest.mark.parametrize(("kind", "value", "masked"), [
    ("phone", "13812345678", "138****5678"),
    ("phone", "020-12345678", "020****5678"),
    ("id_no", "440101199001011234", "440101********1234"),
    ("address", "广州市天河区中山路123号", "广州市天河区****"),
    ("phone", None, None),
    ("phone", "", ""),
])
def test_masking(kind: str, value: str | None, masked: str | None) -> None:
    assert mask_value(kind, value) == masked


def test_demo_users_map_to_staff_with_business(settings: Settings, app_server: Any) -> None:
    # app_server: the demo users are made with the app, whichever test came first.
    con = duckdb.connect(str(settings.store_path), read_only=True)
    sales = get_user(settings.users_db, username="sales01")
    section = get_user(settings.users_db, username="section01")
    assert sales is not None and section is not None
    assert sales.scope == "self" and section.scope == "department"
    n = con.execute("SELECT count(*) FROM policy WHERE handler_id = ? AND dept_id = ?",
                    [sales.staff_id, section.dept_id]).fetchone()[0]
    assert n > 20
    title = con.execute("SELECT title FROM staff WHERE staff_id = ?", [sales.staff_id]
                        ).fetchone()[0]
    assert title == "业务员"


def test_api_bounds_summary_groups_and_names_bad_paging(login: Any) -> None:
    """A summary answers a screen's worth of groups (its totals cover all of them and say
    it was cut); a bad limit or cursor is a 400 naming it, in Chinese."""
    client = login("gm")
    api = "/api/reports/pnl-auto-handler?start_from=2020-01-01&start_to=2026-12-31&"
    full = client.get(f"{api}limit=25000").get_json()
    assert full["truncated"] is False and full["total"] > 3
    cut = client.get(f"{api}limit=3").get_json()
    assert cut["truncated"] is True and cut["total"] == 3
    assert cut["rows"] == full["rows"][:3] and cut["totals"] == full["totals"]
    for query, key in (("limit=abc", "limit"), ("limit=0", "limit"),
                       ("level=detail&limit=-5", "limit"),
                       ("level=detail&cursor=%25%25", "cursor")):
        resp = client.get(f"{api}{query}")
        body = resp.get_json()
        assert resp.status_code == 400 and body["filter"] == key, (query, body)
        assert "Traceback" not in resp.text and body["error"]


def test_a_bad_column_filter_on_a_summary_export_is_a_clear_400(login: Any) -> None:
    client = login("gm")
    resp = client.get("/export/pnl-auto-cube.csv?level=summary&filter=not-json")
    assert resp.status_code == 400 and resp.get_json()["filter"] == "filter"
    assert "JSON" in resp.get_json()["error"]
