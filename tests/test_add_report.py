"""Adding a report is one declaration (tests/extra_report.py): registered in a running
app it is in the menu, the API and the grants of the 总经理 who existed before it, and
the catalog's test loops pick it up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from auth.users import get_user
from data.settings import Settings
from layouts.shell import nav_menu
from queries import catalog, menu
from queries.catalog import CATALOG, CatalogError, check_report
from queries.spec import Col
from tests.extra_report import EXTRA

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def added(app_server: Flask) -> Iterator[None]:
    """EXTRA in the catalog of an app (and users) built before it."""
    before = catalog.ALL_REPORTS
    catalog.register(EXTRA)
    try:
        yield
    finally:
        catalog.ALL_REPORTS = before
        del CATALOG[EXTRA.slug]


def test_an_added_report_reaches_menu_api_and_existing_grants(
        added: None, app_server: Flask, login: Any, settings: Settings) -> None:
    assert menu.page_by_slug()[EXTRA.slug].area == "pnl"
    gm, finance = (get_user(settings.users_db, username=u) for u in ("gm", "finance01"))
    assert gm is not None and finance is not None
    assert EXTRA.slug not in gm.pages  # stored: the page set, not a copied slug list
    assert gm.viewer().may_open(EXTRA.slug)
    assert not finance.viewer().may_open(EXTRA.slug)  # 财务 is not granted 盈亏分析
    nav = json.dumps(nav_menu(gm.viewer(), set(CATALOG)),
                     default=lambda o: o.to_plotly_json(), ensure_ascii=False)
    assert "3.10 车险支公司年度盈亏" in nav
    client = login("gm")
    listed = {r["slug"] for r in client.get("/api/reports").get_json()["reports"]}
    assert EXTRA.slug in listed
    answer = client.get(f"/api/reports/{EXTRA.slug}", query_string={"level": "summary"})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["rows"]
    assert login("finance01").get(f"/api/reports/{EXTRA.slug}").status_code == 403


def test_the_catalog_test_loops_run_an_added_report() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.extra_report", "-q", "-n", "0",
         "-p", "no:cacheprovider", "tests/test_reports_catalog.py", "-k", EXTRA.slug],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-2000:]
    assert " passed" in run.stdout and "deselected" in run.stdout


def test_a_personal_field_shown_without_personal_is_refused() -> None:
    claims = CATALOG["claims-unregistered"]
    bare = [Col(c.key, c.label) if c.personal else c for c in claims.detail]
    problems = check_report(replace(claims, detail=tuple(bare)))
    assert any("reporter_phone reads a personal field" in p for p in problems)
    with pytest.raises(CatalogError):
        catalog.validate((replace(claims, detail=tuple(bare)),))


def test_templates_take_their_declared_grants_again_at_start(tmp_path: Path) -> None:
    from auth.templates import TEMPLATE_BY_ROLE, ensure_templates
    from auth.users import update_user

    db = tmp_path / "users.sqlite"
    ensure_templates(db)
    gm = get_user(db, username="tpl-gm")
    assert gm is not None and gm.pages == frozenset(TEMPLATE_BY_ROLE["总经理"].pages)
    update_user(db, gm.user_id, pages={"claim-cycle"})  # as an older version left it
    ensure_templates(db)
    again = get_user(db, username="tpl-gm")
    assert again is not None and again.pages == frozenset(TEMPLATE_BY_ROLE["总经理"].pages)


@pytest.mark.parametrize(("change", "problem"), [
    ({"area": "system"}, "is not a report area"), ({"area": ""}, "is not a report area"),
    ({"tags": ("managers",)}, "is not one of"), ({"number": ""}, "needs a REPORTS.md number"),
    ({"number": "3.x"}, "needs a REPORTS.md number")])
def test_a_report_without_its_place_in_the_menu_is_refused(change: dict[str, Any],
                                                            problem: str) -> None:
    assert any(problem in p for p in check_report(replace(EXTRA, **change)))
    assert check_report(EXTRA) == []
