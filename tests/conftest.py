"""Shared fixtures: one small generated store per test session (per xdist worker)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from auth import passwords
from auth.templates import ensure_demo_users
from data.generate import generate
from data.settings import Settings
from engines import Engine, engine_for
from engines.clickhouse_publish import publish
from queries import store_types
from tests.chdb_http_front import running_front
from tests.ops_fixtures import with_own_database
from tests.worklog_rows import sample_worklog

# Thousands of sign-ins: cheap argon2 parameters for the hashes the tests write (the
# product's cost is tested in tests/test_signin_hardening.py).
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

TEST_POLICIES = 60_000
TEST_SEED = 7
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="session")
def as_of() -> date:
    return AS_OF


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    # The generator resolves the work log's prospects from an operational store: an empty
    # one of its own, never whatever a checkout's var/users.sqlite happens to hold.
    builder = Settings(as_of=AS_OF, users_path=path.with_name("builder-users.sqlite"),
                       database_url="")
    cache = os.environ.get("TEST_STORE_CACHE")
    if not cache:
        generate(path, TEST_POLICIES, TEST_SEED, AS_OF, builder)
        return path
    # bin/test's runs share one generated store (a build is deterministic for a size,
    # seed, date and the builder's code); each process gets its own copy.
    # The store keeps summaries' opening screens (queries/openings_build.py): the
    # catalog's code builds it too.
    root = Path(__file__).parents[1]
    code = hashlib.sha256(b"".join(
        f.read_bytes()
        for f in sorted([*root.glob("data/**/*.py"), *root.glob("queries/**/*.py")])))
    name = f"store-{TEST_POLICIES}-{TEST_SEED}-{AS_OF}-{code.hexdigest()[:12]}.duckdb"
    cached = Path(cache) / name
    with open(f"{cached}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cached.exists():
            built = cached.with_suffix(".building")
            generate(built, TEST_POLICIES, TEST_SEED, AS_OF, builder)
            built.rename(cached)
    shutil.copyfile(cached, path)
    return path


@pytest.fixture(scope="session")
def settings(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    users = tmp_path_factory.mktemp("users") / "users.sqlite"
    # warm_seconds 0: an app made for a test compiles its statements but runs none.
    plain = replace(Settings(), store_path=store_path, as_of=AS_OF,
                    export_dir=tmp_path_factory.mktemp("exports"), warm_seconds=0)
    found = with_own_database(plain, users)  # PostgreSQL when DATABASE_URL names one
    # The 工作日志 reports' written data: the demo users' year (as the app writes it) and
    # a few rows of another branch with one case of each anomaly.
    engine = engine_for(found)
    ensure_demo_users(engine)
    sample_worklog(engine)
    store_types.serve_from(engine)  # as the app does at start-up: filters' value types
    return found


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    """The engine answering the session's store (``settings``), as an app builds it."""
    return engine_for(settings)


@pytest.fixture(autouse=True)
def _filter_value_types(request: pytest.FixtureRequest) -> None:
    """Filters read their value types from the store the process serves (the app names it
    at start-up): a test that parses filters without the session's store in its own
    arguments finds it named all the same, whichever test ran first in its process."""
    if not store_types.is_served():
        request.getfixturevalue("settings")


@pytest.fixture(scope="session")
def clickhouse(settings: Settings, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Settings]:
    path: Path = tmp_path_factory.mktemp("chdb") / "engine"
    with contextlib.ExitStack() as stack:
        if os.environ.get("CLICKHOUSE_TESTS_OVER_HTTP"):
            # The server path: ClickHouse's engine behind its HTTP interface.
            url = stack.enter_context(running_front(path)) + "/insurance"
        else:
            url = f"chdb://{path}"  # one embedded engine path per test process
        publish(settings.store_path, url, log=lambda _: None)
        yield replace(settings, store_engine="clickhouse", clickhouse_url=url)



pytest_plugins = ["tests.auth_fixtures", "tests.browser_fixtures", "tests.worklog_fixtures"]
