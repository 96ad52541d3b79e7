"""The engine objects: one per store, abilities asked not compared by name, the store's
identity asked once per request, rows streamed alike, and an import published to the
engine that serves the reports."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from data.export_layout import export_store
from data.generate import generate
from data.settings import Settings
from engines import Capability, engine_for, request_scope
from engines.base import Engine
from engines.clickhouse_engine import ClickHouseEngine
from engines.clickhouse_publish import publish
from engines.duckdb_engine import DuckDBEngine
from ops import jobs, load_job
from ops import migrate as ops_migrate
from ops.runner import JobContext
from queries import export_stream
from queries.sql import Statement
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database

POLICIES = Statement("SELECT policy_id, start_date FROM policy ORDER BY policy_id", {})


def test_one_engine_per_store_and_the_app_holds_it(settings: Settings) -> None:
    from app import create_app

    engine = engine_for(settings)
    assert isinstance(engine, DuckDBEngine)
    assert engine_for(settings) is engine  # built once per settings
    other = replace(settings, results_cache_entries=0)
    assert engine_for(other) is not engine and engine_for(other).settings is other
    server = create_app(settings).server
    assert server.config["ENGINE"] is engine


def test_export_cursor_is_an_ability_asked_of_the_engine(engine: Engine,
                                                         clickhouse: Settings) -> None:
    duck, ch = engine, engine_for(clickhouse)
    assert duck.supports(Capability.EXPORT_CURSOR) and export_stream.supported(engine)
    assert not ch.supports(Capability.EXPORT_CURSOR)
    assert not export_stream.supported(engine_for(clickhouse))
    with pytest.raises(NotImplementedError):
        ch.cursor()


def test_streamed_rows_are_the_rows_run_gives_on_both_engines(settings: Settings,
                                                              clickhouse: Settings) -> None:
    for s in (settings, clickhouse):
        engine = engine_for(s)
        whole = engine.run(POLICIES)[1]
        batches = list(engine.stream(POLICIES, 7_000))
        assert max(len(b) for b in batches) == 7_000
        assert [tuple(r) for b in batches for r in b] == whole
    assert engine_for(settings).run(POLICIES)[1] == engine_for(clickhouse).run(POLICIES)[1]


def test_clickhouse_identity_is_asked_once_per_request(clickhouse: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine = engine_for(clickhouse)
    assert isinstance(engine, ClickHouseEngine)
    asked: list[int] = []
    real = ClickHouseEngine.published_version

    def counted(self: ClickHouseEngine) -> int:
        asked.append(1)
        return real(self)

    monkeypatch.setattr(ClickHouseEngine, "published_version", counted)
    with request_scope():
        keys = {engine.store_key() for _ in range(20)}
    assert len(asked) == 1 and len(keys) == 1
    with request_scope():  # the next request asks again: a new store is seen at once
        engine.identity()
    assert len(asked) == 2
    engine.identity()  # outside a request (a job, start-up): asked every time
    engine.identity()
    assert len(asked) == 4


def test_a_request_through_the_app_asks_clickhouse_its_version_once(
        clickhouse: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app import create_app
    from auth.templates import ensure_demo_users
    from tests.auth_fixtures import sign_in

    own = with_own_database(replace(clickhouse, login_fail_delay=0.0), tmp_path / "u.sqlite")
    ensure_demo_users(engine_for(replace(own, store_engine="duckdb")))  # the users, from the file
    server = create_app(own).server
    client = sign_in(server, "gm")
    asked: list[int] = []
    real = ClickHouseEngine.published_version

    def counted(self: ClickHouseEngine) -> int:
        asked.append(1)
        return real(self)

    monkeypatch.setattr(ClickHouseEngine, "published_version", counted)
    resp = client.get("/api/reports/claims-open?level=summary&registered_from=2025-01-01"
                      "&registered_to=2025-12-31")
    assert resp.status_code == 200, resp.data
    assert len(asked) == 1


class _Context(JobContext):
    """The load job's context without the job table: progress is only remembered."""

    def __init__(self, settings: Settings, job: jobs.Job) -> None:
        super().__init__(settings.users_db, job, settings)
        self.steps: list[str] = []

    def progress(self, step: str, fraction: float, force: bool = False) -> None:
        self.steps.append(step)


def _load_job(upload_id: str) -> jobs.Job:
    now = time.time()
    return jobs.Job(job_id=upload_id, kind=load_job.KIND, user_id=1, username="admin",
                    state="running", progress=0.0, step="", message="",
                    params={"upload": upload_id, "incremental": False, "partial": False},
                    result={}, cancel_requested=False, host=None, pid=None, created_at=now,
                    started_at=now, heartbeat_at=now, finished_at=None)


def test_an_import_is_published_to_clickhouse(clickhouse: Settings, tmp_path: Path) -> None:
    """With STORE_ENGINE=clickhouse the reports serve what the import just loaded."""
    own = with_own_database(replace(clickhouse, store_path=tmp_path / "store.duckdb"),
                            tmp_path / "u.sqlite")
    ops_migrate.upgrade(own.users_db)
    book = tmp_path / "book.duckdb"
    generate(book, 400, 11, AS_OF, own)
    upload_id = uuid.uuid4().hex
    export_store(book, load_job.upload_folder(own, upload_id))
    served = engine_for(own)
    count = Statement("SELECT count(*) FROM policy", {})
    before = served.run(count)[1][0][0]
    try:
        context = _Context(own, _load_job(upload_id))
        outcome = load_job.run(context)
        assert outcome.result["ok"], outcome.message
        assert "发布新数据" in context.steps
        loaded = engine_for(replace(own, store_engine="duckdb")).run(count)[1][0][0]
        assert served.run(count)[1] == [(loaded,)] and loaded != before
        assert served.run(POLICIES)[1] == \
            engine_for(replace(own, store_engine="duckdb")).run(POLICIES)[1]
    finally:  # the other tests of this process read the session's book from ClickHouse
        publish(clickhouse.store_path, clickhouse.clickhouse_url, log=lambda _: None)
    assert served.run(count)[1][0][0] == before


def test_a_failed_publish_says_the_reports_show_the_old_data(
        clickhouse: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = with_own_database(replace(clickhouse, store_path=tmp_path / "store.duckdb"),
                            tmp_path / "u.sqlite")
    ops_migrate.upgrade(own.users_db)
    book = tmp_path / "book.duckdb"
    generate(book, 200, 5, AS_OF, own)
    upload_id = uuid.uuid4().hex
    export_store(book, load_job.upload_folder(own, upload_id))

    def refused(self: ClickHouseEngine, store: Path, log: object) -> None:
        raise RuntimeError("ClickHouse unreachable")

    monkeypatch.setattr(ClickHouseEngine, "publish", refused)
    outcome = load_job.run(_Context(own, _load_job(upload_id)))
    assert not outcome.result["ok"]
    assert "报表仍显示导入前的数据" in outcome.message
