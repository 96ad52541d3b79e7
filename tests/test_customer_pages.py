"""客户360 and 综合查询: scope, masking, refusal of personal lookups, links of names."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest

from engines.base import Engine
from layouts.report_page import detail_links
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG
from queries.engine import parse_filters, run_detail
from queries.links import KEY_SUFFIX, customer_link
from queries.search import store_rows
from tests.catalog_args import wide_args

BRANCH = 1  # branch01's branch in the demo book


def _one(engine: Engine, sql: str, **params: Any) -> dict[str, Any]:
    rows = store_rows(engine, sql, params)
    assert rows, sql
    return rows[0]


@pytest.fixture(scope="module")
def shared_customer(engine: Engine) -> dict[str, Any]:
    """A master customer (统一客户号) insured with policies in branch 1 and in another."""
    return _one(engine, """
        SELECT c.master_no, min(c.customer_code) AS customer_code,
               arg_min(c.mobile, c.customer_code) AS mobile,
               arg_min(c.id_no, c.customer_code) AS id_no,
               count(DISTINCT k.policy_id) FILTER (WHERE k.branch_id = 1) AS inside,
               count(DISTINCT k.policy_id) FILTER (WHERE k.branch_id <> 1) AS outside
        FROM customer_policy k JOIN customer c USING (customer_id)
        WHERE c.mobile IS NOT NULL
        GROUP BY c.master_no HAVING inside > 0 AND outside > 0
        ORDER BY inside + outside DESC, c.master_no LIMIT 1""")


@pytest.fixture(scope="module")
def foreign_customer(engine: Engine) -> dict[str, Any]:
    """A master customer with no business at all in branch 1."""
    return _one(engine, """
        SELECT min(c.customer_code) AS customer_code, arg_min(c.mobile, c.customer_code)
               AS mobile, min(c.customer_name) AS customer_name
        FROM customer c JOIN customer_policy k USING (customer_id)
        WHERE c.mobile IS NOT NULL GROUP BY c.master_no
        HAVING count(*) FILTER (WHERE k.branch_id = 1) = 0
        ORDER BY 1 LIMIT 1""")


def test_branch_head_sees_only_the_branch_business_of_a_customer(
        login: Any, shared_customer: dict[str, Any], engine: Engine) -> None:
    code = shared_customer["customer_code"]
    gm = login("gm").get(f"/api/customers/{code}").get_json()
    assert gm["master_no"] == shared_customer["master_no"]
    assert gm["policies_in_scope"] == shared_customer["inside"] + shared_customer["outside"]
    assert gm["policies_outside_scope"] == 0
    body = login("branch01").get(f"/api/customers/{code}").get_json()
    # Business elsewhere only as a count; every listed row is of branch 1.
    assert body["policies_in_scope"] == shared_customer["inside"]
    assert body["policies_outside_scope"] == shared_customer["outside"]
    branch_code = _one(engine, "SELECT branch_code FROM branch WHERE branch_id = 1")[
        "branch_code"]
    policies = body["sections"]["policies"]
    assert policies["total"] == shared_customer["inside"]
    assert {r["branch_code"] for r in policies["rows"]} == {branch_code}
    assert len(gm["sections"]["policies"]["rows"]) > len(policies["rows"])
    for key in ("claims", "receipts", "commissions", "endorsements"):
        listed = {r["policy_no"] for r in body["sections"][key]["rows"]}
        assert listed <= {r["policy_no"] for r in policies["rows"]}, key
    assert sum(r["policies"] for r in body["pnl_by_year"]) == shared_customer["inside"]


def test_a_customer_without_business_in_scope_is_not_found(
        login: Any, foreign_customer: dict[str, Any]) -> None:
    code = quote(foreign_customer["customer_code"])
    assert login("branch01").get(f"/api/customers/{code}").status_code == 404
    assert login("gm").get(f"/api/customers/{code}").status_code == 200
    assert login("branch01").get("/api/customers/NO-SUCH-CODE").status_code == 404


def test_identity_is_masked_without_the_personal_data_permission(
        login: Any, shared_customer: dict[str, Any]) -> None:
    code = shared_customer["customer_code"]
    plain = next(r for r in login("branch01").get(f"/api/customers/{code}").get_json()[
        "records"] if r["customer_code"] == code)
    masked = login("section01").get(f"/api/customers/{code}")
    if masked.status_code == 404:  # not in the 科长's department: check the branch head
        pytest.skip("customer outside section01's department")
    record = next(r for r in masked.get_json()["records"] if r["customer_code"] == code)
    assert plain["mobile"] == shared_customer["mobile"]
    assert record["mobile"] != shared_customer["mobile"] and "****" in record["mobile"]
    assert record["id_no"] != shared_customer["id_no"] and "*" in record["id_no"]


def test_search_finds_a_customer_by_phone_id_and_name(
        login: Any, shared_customer: dict[str, Any], engine: Engine) -> None:
    client = login("gm")
    master = shared_customer["master_no"]
    for q in (shared_customer["mobile"], shared_customer["id_no"]):
        found = client.get(f"/api/search?q={quote(q)}").get_json()["customers"]
        assert master in {c["master_no"] for c in found}, q
    record = _one(engine, "SELECT customer_name, address FROM customer "
                            "WHERE customer_code = $c", c=shared_customer["customer_code"])
    name, address = record["customer_name"], record["address"]
    found = client.get(f"/api/search?q={quote(name)}").get_json()["customers"]
    assert master in {c["master_no"] for c in found}
    assert f"/customers/{master}" in {c["url"] for c in found}
    # 地址 by its start, for a user who may see addresses only.
    found = client.get(f"/api/search?q={quote(address[:8])}").get_json()["customers"]
    assert master in {c["master_no"] for c in found}
    assert "地址" in {c["matched"] for c in found}
    hidden = login("section01").get(f"/api/search?q={quote(address[:8])}").get_json()
    assert all(c["matched"] != "地址" for c in hidden["customers"])
    assert any("地址" in n for n in hidden["notes"])


def test_search_refuses_a_personal_lookup_without_the_permission(
        login: Any, shared_customer: dict[str, Any]) -> None:
    client = login("section01")  # 科长: no personal-data permission
    for q in (shared_customer["mobile"], shared_customer["id_no"],
              shared_customer["mobile"][:3] + " " + shared_customer["mobile"][3:]):
        resp = client.get(f"/api/search?q={quote(q)}")
        assert resp.status_code == 403, q
        body = resp.get_json()
        assert "权限" in body["error"] and "customers" not in body


def test_search_is_scoped(login: Any, engine: Engine,
                          foreign_customer: dict[str, Any]) -> None:
    outside = _one(engine, "SELECT policy_no, plate_no FROM policy_pnl WHERE branch_id <> 1 "
                             "AND plate_no IS NOT NULL ORDER BY policy_no LIMIT 1")
    inside = _one(engine, "SELECT policy_no FROM policy_pnl WHERE branch_id = 1 "
                            "ORDER BY policy_no LIMIT 1")
    branch = login("branch01")
    assert branch.get(f"/api/search?q={outside['policy_no']}").get_json()["policies"] == []
    assert branch.get(f"/api/search?q={quote(outside['plate_no'])}").get_json()[
        "vehicles"] == []
    found = branch.get(f"/api/search?q={inside['policy_no']}").get_json()["policies"]
    assert [p["policy_no"] for p in found] == [inside["policy_no"]]
    assert found[0]["url"] == f"/policy/{inside['policy_no']}"
    gm = login("gm").get(f"/api/search?q={quote(outside['plate_no'])}").get_json()
    assert gm["vehicles"] and gm["policies"]
    by_phone = branch.get(f"/api/search?q={quote(foreign_customer['mobile'])}").get_json()
    assert foreign_customer["customer_name"] not in str(by_phone)


def test_search_needs_a_customer_page_grant_and_a_real_query(login: Any) -> None:
    assert login("claims01").get("/api/search?q=PDAA").status_code == 403
    assert login("gm").get("/api/search?q=x").status_code == 400


def test_every_insured_or_applicant_name_links_to_the_customer_page() -> None:
    names = {"insured_name", "applicant_name"}
    for report in ALL_REPORTS:
        for col in report.detail:
            if col.source_column in names or (col.lookup and col.lookup.table == "customer"
                                               and col.lookup.column == "customer_name"):
                assert customer_link(col) is not None, (report.slug, col.key)
                assert detail_links(report)[col.key] == "customer", (report.slug, col.key)


@pytest.mark.parametrize("slug", ["pnl-auto-policy", "proposal-status", "customer-renewals"])
def test_a_listed_name_carries_its_customers_code(engine: Engine, slug: str) -> None:
    report = CATALOG[slug]
    gm = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    values = parse_filters(report, wide_args(report, engine.settings.today), engine.settings.today)
    rows = run_detail(engine, report, values, gm, limit=20).rows
    name = next(c.key for c in report.detail if customer_link(c))
    assert rows
    for r in rows:
        code = r[name + KEY_SUFFIX]
        got = _one(engine, "SELECT customer_name FROM customer WHERE customer_code = $c",
                   c=code)["customer_name"]
        assert got == r[name], (slug, r)


def test_the_pages_build_for_each_viewer(engine: Engine,
                                         shared_customer: dict[str, Any]) -> None:
    """The page functions make valid components (a wrong prop fails when built)."""
    from layouts.customer_lists_page import blacklist_page, reassign_page
    from layouts.customer_page import customer_page, search_box, search_page
    from queries.customer360 import customer_view
    from queries.reassign_view import reassign_view
    from queries.search import search

    for viewer in (Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True),
                   Viewer(2, "s", "科长", frozenset(CATALOG), DataScope("branch", 1), False)):
        view = customer_view(engine, viewer, shared_customer["customer_code"])
        assert view is not None
        assert customer_page(viewer, view) is not None
        result = search(engine, viewer, shared_customer["customer_code"][:4])
        assert search_page(result, None, "x") is not None
        assert search_page(None, "无权", "x") is not None
        assert search_box("x") is not None
        view = reassign_view(engine, viewer)
        assert reassign_page(replace(view, recent=[
            {"at": "2026-11-20T00:00:00", "policy_no": "P1", "role": "代理人",
             "from_code": "A1", "from_name": "甲", "to_code": "A2", "to_name": "乙",
             "by_username": "b"}]), {"ok": "好"}, None) is not None
    assert blacklist_page([{"entry_id": 1, "customer_code": "C1", "reason": "r",
                            "added_by": "b", "added_at": "t"}], {"error": "x"}, None)


def test_every_linked_name_has_its_key_column_in_the_store(engine: Engine) -> None:
    """A name linking by a column of its source (insured_code, master_no …) finds it."""
    from queries.store import table_columns

    columns = table_columns(engine)
    for report in ALL_REPORTS:
        for col in report.detail:
            key = customer_link(col)
            if key not in (None, "lookup"):
                assert key in columns[report.source], (report.slug, col.key, key)
