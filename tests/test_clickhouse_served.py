"""A ClickHouse-served app under ``bin/serve`` with three workers shows the new day after
a load: the load's job process publishes the new store to ClickHouse and every web
worker, not restarted, answers from it; a publish that fails leaves every worker on the
day before, and the load says so.

ClickHouse here is ClickHouse's engine (chDB) behind the HTTP front of
``tests/chdb_http_front.py``: the app talks to it as to a server (clickhouse-connect
over HTTP), from several processes at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auth.templates import ensure_demo_users
from data.generate import generate
from data.settings import Settings
from engines.clickhouse_publish import publish
from tests.chdb_http_front import refuse, running_front
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database
from tests.served_app import Remote, serve, workers
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
        ensure_demo_users(own)  # its people are read through the engine
        yield {"settings": own, "front": base, "root": root}


def test_every_worker_serves_the_new_day_after_a_load(on_clickhouse: dict[str, Any],
                                                     tmp_path: Path) -> None:
    settings: Settings = on_clickhouse["settings"]
    access_log = tmp_path / "access.log"
    with serve(settings, tmp_path, web_workers=3,
               extra_env=access_log_env(access_log)) as served:
        pids = set(workers(served.master))
        reader = Reader(served, access_log)
        before = reader.every_worker(pids)
        assert set(before.values()) == {("2026-11-20", before[min(pids)][1])}
        admin = Remote(served.base, "admin")
        [done] = admin.wait_all([admin.start_load(day_zip("2026-11-21", "7.654321"), True)])
        assert done["state"] == "done" and done["result"]["ok"] is True, done["message"]
        after = reader.every_worker(pids)
        assert set(after.values()) == {("2026-11-21", "7.654321")}, after
        # The CSV export streams its rows from ClickHouse: the new day is in it too.
        csv = reader.session.get(f"{served.base}/export/exchange-rates.csv", timeout=60,
                                 params=USD_RATES)
        assert csv.status_code == 200 and "2026-11-21" in csv.text and "7.654321" in csv.text
        # A publish that fails (ClickHouse refuses the copy of one table): the load says
        # so, and every worker goes on serving the day before.
        refuse(on_clickhouse["front"], rb"INSERT INTO `insurance`.`rate_fact__new`")
        try:
            [failed] = admin.wait_all([admin.start_load(day_zip("2026-11-22", "7.000001"),
                                                        True)])
        finally:
            refuse(on_clickhouse["front"])
        assert failed["state"] == "done" and failed["result"]["ok"] is False
        assert "发布到查询引擎失败, 报表仍显示导入前的数据" in failed["message"]
        assert set(reader.every_worker(pids).values()) == {("2026-11-21", "7.654321")}
        assert set(workers(served.master)) == pids  # no worker was restarted
