"""The 工作日志 queries as the demo users see them through the API and the exports: a note
sales01 saves is in 查询工作记事 at once for sales01, section01, branch01 and gm, and
another department's salesperson sees none of sales01's rows on any worklog report."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from auth.users import get_user, list_users
from data.settings import Settings
from engines.base import Engine
from queries.catalog import CATALOG

Login = Callable[[str], FlaskClient]
WORKLOG = sorted(s for s, r in CATALOG.items() if r.area == "worklog")


def _detail(client: FlaskClient, slug: str) -> list[dict[str, Any]]:
    resp = client.get(f"/api/reports/{slug}", query_string={"level": "detail", "limit": 10000})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["rows"]  # type: ignore[no-any-return]


def test_a_saved_note_is_seen_at_once_by_its_tiers_only(login: Login,
                                                        settings: Settings) -> None:
    sales01 = get_user(settings.users_db, username="sales01")
    assert sales01 is not None
    other = next(u for u in list_users(settings.users_db)
                 if u.role == "业务员" and not u.is_template and u.dept_id != sales01.dept_id)
    mark = f"查询测试-{uuid.uuid4().hex[:8]}"
    writer = login("sales01")
    saved = writer.post("/api/worklog/entries", json={
        "date": "2026-11-18", "content": mark, "cost": "35.50", "kind": "交通"})
    assert saved.status_code == 201, saved.get_json()
    for username in ("sales01", "section01", "branch01", "gm"):
        rows = _detail(login(username), "worklog-note-list")
        assert mark in {r["content"] for r in rows}, username
    own = _detail(writer, "worklog-note-list")
    mine = {r["staff_code"] for r in own} | {r["author_name"] for r in own}
    assert len(mine) == 2  # sales01 sees only their own notes: one code, one name
    outsider = login(other.username)
    for slug in WORKLOG:
        rows = _detail(outsider, slug)
        assert rows, f"{other.username} has rows of their own on {slug}"
        who = {r.get(k) for r in rows for k in ("staff_code", "author_name", "staff_name",
                                                "person_name")} - {None}
        assert who and not who & mine, slug
        export = outsider.get(f"/export/{slug}.csv")
        assert export.status_code == 200
        assert not any(code in export.data.decode("utf-8-sig") for code in mine), slug
    assert mark not in {r["content"] for r in _detail(outsider, "worklog-note-list")}


def test_a_declared_column_width_reaches_the_detail_grid(engine: Engine) -> None:
    """异常提示's 原因 is declared wide (Col.width): the grid gives it that width."""
    from layouts.report_page import detail_view
    from queries.access import DataScope, Viewer
    from queries.engine import parse_filters

    report = CATALOG["worklog-anomalies"]
    gm = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    args = {"run": "1", "level": "detail"}
    grid = detail_view(engine, report, parse_filters(report, args, engine.settings.today), gm,
                       args).to_plotly_json()
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "columnDefs" in node.get("props", {}):
                found.extend(node["props"]["columnDefs"])
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)
        elif hasattr(node, "to_plotly_json"):
            walk(node.to_plotly_json())

    walk(grid)
    widths = {d["field"]: d["minWidth"] for d in found}
    assert widths["reason"] == 480 and widths["rule"] == 90
