"""Several apps in one process (tests, tools, a second store) each answer from their own
settings: pages are registered process-wide, so a page must read the settings of the app
serving the request, never those of the app created last."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import dash
import pytest
from flask_login import login_user

from auth.templates import ensure_demo_users
from auth.users import get_user
from auth.web import SessionUser
from data.generate import generate
from data.settings import Settings
from engines import engine_for
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_summary
from tests.conftest import AS_OF

ARGS = {"use_nature": "101", "group_by": "use_nature", "run": "1"}
GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


def _summary_rows(layout: Any) -> list[dict[str, Any]]:
    """rowData of the summary grid inside a page layout."""
    tree = json.loads(json.dumps(layout, default=lambda o: o.to_plotly_json()))
    found: list[list[dict[str, Any]]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ident = node.get("props", {}).get("id") if "props" in node else None
            if isinstance(ident, dict) and ident.get("type") == "summary-grid":
                found.append(node["props"]["rowData"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    assert found, "the page has no summary grid"
    return found[0]


def _page_policies(server: Any, settings: Settings) -> int:
    page = dash.page_registry["report-pnl-auto-cube"]["layout"]
    with server.test_request_context():
        login_user(SessionUser(get_user(settings.users_db, username="gm")))
        rows = _summary_rows(page(**ARGS))
    return sum(int(r["policies"]) for r in rows)


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("second")
    other = replace(Settings(), store_path=root / "store.duckdb",
                    users_path=root / "users.sqlite", as_of=AS_OF, login_fail_delay=0.0)
    generate(other.store_path, 400, 11, AS_OF, other)
    ensure_demo_users(engine_for(other))
    return other


def test_each_app_answers_from_its_own_store(app_server: Any, settings: Settings,
                                             second: Settings) -> None:
    from app import create_app

    report = CATALOG["pnl-auto-cube"]
    values = parse_filters(report, ARGS, AS_OF)
    own, theirs = (sum(int(r["policies"]) for r in run_summary(
        engine_for(s), report, values, GM, group_by=["use_nature"]).rows)
        for s in (settings, second))
    assert own != theirs
    other_server = create_app(second).server  # created after app_server: registered last
    assert _page_policies(app_server, settings) == own
    assert _page_policies(other_server, second) == theirs
