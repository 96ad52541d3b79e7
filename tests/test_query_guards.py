"""What a user can bend through the query parameters, refused on the server: masked
personal data read back through column filters or sort, names of another branch's
business in the drill-down breadcrumb, malformed filters, cursors and grid requests
(a 400 naming the parameter, never a 500), and summaries of unbounded size."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient

from auth.templates import DEMO_PASSWORD
from auth.users import create_user, get_user
from data.settings import Settings
from engines.base import Engine
from layouts.report_page import detail_view, report_page
from queries import engine as reporting
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.spec import Col, Report
from tests.catalog_args import source_rows, wide_args

MASKED_USER, PERSONAL_USER = "section01", "gm"  # 科长 sees personal data masked
PERSONAL = [(slug, c) for slug, r in sorted(CATALOG.items()) for c in r.detail if c.personal]
GM = Viewer(1, "gm", "总经理", frozenset(), DataScope("company"), True)


def grid_callback(slug: str, query: dict[str, Any], grid_request: Any) -> dict[str, Any]:
    """The Dash request the detail grid sends for a block of rows."""
    grid = {"report": slug, "type": "detail-grid"}
    return {
        "output": '..{"report":["MATCH"],"type":"detail-grid"}.getRowsResponse...'
                  '{"report":["MATCH"],"type":"detail-count"}.children..',
        "outputs": [{"id": grid, "property": "getRowsResponse"},
                    {"id": {"report": slug, "type": "detail-count"}, "property": "children"}],
        "inputs": [{"id": grid, "property": "getRowsRequest", "value": grid_request}],
        "changedPropIds": [json.dumps(grid, separators=(",", ":"), sort_keys=True)
                           + ".getRowsRequest"],
        "state": [{"id": {"report": slug, "type": "page-query"}, "property": "data",
                   "value": query}],
    }


def grid_answer(client: FlaskClient, slug: str, query: dict[str, Any],
                grid_request: Any) -> tuple[dict[str, Any], str]:
    resp = client.post("/_dash-update-component",
                       json=grid_callback(slug, {**query, "run": "1", "level": "detail"},
                                          grid_request))
    assert resp.status_code == 200, resp.data[:300]
    out = resp.get_json()["response"]
    rows = out[json.dumps({"report": slug, "type": "detail-grid"}, separators=(",", ":"))]
    count = out[json.dumps({"report": slug, "type": "detail-count"}, separators=(",", ":"))]
    return rows["getRowsResponse"], str(count["children"])


MASKED_STEWARD = "guard-steward"  # the customer-data lists' role, personal data masked


@pytest.fixture
def masked_user(settings: Settings) -> Any:
    """The masked viewer who may open ``slug``: 科长, or for the customer-data lists a
    data steward without the personal-data flag."""
    def pick(slug: str) -> str:
        if CATALOG[slug].area != "customer_data":
            return MASKED_USER
        if get_user(settings.users_db, username=MASKED_STEWARD) is None:
            steward = get_user(settings.users_db, username="steward01")
            assert steward is not None
            create_user(settings.users_db, username=MASKED_STEWARD, display_name="脱敏管理员",
                        password=DEMO_PASSWORD, scope=steward.scope,
                        pages=set(steward.pages), role=steward.role, personal_data=False,
                        must_change_password=False, branch_id=steward.branch_id)
        return MASKED_STEWARD
    return pick


def viewer_of(settings: Settings, username: str) -> Viewer:
    user = get_user(settings.users_db, username=username)
    assert user is not None
    return user.viewer()


def grid_columns(engine: Engine, report: Report, viewer: Viewer, args: dict[str, str]
                 ) -> dict[str, dict[str, Any]]:
    view = detail_view(engine, report, reporting.parse_filters(report, args, engine.settings.today),
                       viewer, args)
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id", {}) == {"type": "detail-grid", "report": report.slug}:
                found.extend(props["columnDefs"])
            for value in (props.values() if "props" in node else node.values()):
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(json.dumps(view.to_plotly_json(), default=lambda o: o.to_plotly_json())))
    return {d["field"]: d for d in found}


# --- 1. personal columns ---------------------------------------------------------------


def test_the_masking_oracle_of_the_report_is_refused(login: Any, as_of: date) -> None:
    """The request that read a reporter's phone digit by digit now answers 400."""
    client = login(MASKED_USER)
    args = wide_args(CATALOG["claims-unregistered"], as_of)
    resp = client.get("/api/reports/claims-unregistered", query_string={
        **args, "level": "detail",
        "filter": json.dumps({"reporter_phone": {"type": "contains", "filter": "1965"}})})
    assert resp.status_code == 400
    assert resp.get_json()["filter"] == "reporter_phone"
    assert "报案电话" in resp.get_json()["error"] and "脱敏" in resp.get_json()["error"]


@pytest.mark.parametrize(("slug", "col"), PERSONAL, ids=[f"{s}-{c.key}" for s, c in PERSONAL])
def test_a_masked_personal_column_is_neither_filtered_nor_sorted(
        login: Any, masked_user: Any, engine: Engine, as_of: date, slug: str, col: Col
) -> None:
    report = CATALOG[slug]
    client = login(masked_user(slug))
    args = wide_args(report, as_of)
    model = {col.key: {"filterType": "text", "type": "contains", "filter": "1"}}
    by_filter = {**args, "level": "detail", "filter": json.dumps(model)}
    by_sort = {**args, "level": "detail", "sort": f"{col.key}:asc"}
    for query, key in ((by_filter, col.key), (by_sort, "sort")):
        for resp in (client.get(f"/api/reports/{slug}", query_string=query),
                     client.get(f"/export/{slug}.csv", query_string=query),
                     client.get(f"/export/{slug}.xlsx", query_string=query),
                     client.post(f"/api/reports/{slug}/exports", query_string=query)):
            assert resp.status_code == 400, (resp.request.path, query, resp.data[:200])
            body = resp.get_json()
            assert body["filter"] == key and col.label in body["error"], body
            assert b"rows" not in resp.data
    grid = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": model}
    rows, count = grid_answer(client, slug, args, grid)
    assert rows["rowData"] == [] and col.label in count and "脱敏" in count
    rows, count = grid_answer(client, slug, args, {**grid, "filterModel": {},
                                                   "sortModel": [{"colId": col.key,
                                                                  "sort": "desc"}]})
    assert rows["rowData"] == [] and col.label in count
    # The grid does not offer what the server refuses.
    masked = grid_columns(engine, report, viewer_of(engine.settings, masked_user(slug)),
                          args)[col.key]
    assert masked["sortable"] is False and "filter" not in masked


@pytest.mark.parametrize(("slug", "col"), [(s, c) for s, c in PERSONAL if c.lookup is None],
                         ids=[f"{s}-{c.key}" for s, c in PERSONAL if c.lookup is None])
def test_with_the_permission_a_personal_column_still_filters_and_sorts(
        login: Any, engine: Engine, as_of: date, slug: str, col: Col) -> None:
    report = CATALOG[slug]
    client = login(PERSONAL_USER)
    args = wide_args(report, as_of)
    page = client.get(f"/api/reports/{slug}", query_string={
        **args, "level": "detail", "limit": 200, "sort": f"{col.key}:desc"})
    assert page.status_code == 200, page.get_json()
    values = [r[col.key] for r in page.get_json()["rows"]]
    present = [v for v in values if v]
    assert present and "*" not in present[0]
    assert present == sorted(present, reverse=True)
    hit = client.get(f"/api/reports/{slug}", query_string={
        **args, "level": "detail", "filter": json.dumps(
            {col.key: {"filterType": "text", "type": "equals", "filter": present[0]}})})
    assert hit.status_code == 200
    assert hit.get_json()["total"] >= 1
    assert {r[col.key] for r in hit.get_json()["rows"]} == {present[0]}
    offered = grid_columns(engine, report, viewer_of(engine.settings, PERSONAL_USER), args)[col.key]
    assert offered["sortable"] is True and offered["filter"] == "agTextColumnFilter"


# --- 7. drill-down labels --------------------------------------------------------------

LABELLED = [(slug, d.key) for slug, r in sorted(CATALOG.items()) if r.scoped
            for d in r.dims if d.lookup is not None]


def _outside(engine: Engine, report: Report, dim_key: str, branch_id: int,
             args: dict[str, str], as_of: date) -> Any:
    """A value of the dimension whose rows are all in other branches, with rows within the
    report's required filters (a month, a date)."""
    dim = next(d for d in report.dims if d.key == dim_key)
    where = report.where or "TRUE"
    for name in report.setting_params:
        value = getattr(engine.settings, name)
        literal = f"[{', '.join(repr(v) for v in value)}]" if isinstance(value, tuple) \
            else f"DATE '{value}'" if isinstance(value, date) else str(value)
        where = where.replace(f"${name}", literal)
    rows = source_rows(engine.settings, report,
                       f"SELECT {dim.column} FROM {report.source} WHERE ({where}) "
                       f"AND {dim.column} IS NOT NULL GROUP BY 1 "
                       f"HAVING bool_and({report.scope.branch} <> ?) ORDER BY 1 LIMIT 200",
                       [branch_id])
    for (value,) in rows:
        drilled = reporting.parse_filters(report, {**args, f"d_{dim_key}": str(value)}, as_of)
        if reporting.run_detail(engine, report, drilled, GM, limit=1, with_total=False).rows:
            return value
    raise AssertionError(f"{report.slug}: no {dim_key} outside branch {branch_id} with rows")


@pytest.mark.parametrize(("slug", "dim_key"), LABELLED, ids=[f"{s}-{d}" for s, d in LABELLED])
def test_a_drill_down_names_only_what_the_viewer_may_see(app_server: Any, engine: Engine,
                                                         as_of: date, slug: str, dim_key: str
                                                         ) -> None:
    report = CATALOG[slug]
    dim = next(d for d in report.dims if d.key == dim_key)
    branch = viewer_of(engine.settings, "branch01")
    assert branch.scope.branch_id is not None
    args = wide_args(report, as_of)
    value = _outside(engine, report, dim_key, branch.scope.branch_id, args, as_of)
    assert dim.lookup is not None
    code = [dim.lookup.code] if dim.lookup.code else []
    found = reporting.lookup_rows(engine, dim.lookup.table, dim.lookup.key,
                               [dim.lookup.column, *code], [value])[value]
    shown = " ".join(str(v) for v in [*found[1:], found[0]])
    drilled = reporting.parse_filters(report, {**args, f"d_{dim_key}": str(value)}, as_of)
    assert reporting.drill_names(engine, report, drilled, branch) == {}
    query = {**args, f"d_{dim_key}": str(value), "run": "1", "level": "detail"}
    page = str(report_page(engine, report, branch, query).to_plotly_json())
    assert f"{dim.label}: {value}" in page and f"{dim.label}: {shown}" not in page
    assert f"{dim.label}: {shown}" in str(report_page(engine, report, GM, query)
                                          .to_plotly_json())
    company = reporting.parse_filters(report, {**args, f"d_{dim_key}": str(value)}, as_of)
    assert reporting.drill_names(engine, report, company, GM) == {dim_key: shown}
    # Within the scope the name is shown: a group of branch01's own summary.
    summary = next((s.key for s in report.summaries if dim_key in s.dimensions), None)
    group_by = [dim_key] if dim_key in report.free_dims else None
    if summary is None and group_by is None:
        return  # the dimension is only ever drilled from a link
    mine = reporting.run_summary(engine, report, reporting.parse_filters(report, args, as_of),
                              branch, summary, group_by=group_by, max_groups=5)
    own = next(r for r in mine.rows if r[dim_key] is not None)
    own_values = reporting.parse_filters(report, {**args, f"d_{dim_key}": str(own[dim_key])},
                                      as_of)
    own_shown = " ".join(str(own[k]) for k in (f"{dim_key}_code", f"{dim_key}_label")
                         if own.get(k) is not None)
    assert reporting.drill_names(engine, report, own_values, branch) == {dim_key: own_shown}


def test_the_reported_breadcrumb_leak_is_closed(login: Any, app_server: Any,
                                                engine: Engine) -> None:
    """/reports/pnl-insured?run=1&level=detail&d_insured=<another branch's customer>."""
    report = CATALOG["pnl-insured"]
    branch = viewer_of(engine.settings, "branch01")
    assert branch.scope.branch_id is not None
    value = _outside(engine, report, "insured", branch.scope.branch_id,
                     wide_args(report, engine.settings.today), engine.settings.today)
    name = reporting.lookup_rows(engine, "customer", "customer_id", ["customer_name"],
                              [value])[value][0]
    page = str(report_page(engine, report, branch, {"run": "1", "level": "detail",
                                                      "d_insured": str(value)})
               .to_plotly_json())
    assert name not in page and f"被保险人: {value}" in page


# --- 11. malformed input ---------------------------------------------------------------


def _cursor(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


BAD_API = [
    ("claims-open", {"filter": json.dumps({"register_date": {"type": "equals",
                                                             "filter": "abc"}})},
     "register_date"),
    ("claims-open", {"filter": json.dumps({"register_date": {"type": "equals",
                                                             "filter": "2026-02-30"}})},
     "register_date"),
    ("pnl-auto-cube", {"filter": json.dumps({"plate_no": {"type": "contains",
                                                          "filter": ["沪", "A"]}})},
     "plate_no"),
    ("pnl-auto-cube", {"filter": json.dumps({"plate_no": {"type": "contains",
                                                          "filter": {"x": 1}}})},
     "plate_no"),
    ("pnl-auto-cube", {"filter": json.dumps({"claims_registered": {
        "filterType": "number", "type": "equals", "filter": 1e30}})}, "claims_registered"),
    ("pnl-auto-cube", {"filter": '{"claims_registered": {"filterType": "number", '
                                 '"type": "equals", "filter": 1' + "0" * 30 + "}}"},
     "claims_registered"),
    ("pnl-auto-cube", {"filter": json.dumps(["plate_no"])}, "filter"),
    ("pnl-auto-cube", {"cursor": _cursor([1, 2])}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": "2024-01-01", "o": 100})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": ["2024-01-01"], "o": 100})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": ["2024-01-01", 5], "o": 10 ** 30})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": ["2024-01-01", 5], "o": -1})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": [{"a": 1}, 5], "o": 100})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": ["abc", 5], "o": 100})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": [7, 5], "o": 100})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": ["2024-01-01", "x"], "o": 100})}, "cursor"),
    ("pnl-auto-cube", {"cursor": _cursor({"v": ["2024-01-01", 10 ** 30], "o": 1})}, "cursor"),
    ("pnl-auto-cube", {"sort": "premium_cny:sideways"}, "sort"),
]


@pytest.mark.parametrize(("slug", "query", "key"), BAD_API,
                         ids=[f"{s}-{json.dumps(q)[:70]}" for s, q, _ in BAD_API])
def test_malformed_input_is_a_400_naming_the_parameter(login: Any, as_of: date, slug: str,
                                                       query: dict[str, str], key: str) -> None:
    client = login("gm")
    args = {**wide_args(CATALOG[slug], as_of), "level": "detail", **query}
    for resp in (client.get(f"/api/reports/{slug}", query_string=args),
                 client.get(f"/export/{slug}.csv", query_string=args)):
        if "cursor" in query and resp.request.path.startswith("/export"):
            continue  # an export has no cursor
        assert resp.status_code == 400, (resp.request.path, resp.data[:300])
        body = resp.get_json()
        assert body["filter"] == key and body["error"], body


BAD_GRID = [
    ({"startRow": -1, "endRow": 100}, "startRow"),
    ({"startRow": "abc", "endRow": 100}, "startRow"),
    ({"startRow": 0, "endRow": "100"}, "endRow"),
    ({"startRow": 100, "endRow": 50}, "endRow"),
    ({"startRow": 0, "endRow": 10 ** 9}, "endRow"),
    ({"startRow": 10 ** 30, "endRow": 10 ** 30 + 100}, "startRow"),
    ({"startRow": 0, "endRow": 100, "sortModel": [{"colId": "premium_cny"}]}, "排序"),
    ({"startRow": 0, "endRow": 100, "sortModel": "premium_cny"}, "排序"),
    ({"startRow": 0, "endRow": 100, "filterModel": {"start_date": {
        "filterType": "date", "type": "equals", "dateFrom": "2026-02-30 00:00:00"}}}, "起保日期"),
    ({"startRow": 0, "endRow": 100, "filterModel": {"claims_registered": {
        "filterType": "number", "type": "equals", "filter": 10 ** 30}}}, "立案次数"),
    ({"startRow": 0, "endRow": 100, "filterModel": ["x"]}, "列筛选"),
    ("rows please", "表格请求"),
]


@pytest.mark.parametrize(("grid", "named"), BAD_GRID,
                         ids=[json.dumps(g)[:70] for g, _ in BAD_GRID])
def test_a_malformed_grid_request_shows_the_message(login: Any, grid: Any, named: str) -> None:
    rows, count = grid_answer(login("gm"), "pnl-auto-cube", {}, grid)
    assert rows == {"rowData": [], "rowCount": 0}
    assert count.startswith("查询条件有误") and named in count


def test_every_cursor_the_server_hands_out_is_taken_back(engine: Engine) -> None:
    """Each report, sorted by a column of each type it may be sorted on (a cursor holds the
    sort value as its type encodes it): the next page's cursor is accepted (the checks
    above refuse only what the server never made)."""
    for report in CATALOG.values():
        values = reporting.parse_filters(report, wide_args(report, engine.settings.today),
                                         engine.settings.today)
        kinds: set[tuple[str, bool]] = set()
        for col in report.detail:
            if col.lookup is not None or (col.type, bool(col.personal)) in kinds:
                continue
            kinds.add((col.type, bool(col.personal)))
            first = reporting.run_detail(engine, report, values, GM, sort=[(col.key, "desc")],
                                      limit=3, with_total=False)
            if first.next_cursor is None:
                continue
            second = reporting.run_detail(engine, report, values, GM,
                                       sort=[(col.key, "desc")], limit=3,
                                       cursor=first.next_cursor, with_total=False)
            assert second.rows != first.rows, (report.slug, col.key)
        default = reporting.run_detail(engine, report, values, GM, limit=2, with_total=False)
        if default.next_cursor:
            reporting.run_detail(engine, report, values, GM, limit=2,
                              cursor=default.next_cursor, with_total=False)


def test_a_cursor_of_another_order_is_refused(engine: Engine) -> None:
    report = CATALOG["pnl-auto-cube"]
    values = reporting.parse_filters(report, {})
    page = reporting.run_detail(engine, report, values, GM, sort=[("premium_cny", "desc")],
                             limit=3)
    assert page.next_cursor
    raw = orjson.loads(base64.urlsafe_b64decode(page.next_cursor))
    assert len(raw["v"]) == 2
    with pytest.raises(reporting.FilterError) as err:
        reporting.run_detail(engine, report, values, GM, limit=3, cursor=page.next_cursor)
    assert err.value.filter_key == "cursor"


# --- 14. summary limit -----------------------------------------------------------------


def test_a_summary_limit_above_the_cap_is_a_400(login: Any, settings: Settings) -> None:
    client = login("gm")
    api = "/api/reports/pnl-insured?group_by=&summary=by-insured"
    cap = settings.summary_max_limit
    assert cap == 25_000
    resp = client.get(f"{api}&limit=1000000000")
    assert resp.status_code == 400 and resp.get_json()["filter"] == "limit"
    assert "25,000" in resp.get_json()["error"]
    assert client.get(f"{api}&limit={cap + 1}").status_code == 400
    ok = client.get(f"{api}&limit={cap}")
    assert ok.status_code == 200 and len(ok.get_json()["rows"]) <= cap


def test_the_summary_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARY_MAX_LIMIT", "300")
    monkeypatch.setenv("EXPORT_MAX_RUNNING", "3")
    settings = Settings.from_env()
    assert settings.summary_max_limit == 300 and settings.export_max_running == 3
