"""A ClickHouse-served app under ``bin/serve`` with three workers shows the new day after
a load: the load's job process publishes the new store to ClickHouse and every web
worker, not restarted, answers from it; a publish that fails leaves every worker on the
day before, and the load says so.

ClickHouse here is ClickHouse's engine (chDB) behind the HTTP front of
``tests/chdb_http_front.py``: the app talks to it as to a server (clickhouse-connect
over HTTP), from several processes at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from auth.templates import ensure_demo_users
from data.generate import generate
from data.settings import Settings
from engines import engine_for
from engines.clickhouse_publish import publish
from tests.chdb_http_front import refuse, running_front
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database
from tests.served_app import Remote, Served, serve, workers
from tests.served_rates import USD_RATES, Reader, access_log_env, day_zip


@pytest.fixture(scope="module")
def on_clickhouse(tmp_path_factory: pytest.TempPathFactory,
                  settings: Settings) -> Iterator[dict[str, Any]]:
    """A store of 500 policies published to ClickHouse behind the front, its users."""
    root = tmp_path_factory.mktemp("ch-served")
    with running_front(root / "engine") as base:
        url = f"{base}/insurance"
        own = with_own_database(replace(
            settings, store_path=root / "store.duckdb", login_fail_delay=0.0,
            store_engine="clickhouse", clickhouse_url=url), root / "users.sqlite")
        generate(own.store_path, 500, 3, AS_OF, own)
        publish(own.store_path, url, log=lambda _: None)
        ensure_demo_users(engine_for(own))  # its people are read through the engine
        yield {"settings": own, "front": base, "root": root}


@dataclass
class App:
    served: Served
    pids: set[int]  # its workers, as started
    reader: Reader
    admin: Remote
    front: str


@pytest.fixture(scope="module")
def app(on_clickhouse: dict[str, Any]) -> Iterator[App]:
    """``bin/serve`` with three workers on it, a reader of each worker and the admin."""
    settings: Settings = on_clickhouse["settings"]
    root: Path = on_clickhouse["root"]
    access_log = root / "access.log"
    with serve(settings, root, web_workers=3,
               extra_env=access_log_env(access_log)) as served:
        yield App(served, set(workers(served.master)), Reader(served, access_log),
                  Remote(served.base, "admin"), on_clickhouse["front"])


def test_every_worker_serves_the_new_day_after_a_load(app: App) -> None:
    before = app.reader.every_worker(app.pids)
    assert {day for day, _ in before.values()} == {"2026-11-20"}, before
    [done] = app.admin.wait_all([app.admin.start_load(day_zip("2026-11-21", "7.654321"),
                                                      incremental=True)])
    assert done["state"] == "done" and done["result"]["ok"] is True, done["message"]
    after = app.reader.every_worker(app.pids)
    assert set(after.values()) == {("2026-11-21", "7.654321")}, after
    assert set(workers(app.served.master)) == app.pids  # no worker was restarted
    # The CSV export streams its rows from ClickHouse: the new day is in it too.
    csv = app.reader.session.get(f"{app.served.base}/export/exchange-rates.csv",
                                 params=USD_RATES, timeout=60)
    assert csv.status_code == 200 and "2026-11-21" in csv.text and "7.654321" in csv.text


def test_a_failed_publish_leaves_every_worker_on_the_day_before(app: App) -> None:
    # ClickHouse refuses the copy of one table: the load says so, and every worker goes
    # on serving what it served before.
    before = set(app.reader.every_worker(app.pids).values())
    assert len(before) == 1
    refuse(app.front, rb"INSERT INTO `insurance`.`rate_fact__new`")
    try:
        [failed] = app.admin.wait_all([app.admin.start_load(
            day_zip("2026-11-28", "7.000001"), incremental=True)])
    finally:
        refuse(app.front)
    assert failed["state"] == "done" and failed["result"]["ok"] is False
    assert "发布到查询引擎失败, 报表仍显示导入前的数据" in failed["message"]
    assert set(app.reader.every_worker(app.pids).values()) == before
    assert set(workers(app.served.master)) == app.pids
