"""The 工作日志 tests' own operational store and app, one per test process: the demo
users with their demo year (auth.templates.ensure_demo_users), never the session's
store, whose written rows the catalog's hand-checked figures count."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from auth.templates import ensure_demo_users
from data.settings import Settings
from engines import engine_for
from tests.auth_fixtures import sign_in
from tests.ops_fixtures import with_own_database


@pytest.fixture(scope="session")
def worklog_settings(store_path: Path, as_of: date,
                     tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Not from the ``settings`` fixture: test modules point that name at this one.
    plain = replace(Settings(), store_path=store_path, as_of=as_of, login_fail_delay=0.0,
                    export_dir=tmp_path_factory.mktemp("worklog-exports"))
    own = with_own_database(plain, tmp_path_factory.mktemp("worklog") / "users.sqlite")
    ensure_demo_users(engine_for(own))
    return own


@pytest.fixture(scope="session")
def worklog_server(worklog_settings: Settings) -> Flask:
    from app import create_app

    return create_app(worklog_settings).server


@pytest.fixture
def worklog_login(worklog_server: Flask) -> Callable[[str], FlaskClient]:
    return lambda username: sign_in(worklog_server, username)


@pytest.fixture(scope="session")
def worklog_base_url(worklog_server: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, worklog_server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
