"""Helpers for tests that sign in: the app on the test store, demo users, a client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.templates import DEMO_PASSWORD, ensure_demo_users
from data.settings import Settings
from engines import engine_for

DEMO_USERS = ("admin", "gm", "branch01", "section01", "sales01", "claims01", "finance01")


@pytest.fixture(scope="session")
def app_server(settings: Settings) -> Flask:
    from dataclasses import replace

    from app import create_app

    fast = replace(settings, login_fail_delay=0.0)
    ensure_demo_users(engine_for(fast))
    return create_app(fast).server


def sign_in(server: Flask, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    """A test client of ``server`` signed in as ``username``."""
    client = server.test_client()
    resp = client.post("/login", data={"username": username, "password": password})
    assert resp.status_code == 302, f"{username} could not sign in: {resp.status_code}"
    return client


@pytest.fixture
def login(app_server: Flask) -> Callable[[str], FlaskClient]:
    def signed_in(username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
        return sign_in(app_server, username, password)

    return signed_in
