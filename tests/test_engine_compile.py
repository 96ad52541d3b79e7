"""The compiler: operators, escaping, scope predicates, keyset paging, catalog checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from data.settings import Settings
from engines.base import Engine
from queries import sql as C
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG, CatalogError, check_report, validate
from queries.engine import FilterError, parse_filters, run_detail
from queries.spec import Col, Filter
from queries.store import table_columns
from tests.catalog_args import source_rows, wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


@pytest.fixture(autouse=True)
def _store_types(settings: Settings) -> None:
    """Filters read their value types from the test store (as the app at start-up), so
    no test here depends on another having opened it first."""


@pytest.mark.parametrize(("typed", "like"), [
    ("DAA", "DAA"),
    ("D*", "D%"),
    ("?A*", "_A%"),
    ("50%", "50\\%"),
    ("A_B", "A\\_B"),
    ("a\\b", "a\\\\b"),
    ("*%*", "%\\%%"),
])
def test_pattern_operator_uses_only_the_users_wildcards(typed: str, like: str) -> None:
    assert C.pattern_to_like(typed) == like


@pytest.mark.parametrize("value", ["O'Brien", "a\\b", "100%", "x_y", "*", "a\tb\nc", "张三丰",
                                   "'; DROP TABLE policy; --"])
def test_user_values_are_bound_never_in_the_sql(value: str) -> None:
    report = CATALOG["proposal-status"]
    values = parse_filters(report, {"insured_name": value, "proposal_no": value})
    st = C.summary_statement(report, [], values.conditions, GM, {})
    sql = st.sql()
    assert value.strip() not in sql or value.strip() in {"*"}
    assert any(value.strip() in str(v) for v in st.params.values())


def test_pattern_matches_literally_on_the_store() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t(code VARCHAR)")
    con.execute("INSERT INTO t VALUES ('DAA'), ('DZA'), ('D%A'), ('D_A'), ('QAA'), ('DA')")
    def hits(pattern: str) -> list[str]:
        params = C.Params()
        sql = C.predicate_sql(C.Condition("code", "like", C.pattern_to_like(pattern)), params)
        rows = con.execute(f"SELECT code FROM t WHERE {sql} ORDER BY code", params.values)
        return [r[0] for r in rows.fetchall()]
    assert hits("D*") == ["D%A", "DA", "DAA", "DZA", "D_A"]
    assert hits("D?A") == ["D%A", "DAA", "DZA", "D_A"]
    assert hits("D%A") == ["D%A"]
    assert hits("D_A") == ["D_A"]
    assert hits("DA") == ["DA"]  # no implicit wrapping


def test_code_pattern_filter_reads_operator() -> None:
    report = CATALOG["pnl-auto-cube"]
    flt = Filter("risk", "险种", "code_pattern", "risk_code")
    custom = replace(report, filters=(*report.filters, flt))
    exact = parse_filters(custom, {"risk": "DA*", "risk_op": "="}).conditions[-1]
    pattern = parse_filters(custom, {"risk": "DA*", "risk_op": "$"}).conditions[-1]
    assert (exact.op, exact.value) == ("=", "DA*")
    assert (pattern.op, pattern.value) == ("like", "DA%")
    with pytest.raises(FilterError, match="查询符"):
        parse_filters(custom, {"risk": "DA*", "risk_op": "~"})


@pytest.mark.parametrize(("scope", "expected"), [
    (DataScope("company"), "TRUE"),
    (DataScope("branch", branch_id=3), "branch_id = $p0"),
    (DataScope("department", branch_id=3, dept_id=9), "dept_id = $p0"),
    (DataScope("self", branch_id=3, dept_id=9, staff_id=42), "salesman_id = $p0"),
])
def test_scope_predicate(scope: DataScope, expected: str) -> None:
    params = C.Params()
    viewer = replace(GM, scope=scope)
    assert C.scope_sql(CATALOG["proposal-status"], viewer, params) == expected
    assert list(params.values.values()) == ([] if scope.level == "company" else
                                            [scope.branch_id if scope.level == "branch" else
                                             scope.dept_id if scope.level == "department"
                                             else scope.staff_id])


def test_status_w_only_alone() -> None:
    report = CATALOG["proposal-status"]
    assert parse_filters(report, {"status": "0,1,2,3,9"}).conditions
    assert parse_filters(report, {"status": "w"}).conditions
    with pytest.raises(FilterError) as err:
        parse_filters(report, {"status": "1,w"})
    assert err.value.filter_key == "status" and "单独" in err.value.message


@pytest.mark.parametrize(("args", "key"), [
    ({"end_from": "2025-13-01"}, "end"),
    ({"end_to": "2025-02-30"}, "end"),
    ({"end_from": "2025-13-01", "end_to": "2025-12-31"}, "end"),
    ({"end_from": "2025-12-31", "end_to": "2025-01-01"}, "end"),
    ({"end_from": "2025-01-01", "end_to": "2025-02-01", "d_nope": "1"}, "d_nope"),
])
def test_bad_filters_name_the_filter(args: dict[str, str], key: str) -> None:
    with pytest.raises(FilterError) as err:
        parse_filters(CATALOG["lapsed-auto"], args)
    assert err.value.filter_key == key


def test_keyset_pages_give_every_row_once_in_order(engine: Engine) -> None:
    report = CATALOG["pnl-auto-cube"]
    values = parse_filters(report, {"start_from": "2024-01-01", "start_to": "2024-03-31"})
    sort = [("premium_cny", "desc")]
    everything = run_detail(engine, report, values, GM, sort=sort, limit=10_000)
    assert 100 < everything.total < 10_000
    seen, cursor = [], None
    while True:
        page = run_detail(engine, report, values, GM, sort=sort, limit=97, cursor=cursor)
        seen += [r["policy_no"] for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [r["policy_no"] for r in everything.rows]
    premiums = [r["premium_cny"] for r in everything.rows]
    assert premiums == sorted(premiums, reverse=True)


def _nullable_sort_column(engine: Engine, report_slug: str) -> str | None:
    """A detail column the report sorts by that is NULL on some rows and not on others."""
    from queries.catalog import CATALOG as CAT

    report = CAT[report_slug]
    values = parse_filters(report, wide_args(report, engine.settings.today), engine.settings.today)
    rows = run_detail(engine, report, values, GM, limit=5_000).rows
    for col in report.detail:
        if col.lookup is not None or col.key == report.id_column:
            continue
        found = {row[col.key] is None for row in rows}
        if found == {True, False}:
            return col.key
    return None


@pytest.mark.parametrize("slug", sorted(CATALOG))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_keyset_pages_keep_rows_whose_sort_value_is_null(engine: Engine, slug: str,
                                                         direction: str) -> None:
    """Sorted on a column with NULLs (NULLS LAST either way), pages reach every row once."""
    report = CATALOG[slug]
    key = _nullable_sort_column(engine, slug)
    if key is None:
        pytest.skip("no detail column with NULLs on the test store")
    values = parse_filters(report, wide_args(report, engine.settings.today), engine.settings.today)
    sort = [(key, direction)]
    everything = run_detail(engine, report, values, GM, sort=sort, limit=3_000)
    ids = [tuple(sorted(r.items(), key=lambda kv: kv[0])) for r in everything.rows]
    assert any(r[key] is None for r in everything.rows) or everything.total > 3_000
    seen, cursor = [], None
    while len(seen) < len(ids):
        page = run_detail(engine, report, values, GM, sort=sort, limit=293, cursor=cursor)
        seen += [tuple(sorted(r.items(), key=lambda kv: kv[0])) for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen[:len(ids)] == ids
    tail = [r[key] for r in everything.rows]
    non_null = [v for v in tail if v is not None]
    assert non_null == sorted(non_null, reverse=direction == "desc")
    assert all(v is None for v in tail[len(non_null):])  # NULLs last


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_id_column_is_unique_among_detail_rows(settings: Settings, slug: str) -> None:
    """Keyset pages and the page's late read of its rows rely on it."""
    report = CATALOG[slug]
    where = f"WHERE {report.detail_where}" if report.detail_where else ""
    (rows, ids), = source_rows(settings, report,
                               f"SELECT count(*), count(DISTINCT {report.id_column}) "
                               f"FROM {report.source} {where}")
    assert rows == ids > 0


def test_catalog_matches_the_store(engine: Engine) -> None:
    validate(ALL_REPORTS, table_columns(engine))


def test_catalog_check_catches_mistakes(store_path: Path, engine: Engine) -> None:
    columns = table_columns(engine)
    report = CATALOG["lapsed-auto"]
    bad_col = replace(report, detail=(*report.detail, Col("no_such_column", "x")))
    bad_filter = replace(report, filters=(Filter("f", "f", "text", "nope"),))
    bad_dim = replace(report, free_dims=("ghost",))
    assert any("no_such_column" in p for p in check_report(bad_col, columns))
    assert any("nope" in p for p in check_report(bad_filter, columns))
    assert any("ghost" in p for p in check_report(bad_dim))
    with pytest.raises(CatalogError):
        validate((bad_col,), columns)
