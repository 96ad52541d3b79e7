"""The app served from ClickHouse: same API answers, same exports, same access checks;
and typed values reach ClickHouse intact, never as SQL text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.templates import ensure_demo_users
from data.settings import Settings
from engines import engine_for
from queries.catalog import CATALOG
from queries.sql import Params, Statement
from queries.store import run
from tests.auth_fixtures import sign_in
from tests.catalog_args import wide_args
from tests.test_engines_same_figures import assert_same_rows

REPORTS = ("pnl-auto-cube", "claims-open", "receivable-branch", "proposal-status",
           "exchange-rates", "commission-list")
AWKWARD = ["O'Brien", 'say "hi"', "a\\b", "100%", "a_b", "*", "tab\there", "new\nline",
           "张三（广州）", "\\%", "'; DROP TABLE policy; --", ""]


def _signed_in(server: Flask) -> Callable[[str], FlaskClient]:
    return lambda username: sign_in(server, username)


@pytest.fixture(scope="module")
def both(settings: Settings, clickhouse: Settings
         ) -> tuple[Callable[[str], FlaskClient], Callable[[str], FlaskClient]]:
    from app import create_app

    duck = replace(settings, login_fail_delay=0.0)
    ch = replace(clickhouse, login_fail_delay=0.0)
    ensure_demo_users(engine_for(duck))
    return _signed_in(create_app(duck).server), _signed_in(create_app(ch).server)


@pytest.mark.parametrize("slug", REPORTS)
@pytest.mark.parametrize("user", ["gm", "branch01"])
def test_api_same_on_both_engines(slug: str, user: str, both: tuple, as_of: date) -> None:
    duck, ch = (login(user) for login in both)
    args = urlencode(wide_args(CATALOG[slug], as_of))
    base = f"/api/reports/{slug}?{args}"
    for query in (base, f"{base}&level=detail&limit=200"):
        d, c = duck.get(query), ch.get(query)
        assert d.status_code == c.status_code == 200, (query, c.get_data(as_text=True)[:300])
        dj, cj = d.get_json(), c.get_json()
        assert_same_rows(dj["rows"], cj["rows"], query)
        assert dj.get("total") == cj.get("total")
        if "totals" in dj:
            assert_same_rows([dj["totals"]], [cj["totals"]], query)


def test_csv_export_identical_and_grants_enforced(both: tuple, as_of: date) -> None:
    duck, ch = both
    url = "/export/claims-open.csv?registered_from=2025-01-01&registered_to=2026-11-20"
    d, c = duck("claims01").get(url), ch("claims01").get(url)
    assert d.status_code == c.status_code == 200
    assert d.data == c.data and d.data.count(b"\n") > 10
    # A user without the page's grant is refused the same way on ClickHouse.
    refused = ch("finance01").get("/api/reports/claims-open")
    assert refused.status_code == 403


@pytest.mark.parametrize("engine", ["duckdb", "clickhouse"])
def test_awkward_values_round_trip_as_parameters(engine: str, settings: Settings,
                                                 clickhouse: Settings) -> None:
    target = clickhouse if engine == "clickhouse" else settings
    params = Params()
    select = ", ".join(f"{params.bind(v)} AS v{i}" for i, v in enumerate(AWKWARD))
    _, rows = run(engine_for(target), Statement(f"SELECT {select}", params.values))
    assert list(rows[0]) == AWKWARD
    # Old dates survive too (a ClickHouse Date parameter would turn 1950 into 1970).
    p = Params()
    st = Statement(f"SELECT {p.bind(date(1950, 1, 1))} AS d", p.values)
    assert run(engine_for(target), st)[1][0][0] == date(1950, 1, 1)


def test_text_filter_with_wildcards_same_on_both(both: tuple) -> None:
    duck, ch = (login("gm") for login in both)
    for typed in ["P*", "*%*", "a_b", "O'Brien\\", "张*"]:
        query = f"/api/reports/commission-list?level=detail&limit=50&agent={typed}"
        d, c = duck.get(query), ch.get(query)
        assert d.status_code == c.status_code == 200, typed
        assert_same_rows(d.get_json()["rows"], c.get_json()["rows"], typed)


def test_failed_publish_changes_nothing(settings: Settings, clickhouse: Settings,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import engines.clickhouse_publish as P
    from engines import engine_for
    from engines.clickhouse_engine import ClickHouseEngine

    served = engine_for(clickhouse)
    assert isinstance(served, ClickHouseEngine)
    version = served.published_version()
    report = CATALOG["claims-open"]
    from queries.access import DataScope, Viewer
    from queries.engine import parse_filters, run_summary

    gm = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    values = parse_filters(report, wide_args(report, date(2026, 11, 20)))
    fresh = replace(clickhouse, results_cache_entries=0)
    before = run_summary(engine_for(fresh), report, values, gm).totals
    copied = []

    def failing_copy(con, ch, database, table, target):  # type: ignore[no-untyped-def]
        copied.append(table)
        if len(copied) == 5:
            raise RuntimeError("disk full")
        return real_copy(con, ch, database, table, target)

    real_copy = P._copy
    monkeypatch.setattr(P, "_copy", failing_copy)
    with pytest.raises(RuntimeError, match="disk full"):
        P.publish(settings.store_path, clickhouse.clickhouse_url, log=lambda _: None)
    assert served.published_version() == version
    assert run_summary(engine_for(fresh), report, values, gm).totals == before
    _, tables = engine_for(clickhouse).fetch(
        "SELECT name FROM system.tables WHERE database = currentDatabase()")
    names = {t[0] for t in tables}
    assert "policy_pnl" in names and not [n for n in names if n.endswith("__new")]
