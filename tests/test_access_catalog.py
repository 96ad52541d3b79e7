"""Generated from the catalog: every report page × every demo user, through the page,
a forged Dash callback, the API and the export. Allowed users get data within their
scope only; others get 401/403 and no data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import duckdb
import pytest
from flask.testing import FlaskClient

from auth.templates import TEMPLATE_BY_ROLE
from auth.users import get_user
from data.settings import Settings
from queries import mirror
from queries.catalog import CATALOG
from queries.grants import resolve
from queries.spec import Report
from tests.auth_fixtures import DEMO_USERS
from tests.catalog_args import wide_args

ROLE_OF = {"admin": "系统管理员", "gm": "总经理", "branch01": "支公司经理", "section01": "科长",
           "sales01": "业务员", "claims01": "理赔主管", "finance01": "财务"}


def allowed(username: str, slug: str) -> bool:
    return slug in resolve(TEMPLATE_BY_ROLE[ROLE_OF[username]].pages)


def detail_callback_payload(slug: str, query: dict[str, str]) -> dict[str, Any]:
    grid = {"report": slug, "type": "detail-grid"}
    return {
        "output": '..{"report":["MATCH"],"type":"detail-grid"}.getRowsResponse...'
                  '{"report":["MATCH"],"type":"detail-count"}.children..',
        "outputs": [{"id": grid, "property": "getRowsResponse"},
                    {"id": {"report": slug, "type": "detail-count"}, "property": "children"}],
        "inputs": [{"id": grid, "property": "getRowsRequest",
                    "value": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}}],
        "changedPropIds": [json.dumps(grid, separators=(",", ":"), sort_keys=True)
                           + ".getRowsRequest"],
        "state": [{"id": {"report": slug, "type": "page-query"}, "property": "data",
                   "value": query}],
    }


def sql_literal(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"'{v}'" for v in value) + "]"
    if isinstance(value, date):
        return f"DATE '{value}'"
    return str(int(value))


def scope_count(settings: Settings, report: Report, username: str, as_of: date) -> int:
    """The rows of the report the user's scope allows, by a direct query of the store."""
    user = get_user(settings.users_db, username=username)
    assert user is not None
    column, value = {
        "company": ("TRUE", None), "branch": (report.scope.branch, user.branch_id),
        "department": (report.scope.department, user.dept_id),
        "self": (report.scope.self_, user.staff_id),
    }[user.scope if report.scoped else "company"]
    where = report.where or "TRUE"
    if report.detail_where:  # the rows a detail list shows
        where = f"({where}) AND ({report.detail_where})"
    for name in report.setting_params:
        where = where.replace(f"${name}", sql_literal(getattr(settings, name)))
    sql = f"SELECT count(*) FROM {report.source} WHERE ({where})"
    for f in report.filters:
        if f.required and f.kind == "date":
            sql += f" AND {f.column} {f.op} DATE '{as_of}'"
        if f.required and f.kind == "month":
            first = as_of.replace(day=1, month=1 if f.op == "ytd" else as_of.month)
            nxt = date(as_of.year + (as_of.month == 12), as_of.month % 12 + 1, 1)
            sql += f" AND {f.column} >= DATE '{first}' AND {f.column} < DATE '{nxt}'"
    if value is not None:
        sql += (f" AND list_contains({column}, {int(value)})" if report.scope.many
                else f" AND {column} = {int(value)}")
    if report.store == "operational":  # written data: on the mirror beside the store
        return int(mirror.fetch(settings, sql)[1][0][0])
    con = duckdb.connect(str(settings.store_path), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def render_page(server: Any, settings: Settings, slug: str, username: str) -> str:
    """The page's layout as the server renders it for this user."""
    import dash
    from flask_login import login_user

    from auth.web import SessionUser

    record = get_user(settings.users_db, username=username)
    assert record is not None
    layout = dash.page_registry[f"report-{slug}"]["layout"]
    with server.test_request_context():
        login_user(SessionUser(record))
        return str(layout().to_plotly_json())


CASES = [(slug, user) for slug in sorted(CATALOG) for user in DEMO_USERS]


@pytest.mark.parametrize(("slug", "username"), CASES)
def test_page_callback_api_export(app_server: Any, login: Any, settings: Settings, as_of: date,
                                  slug: str, username: str) -> None:
    report = CATALOG[slug]
    client: FlaskClient = login(username)
    args = wide_args(report, as_of)
    api = client.get(f"/api/reports/{slug}", query_string={**args, "level": "detail",
                                                           "limit": 5})
    forged = client.post("/_dash-update-component",
                         json=detail_callback_payload(slug, {**args, "run": "1",
                                                             "level": "detail"}))
    export = client.get(f"/export/{slug}.csv", query_string=args)
    listing = {r["slug"] for r in client.get("/api/reports").get_json()["reports"]}
    page = render_page(app_server, settings, slug, username)
    assert ("无权访问" in page) != allowed(username, slug)
    assert ("'type': 'run'" in page) == allowed(username, slug)  # the filter panel
    if not allowed(username, slug):
        assert api.status_code == 403 and "rows" not in api.get_json()
        assert forged.status_code == 403 and b"rowData" not in forged.data
        assert export.status_code == 403 and b"," not in export.data
        assert slug not in listing
        return
    assert slug in listing
    assert api.status_code == 200, api.data
    expected = scope_count(settings, report, username, as_of)
    assert expected > 0, f"{username} should see real rows on {slug}"
    assert api.get_json()["total"] == expected
    assert forged.status_code == 200
    response = forged.get_json()["response"]
    grid = json.dumps({"report": slug, "type": "detail-grid"}, separators=(",", ":"))
    assert response[grid]["getRowsResponse"]["rowCount"] == expected
    assert export.status_code == 200
    lines = export.data.decode("utf-8-sig").splitlines()
    assert len(lines) == expected + 1


@pytest.mark.parametrize("path", ["/api/reports", "/api/reports/lapsed-auto",
                                  "/export/lapsed-auto.csv", "/_dash-update-component",
                                  "/_dash-layout"])
def test_no_session_gets_401_json(app_server: Any, path: str) -> None:
    client = app_server.test_client()
    resp = client.post(path) if path.endswith("component") else client.get(path)
    assert resp.status_code == 401
    assert resp.get_json() == {"error": "未登录"}


@pytest.mark.parametrize("path", ["/", "/reports/pnl-auto-cube", "/admin/admin-users"])
def test_no_session_pages_redirect_to_login(app_server: Any, path: str) -> None:
    resp = app_server.test_client().get(path)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")


def _phones(rows: list[dict[str, Any]]) -> list[str]:
    return [r["mobile"] for r in rows if r.get("mobile")]


@pytest.mark.parametrize(("username", "masked"), [("gm", False), ("section01", True)])
def test_personal_data_masked_on_screen_api_and_export(login: Any, username: str,
                                                       masked: bool) -> None:
    client = login(username)
    args = {"end_from": "2000-01-01", "end_to": "2099-12-31"}
    api = client.get("/api/reports/lapsed-auto", query_string={**args, "level": "detail",
                                                               "limit": 50}).get_json()
    phones = _phones(api["rows"])
    assert phones
    assert all(("****" in p) == masked for p in phones)
    forged = client.post("/_dash-update-component", json=detail_callback_payload(
        "lapsed-auto", {**args, "run": "1", "level": "detail"})).get_json()
    grid = json.dumps({"report": "lapsed-auto", "type": "detail-grid"}, separators=(",", ":"))
    screen = _phones(forged["response"][grid]["getRowsResponse"]["rowData"])
    assert screen and all(("****" in p) == masked for p in screen)
    export = client.get("/export/lapsed-auto.csv", query_string=args)
    reader = csv.DictReader(io.StringIO(export.data.decode("utf-8-sig")))
    mobiles = [r["联系手机"] for r in reader if r["联系手机"]]
    assert mobiles and all(("****" in p) == masked for p in mobiles)
    xlsx = client.get("/export/lapsed-auto.xlsx", query_string=args)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    col = header.index("联系手机")
    cells = [r[col] for r in ws.iter_rows(min_row=2, values_only=True) if r[col]]
    assert cells and all(("****" in str(p)) == masked for p in cells)
