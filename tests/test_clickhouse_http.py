"""The ClickHouse engine over HTTP (the server path), against ClickHouse's engine behind
the HTTP front of ``tests/chdb_http_front.py``: the client's handshake, bound values of
every type the catalog binds, errors as the server gives them, Arrow inserts, and a
publish that swaps a new version in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import requests
from clickhouse_connect.driver.exceptions import DatabaseError

from data.generate import generate
from data.settings import Settings
from engines import engine_for
from engines.clickhouse_engine import ClickHouseEngine, server_client
from engines.clickhouse_publish import publish
from queries.demo_people import find_demo_people
from queries.worklog_store import demo_colleagues
from tests.chdb_http_front import refuse, running_front
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_front(tmp_path_factory.mktemp("chdb-front") / "engine") as base:
        yield base


@pytest.fixture(scope="module")
def small(front: str, tmp_path_factory: pytest.TempPathFactory,
          settings: Settings) -> tuple[Settings, Settings]:
    """A store of 500 policies, on DuckDB and published to ClickHouse."""
    duck = replace(settings, store_path=tmp_path_factory.mktemp("small") / "store.duckdb")
    generate(duck.store_path, 500, 3, AS_OF, duck)
    url = f"{front}/insurance"
    publish(duck.store_path, url, log=lambda _: None)
    return duck, replace(duck, store_engine="clickhouse", clickhouse_url=url)


def test_bound_values_of_every_catalog_type_round_trip(front: str) -> None:
    client = server_client(front)
    text = "它's \t tab \\ backslash\nline"
    row = client.query(
        "SELECT {i:Int64} AS i, {m:Decimal(38, 10)} AS m, {d:Date32} AS d, "
        "{t:DateTime64(6)} AS t, {s:String} AS s, {a:Array(String)} AS a, "
        "{n:Nullable(String)} AS n, {b:Bool} AS b",
        parameters={"i": -7, "m": Decimal("1234.5678"), "d": date(1950, 1, 1),
                    "t": "2026-11-20 10:11:12.123456", "s": text, "a": ["甲", "乙'"],
                    "n": None, "b": True}).result_rows[0]
    assert row[:3] == (-7, Decimal("1234.5678"), date(1950, 1, 1))
    assert str(row[3]) == "2026-11-20 10:11:12.123456"
    assert row[4:] == (text, ["甲", "乙'"], None, True)
    assert client.command("SELECT 1") == 1
    assert client.server_version.count(".") == 3


def test_long_bound_values_sent_as_a_form_are_bound(front: str) -> None:
    # Past 4 KB of bound values the client sends a multipart form (a detail page's ids).
    ids = list(range(1, 3_001))
    client = server_client(front)
    assert client.query("SELECT count(), sum(x) FROM numbers(5000) ARRAY JOIN [number] AS x "
                        "WHERE x IN {ids:Array(Int64)}", parameters={"ids": ids}
                        ).result_rows == [(3_000, sum(ids))]


def test_errors_are_the_servers(front: str) -> None:
    client = server_client(front)
    with pytest.raises(DatabaseError, match=r"code: 60.*UNKNOWN_TABLE"):
        client.query("SELECT * FROM no_such_table")
    raw = requests.post(f"{front}/", data=b"SELEC 1", timeout=10)
    assert raw.status_code == 400 and raw.headers["X-ClickHouse-Exception-Code"] == "62"
    assert raw.text.startswith("Code: 62. DB::Exception: ") and "(version " in raw.text
    unknown = requests.get(f"{front}/", params={"query": "SELECT 1", "no_such_setting": "1"},
                           timeout=10)
    assert unknown.status_code == 404 and "UNKNOWN_SETTING" in unknown.text
    # A setting in the URL applies to that request only: nothing persists between them.
    one = requests.get(f"{front}/", params={
        "query": "SELECT getSetting('max_threads')", "max_threads": "3"}, timeout=10)
    again = requests.get(f"{front}/", params={"query": "SELECT getSetting('max_threads')"},
                         timeout=10)
    assert one.text == "3\n" and again.text != "3\n"


def test_arrow_inserts_and_result_columns(front: str) -> None:
    client = server_client(front)
    client.command("CREATE DATABASE IF NOT EXISTS arrow_db")
    client.command("DROP TABLE IF EXISTS arrow_db.t SYNC")
    client.command("CREATE TABLE arrow_db.t (id Int64, name Nullable(String), "
                   "premium Nullable(Decimal(18, 2)), start Date32) ENGINE = MergeTree ORDER BY id")
    batch = pa.table({"id": [1, 2, 3], "name": ["张三", None, "O'Brien"],
                      "premium": pa.array([Decimal("1.10"), Decimal("2.20"), None],
                                          pa.decimal128(18, 2)),
                      "start": [date(2026, 11, 20), date(1950, 1, 1), date(2100, 1, 1)]})
    client.insert_arrow("arrow_db.t", batch)
    assert client.command("SELECT count() FROM arrow_db.t") == 3
    result = server_client(f"{front}/arrow_db", "arrow_db").query(
        "SELECT * FROM t ORDER BY id")
    assert result.column_names == ("id", "name", "premium", "start")
    assert result.result_rows[1] == (2, None, Decimal("2.20"), date(1950, 1, 1))
    assert result.result_rows[2][1:3] == ("O'Brien", None)


def test_publish_swaps_a_new_version_in(front: str, small: tuple[Settings, Settings]) -> None:
    duck, _ = small
    store_path, url = duck.store_path, f"{front}/served"
    publish(store_path, url, log=lambda _: None)
    engine = ClickHouseEngine(replace(duck, store_engine="clickhouse", clickhouse_url=url))
    first = engine.published_version()
    policies = engine.fetch("SELECT count() FROM policy")[1][0][0]
    assert policies > 0
    # A second publish replaces every table through EXCHANGE TABLES: a new version, the
    # same rows, and no staged table left behind.
    publish(store_path, url, log=lambda _: None)
    assert engine.published_version() > first
    assert engine.fetch("SELECT count() FROM policy")[1][0][0] == policies
    staged = engine.fetch("SELECT name FROM system.tables WHERE database = 'served' "
                          "AND name LIKE '%\\_\\_new'")[1]
    assert staged == []


def test_demo_colleagues_are_found_on_clickhouse(small: tuple[Settings, Settings]) -> None:
    # The demo users' work log names colleagues: the same ones on either engine.
    duck, clickhouse = small
    demo = find_demo_people(engine_for(clickhouse))
    assert demo is not None and demo == find_demo_people(engine_for(duck))
    found = demo_colleagues(engine_for(clickhouse), demo.branch_id, demo.dept_id,
                            demo.sales_staff_id)
    assert found and found == demo_colleagues(engine_for(duck), demo.branch_id, demo.dept_id,
                                              demo.sales_staff_id)


def test_a_swap_that_fails_leaves_the_old_store_whole(front: str, tmp_path: Path,
                                                      small: tuple[Settings, Settings]) -> None:
    duck, _ = small
    url = f"{front}/halfway"
    publish(duck.store_path, url, log=lambda _: None)
    engine = ClickHouseEngine(replace(duck, store_engine="clickhouse", clickhouse_url=url))
    version = engine.published_version()
    rates = engine.fetch("SELECT count() FROM exchange_rate")[1][0][0]
    changed = tmp_path / "changed.duckdb"
    shutil.copy(duck.store_path, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute("DELETE FROM exchange_rate WHERE currency_id = 2")
    # The version's swap, the last, is refused: every table was swapped before it.
    refuse(front, rb"EXCHANGE TABLES `halfway`.`store_meta`")
    try:
        with pytest.raises(DatabaseError, match="refused by the test"):
            publish(changed, url, log=lambda _: None)
    finally:
        refuse(front)
    assert engine.published_version() == version
    assert engine.fetch("SELECT count() FROM exchange_rate")[1][0][0] == rates
    staged = engine.fetch("SELECT name FROM system.tables WHERE database = 'halfway' "
                          "AND name LIKE '%\\_\\_new'")[1]
    assert staged == []
