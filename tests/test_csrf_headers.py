"""Cross-site requests are refused on every state-changing path, signing out is a POST,
and every response carries the security headers (no-store where data is)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from auth.templates import DEMO_PASSWORD
from auth.users import create_user, get_user
from data.settings import Settings
from tests.test_admin_pages import create

EVIL = {"Origin": "http://evil.example"}
HERE = {"Origin": "http://localhost"}


def test_login_csrf_is_refused(app_server: Flask) -> None:
    client = app_server.test_client()
    forged = client.post("/login", headers=EVIL,
                         data={"username": "gm", "password": DEMO_PASSWORD})
    assert forged.status_code == 403 and "跨站" in forged.text
    assert client.get("/api/reports").status_code == 401
    null_origin = client.post("/login", headers={"Origin": "null"},
                              data={"username": "gm", "password": DEMO_PASSWORD})
    assert null_origin.status_code == 403
    by_referer = client.post("/login", headers={"Referer": "http://evil.example/x"},
                             data={"username": "gm", "password": DEMO_PASSWORD})
    assert by_referer.status_code == 403
    own = client.post("/login", headers=HERE, data={"username": "gm",
                                                    "password": DEMO_PASSWORD})
    assert own.status_code == 302


def test_a_trusted_origin_behind_a_proxy_may_post(settings: Settings) -> None:
    from dataclasses import replace

    from app import create_app

    proxied = create_app(replace(settings, trusted_origins=("https://bi.example.com",)))
    client = proxied.server.test_client()
    resp = client.post("/login", headers={"Origin": "https://bi.example.com"},
                       data={"username": "gm", "password": DEMO_PASSWORD})
    assert resp.status_code == 302


def test_sign_out_is_a_post_from_this_site(login: Any, settings: Settings) -> None:
    create_user(settings.users_db, username="csrf-out", display_name="退出",
                password="Csrf-pass-3318", scope="company", pages={"pnl-auto-cube"},
                must_change_password=False)
    client = login("csrf-out", "Csrf-pass-3318")
    page = client.get("/logout")
    assert page.status_code == 200 and "method='post'" in page.text
    assert client.get("/relogin").status_code == 200
    assert client.get("/api/reports").status_code == 200  # a link signs nobody out
    assert client.post("/logout", headers=EVIL).status_code == 403
    assert client.get("/api/reports").status_code == 200
    assert client.post("/logout", headers=HERE).status_code == 302
    assert client.get("/api/reports").status_code == 401


def test_a_forged_admin_callback_is_refused(login: Any, settings: Settings) -> None:
    values = {"new-username": "csrf777", "new-name": "跨站", "new-scope": "company",
              "new-pages": ["pnl-auto-cube"], "new-template": None}
    resp = create(login("admin"), values, headers=EVIL)
    assert resp.status_code == 403 and resp.get_json()["error"].startswith("跨站")
    assert get_user(settings.users_db, username="csrf777") is None


def test_export_job_create_and_cancel_are_refused_cross_site(login: Any) -> None:
    client = login("gm")
    url = "/api/reports/pnl-auto-cube/exports?level=detail&start_from=2024-01-01" \
          "&start_to=2024-01-31"
    assert client.post(url, headers=EVIL).status_code == 403
    before = {j["job_id"] for j in client.get("/api/exports").get_json()["jobs"]}
    fake = "0" * 32
    assert client.post(f"/api/exports/{fake}/cancel", headers=EVIL).status_code == 403
    assert client.delete(f"/api/exports/{fake}", headers=EVIL).status_code == 403
    assert {j["job_id"] for j in client.get("/api/exports").get_json()["jobs"]} == before


@pytest.mark.parametrize("path", [
    "/login", "/", "/reports/pnl-auto-cube", "/admin/admin-users", "/api/reports",
    "/api/reports/pnl-auto-cube", "/export/pnl-auto-cube.csv?level=summary",
    "/export/admin-audit.csv", "/no-such-page", "/api/reports/no-such-report"])
def test_every_response_carries_the_headers(login: Any, path: str) -> None:
    for client in (login("admin"), login("gm")):
        resp = client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Referrer-Policy"] == "same-origin"
        assert resp.headers["Cache-Control"] == "no-store", path


def test_anonymous_and_refused_answers_carry_them_too(app_server: Flask) -> None:
    client = app_server.test_client()
    for resp in (client.get("/api/reports"), client.get("/reports/pnl-auto-cube"),
                 client.post("/login", headers=EVIL)):
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Cache-Control"] == "no-store"


def test_scripts_stay_cacheable(app_server: Flask, login: Any) -> None:
    page = login("gm").get("/").text
    script = next(part.split('"')[0] for part in page.split('src="')[1:]
                  if "_dash-component-suites" in part)
    resp = login("gm").get(script)
    assert resp.status_code == 200 and resp.headers.get("Cache-Control") != "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
