"""New customers entered on a plan (间接客户、代理客户、集团客户) go through customer
resolution at the next load: one that is already a customer (same 证件号, or the same
姓名 + 手机) joins that master customer, a new one gets a 统一客户号 of its own in the
scope of its author's branch, and the plan then shows the number, linked to 客户360."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auth.templates import ensure_demo_users
from auth.users import get_user
from data.export_layout import export_store
from data.generate import generate
from data.load import load
from data.settings import Settings
from engines import engine_for
from ops import worklog_entries as entries
from ops import worklog_plans as plans
from ops.worklog_fields import WorklogError
from ops.worklog_prospects import SOURCE_SYSTEM, prospect_code
from pages.worklog_common import customer_badge
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.customer360 import customer_view
from queries.engine import run_detail
from queries.filters import parse_filters
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database

POLICIES = 2_000
NEW_NAME = "测试新拓展企业有限公司"
NOTE_ONLY = "记事里的新客户集团"
DAY_NAME = "次日新客户汽车服务部"


def _rows(store: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _known_customers(store: Path) -> list[tuple[str, str, str, str, str]]:
    """(code, name, id_no, mobile, master_no) of 核心 customers with a valid 身份证 and
    a usable mobile that no other record shares."""
    return _rows(store, """
        SELECT c.customer_code, c.customer_name, m.id_no, m.mobile, m.master_no
        FROM customer c JOIN customer_master m USING (master_id)
        WHERE c.source_system = '核心' AND m.records = 1 AND m.id_type = '身份证'
          AND length(m.id_no) = 18 AND m.mobile IS NOT NULL
          AND m.mobile NOT IN (SELECT mobile FROM customer_master WHERE mobile IS NOT NULL
                               GROUP BY mobile HAVING count(*) > 1)
          AND c.customer_code NOT IN (SELECT customer_code FROM customer_issue)
        ORDER BY c.customer_code LIMIT 2""")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A demo store, sales01's plan with three prospects, then the next load (the
    store's files imported again, as a T+1 day brings them)."""
    root = tmp_path_factory.mktemp("prospects")
    settings = with_own_database(replace(Settings(), as_of=AS_OF, results_cache_entries=0,
                                         store_path=root / "store.duckdb"),
                                 root / "users.sqlite")
    generate(settings.store_path, POLICIES, 3, AS_OF, settings)
    ensure_demo_users(engine_for(settings))
    sales = get_user(settings.users_db, username="sales01")
    assert sales is not None
    (by_id, by_mobile) = _known_customers(settings.store_path)
    plan = plans.create_plan(engine_for(settings), sales.viewer(), {
        "kind": "日常工作计划", "date": AS_OF.isoformat(), "purpose": "拜访新客户",
        "customers": [
            {"customer_name": by_id[1], "customer_kind": "间接客户", "id_no": by_id[2]},
            {"customer_name": by_mobile[1], "customer_kind": "代理客户",
             "phone": by_mobile[3]},
            {"customer_name": NEW_NAME, "customer_kind": "集团客户", "phone": "021-55550123"},
        ]})
    # Notes: one about the plan's new prospect (the same record), one about a prospect
    # met without a plan (a record of its own).
    notes = [entries.create_entry(engine_for(settings), sales.viewer(), {
        "date": AS_OF.isoformat(), "customer_name": name, "customer_kind": "集团客户",
        "content": "初次拜访", "plan_id": plan["plan_id"] if name == NEW_NAME else None}
    )["entry_id"] for name in (NEW_NAME, NOTE_ONLY)]
    before = plans.plan(engine_for(settings), sales.viewer(), plan["plan_id"])
    files = root / "files"
    export_store(settings.store_path, files)
    result = load(files, settings.store_path, settings, user="tester")
    assert result.ok, result.rejects[:5]
    return {"settings": settings, "sales": sales, "plan_id": plan["plan_id"], "notes": notes,
            "before": before, "by_id": by_id, "by_mobile": by_mobile}


def _record(loaded: dict[str, Any], name: str) -> tuple[Any, ...]:
    code = prospect_code(loaded["sales"].user_id, name)
    found = _rows(loaded["settings"].store_path,
                  "SELECT customer_code, source_system, master_no, master_id FROM customer "
                  "WHERE customer_code = ?", [code])
    assert len(found) == 1, code
    return found[0]


def test_no_number_before_the_load(loaded: dict[str, Any]) -> None:
    assert [c["master_no"] for c in loaded["before"]["customers"]] == [None, None, None]


def test_a_prospect_with_a_customers_id_joins_that_customer(loaded: dict[str, Any]) -> None:
    _, system, master_no, _ = _record(loaded, loaded["by_id"][1])
    assert system == SOURCE_SYSTEM
    assert master_no == loaded["by_id"][4]
    store = loaded["settings"].store_path
    assert _rows(store, "SELECT records, source_systems, linked_by FROM customer_master "
                        "WHERE master_no = ?", [master_no]) == [(2, "工作日志、核心", "证件号")]


def test_a_prospect_with_a_customers_name_and_mobile_joins_that_customer(
        loaded: dict[str, Any]) -> None:
    _, _, master_no, _ = _record(loaded, loaded["by_mobile"][1])
    assert master_no == loaded["by_mobile"][4]
    assert _rows(loaded["settings"].store_path, "SELECT linked_by FROM customer_master "
                 "WHERE master_no = ?", [master_no]) == [("姓名+手机",)]


def test_a_new_prospect_gets_a_master_of_its_own_in_its_authors_scope(
        loaded: dict[str, Any]) -> None:
    settings, sales = loaded["settings"], loaded["sales"]
    _, _, master_no, _ = _record(loaded, NEW_NAME)
    known = {r[4] for r in (loaded["by_id"], loaded["by_mobile"])}
    assert master_no and master_no not in known
    scope = sales.viewer().scope
    assert _rows(settings.store_path, """SELECT records, source_systems, customer_kind,
            phone, branch_id, branch_ids, dept_ids, handler_ids FROM customer_master
            WHERE master_no = ?""", [master_no]) == [
        (1, "工作日志", "单位", "02155550123", scope.branch_id, [scope.branch_id],
         [scope.dept_id], [scope.staff_id])]
    # In the lists of the author's branch, not in those of another branch.
    report = CATALOG.get("customer-masters")
    values = parse_filters(report, {"name": NEW_NAME}, AS_OF)
    other = next(b for (b,) in _rows(settings.store_path, "SELECT branch_id FROM branch "
                                                          "ORDER BY branch_id")
                 if b != scope.branch_id)

    def seen(branch: int) -> list[str]:
        viewer = Viewer(90 + branch, "steward", "客户信息管理员", frozenset(CATALOG),
                        DataScope("branch", branch), True)
        return [r["master_no"] for r in
                run_detail(engine_for(settings), report, values, viewer).rows]

    assert seen(scope.branch_id) == [master_no]
    assert seen(other) == []


def test_the_plan_shows_each_number_linked_to_customer_360(loaded: dict[str, Any]) -> None:
    shown = plans.plan(engine_for(loaded["settings"]), loaded["sales"].viewer(), loaded["plan_id"])
    numbers = [c["master_no"] for c in shown["customers"]]
    assert numbers[:2] == [loaded["by_id"][4], loaded["by_mobile"][4]]
    assert numbers[2] == _record(loaded, NEW_NAME)[2]
    assert shown["customers"][0]["id_no"] == loaded["by_id"][2]
    badge = str(customer_badge(shown["customers"][2]))
    assert f"/customers/{numbers[2]}" in badge and NEW_NAME in badge


def test_the_next_load_keeps_the_numbers(loaded: dict[str, Any], tmp_path: Path) -> None:
    settings = loaded["settings"]
    before = dict(_rows(settings.store_path, "SELECT customer_code, master_no FROM customer "
                                             "WHERE source_system = ?", [SOURCE_SYSTEM]))
    export_store(settings.store_path, tmp_path / "files")
    assert load(tmp_path / "files", settings.store_path, settings, user="tester").ok
    after = dict(_rows(settings.store_path, "SELECT customer_code, master_no FROM customer "
                                            "WHERE source_system = ?", [SOURCE_SYSTEM]))
    assert after == before and len(before) >= 3


def test_a_bad_id_is_refused_at_its_field(loaded: dict[str, Any]) -> None:
    with pytest.raises(WorklogError) as refused:
        plans.create_plan(engine_for(loaded["settings"]), loaded["sales"].viewer(), {
            "date": AS_OF.isoformat(), "purpose": "拜访", "customers": [
                {"customer_name": "王五", "customer_kind": "间接客户", "id_no": "12#4"}]})
    assert refused.value.field == "customers[0].id_no"
    assert "证件号" in refused.value.message


def test_a_notes_prospect_shows_the_same_number_as_the_plans(loaded: dict[str, Any]) -> None:
    engine, viewer = engine_for(loaded["settings"]), loaded["sales"].viewer()
    on_plan, alone = (entries.entry(engine, viewer, i) for i in loaded["notes"])
    assert on_plan["master_no"] == _record(loaded, NEW_NAME)[2]
    assert alone["master_no"] == _record(loaded, NOTE_ONLY)[2]
    assert alone["master_no"] not in (None, on_plan["master_no"])
    listed = {e["entry_id"]: e["master_no"] for e in entries.list_entries(engine, viewer)}
    assert listed[on_plan["entry_id"]] == on_plan["master_no"]


def test_customer_360_finds_the_new_prospect_for_its_authors_scope_only(
        loaded: dict[str, Any]) -> None:
    settings, sales = loaded["settings"], loaded["sales"]
    master_no = _record(loaded, NEW_NAME)[2]
    view = customer_view(engine_for(settings), sales.viewer(), master_no)
    assert view is not None
    assert [(r["customer_name"], r["source_system"]) for r in view.records] == [
        (NEW_NAME, SOURCE_SYSTEM)]
    assert (view.policies_in_scope, view.policies_outside) == (0, 0)
    scope = sales.viewer().scope
    other = next(b for (b,) in _rows(settings.store_path, "SELECT branch_id FROM branch "
                                                          "ORDER BY branch_id")
                 if b != scope.branch_id)
    stranger = Viewer(99, "other", "支公司经理", frozenset(CATALOG), DataScope("branch", other),
                      True)
    assert customer_view(engine_for(settings), stranger, master_no) is None


def test_a_t1_day_resolves_a_prospect_entered_since(loaded: dict[str, Any],
                                                    tmp_path: Path) -> None:
    """An incremental day (one unchanged customer row in its file) resolves the prospect
    sales01 entered since the last load, and leaves the earlier numbers where they were."""
    settings, sales = loaded["settings"], loaded["sales"]
    before = dict(_rows(settings.store_path, "SELECT customer_code, master_no FROM customer "
                                             "WHERE source_system = ?", [SOURCE_SYSTEM]))
    plans.create_plan(engine_for(settings), sales.viewer(), {
        "date": AS_OF.isoformat(), "purpose": "次日拜访", "customers": [
            {"customer_name": DAY_NAME, "customer_kind": "代理客户", "phone": "0755-2666000"}]})
    export_store(settings.store_path, tmp_path / "all")
    with (tmp_path / "all" / "customer.csv").open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        first = next(r for r in rows if r[header.index("source_system")] == "核心")
    day = tmp_path / "day"
    day.mkdir()
    with (day / "customer.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, first])
    result = load(day, settings.store_path, settings, incremental=True, user="tester")
    assert result.ok, result.rejects[:3]
    after = dict(_rows(settings.store_path, "SELECT customer_code, master_no FROM customer "
                                            "WHERE source_system = ?", [SOURCE_SYSTEM]))
    new = prospect_code(sales.user_id, DAY_NAME)
    assert new not in before and after[new] and after[new] not in before.values()
    assert {c: after[c] for c in before} == before
