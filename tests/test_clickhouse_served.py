"""A ClickHouse-served app under ``bin/serve`` with three workers shows the new day after
a load: the load's job process publishes the new store to ClickHouse and every web
worker, not restarted, answers from it; a publish that fails leaves every worker on the
day before, and the load says so.

ClickHouse here is ClickHouse's engine (chDB) behind the HTTP front of
``tests/chdb_http_front.py``: the app talks to it as to a server (clickhouse-connect
over HTTP), from several processes at once."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from auth.templates import DEMO_PASSWORD, ensure_demo_users
from data.generate import generate
from data.settings import Settings
from engines.clickhouse_publish import publish
from tests.chdb_http_front import refuse, running_front
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database
from tests.served_app import Remote, Served, serve, workers

RATES = "/api/reports/exchange-rates"
USD_RATES = {"date_from": "2026-11-01", "date_to": "2026-12-31", "currency": "USD"}
RATE_ARGS = {**USD_RATES, "level": "detail", "limit": "1"}


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


def day_zip(day: str, usd: str) -> bytes:
    """A T+1 day of one file: the day's exchange rates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("day/exchange_rate.csv", "currency_code,rate_date,rate_to_cny\n"
                                            f"USD,{day},{usd}\nEUR,{day},8.123456\n")
    return buf.getvalue()


class Reader:
    """Reads the latest exchange rate, one request per connection, and learns from
    gunicorn's access log which worker answered each."""

    def __init__(self, served: Served, access_log: Path) -> None:
        self.served, self.access_log = served, access_log
        self.session = requests.Session()
        self.session.headers["Connection"] = "close"  # each request may reach any worker
        resp = self.session.post(f"{served.base}/login", allow_redirects=False, timeout=60,
                                 data={"username": "gm", "password": DEMO_PASSWORD})
        assert resp.status_code == 302, resp.status_code

    def latest_rate(self) -> tuple[int, str, str]:
        """(worker pid, date, USD rate) of the newest row the report lists."""
        seen = self._answered()
        resp = self.session.get(f"{self.served.base}{RATES}", params=RATE_ARGS, timeout=60)
        assert resp.status_code == 200, resp.text[:500]
        [usd] = resp.json()["rows"]
        assert usd["currency_code"] == "USD", usd
        deadline = time.monotonic() + 10
        while len(answered := self._answered()) == len(seen):
            assert time.monotonic() < deadline, "the access log names no worker"
            time.sleep(0.05)
        return answered[-1], str(usd["rate_date"])[:10], f"{float(usd['rate_to_cny']):.6f}"

    def every_worker(self, pids: set[int], tries: int = 90) -> dict[int, tuple[str, str]]:
        """What each of ``pids`` answers (every answer is kept; one per worker back)."""
        answers: dict[int, set[tuple[str, str]]] = {}
        for _ in range(tries):
            pid, day, rate = self.latest_rate()
            answers.setdefault(pid, set()).add((day, rate))
            if set(answers) >= pids:
                break
        assert set(answers) == pids, f"workers {pids}, answered by {set(answers)}"
        assert all(len(a) == 1 for a in answers.values()), answers  # one day per worker
        return {pid: next(iter(a)) for pid, a in answers.items()}

    def _answered(self) -> list[int]:
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return [int(line.split()[0].strip("<>")) for line in text.splitlines() if RATES in line]


def test_every_worker_serves_the_new_day_after_a_load(on_clickhouse: dict[str, Any],
                                                     tmp_path: Path) -> None:
    settings: Settings = on_clickhouse["settings"]
    access_log = tmp_path / "access.log"
    env = {"WEB_ACCESS_LOG": str(access_log),
           "GUNICORN_CMD_ARGS": "--access-logformat '%(p)s %(U)s %(s)s'"}
    with serve(settings, tmp_path, web_workers=3, extra_env=env) as served:
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
