"""孤儿保单转交 and 黑名单: written to the operational store, audited, applied by the refresh
job and by every later build of the store (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from data.generate import generate
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from ops import db as ops_db
from ops import jobs
from ops.customer_lists import ListError, add_to_blacklist, request_refresh
from ops.tables import audit
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.reassign import colleagues, departed_handlers, reassign
from queries.search import store_rows
from tests.ops_fixtures import with_own_database

AS_OF = date(2026, 11, 20)
POLICIES = 20_000


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A store and operational store of this module's own (the refresh replaces it)."""
    folder = tmp_path_factory.mktemp("lists")
    plain = replace(Settings(), store_path=folder / "store.duckdb", as_of=AS_OF)
    settings = with_own_database(plain, folder / "ops.sqlite")
    ops_db.ping(settings.users_db)  # migrated before the first build reads it
    generate(settings.store_path, POLICIES, 11, AS_OF, settings)
    return settings


def _head(branch: int) -> Viewer:
    return Viewer(7, "branch-head", "支公司经理", frozenset(CATALOG), DataScope("branch", branch),
                  True)


def _wait(settings: Settings, job_id: str, seconds: float = 180) -> jobs.Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = jobs.get(settings.users_db, job_id)
        assert job is not None
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"refresh {job_id} did not finish")


def _handlers(engine: Engine, table: str, policies: list[str]) -> set[str]:
    listed = ", ".join(f"'{p}'" for p in policies)
    return {r["handler_code"] for r in store_rows(
        engine, f"SELECT DISTINCT handler_code FROM {table} WHERE policy_no IN ({listed})",
        {})}


def _orphan_branch(engine: Engine) -> int:
    return int(store_rows(engine, "SELECT branch_id, count(*) AS n FROM orphan_fact "
                                    "GROUP BY 1 ORDER BY n DESC LIMIT 1", {})[0]["branch_id"])


def test_orphans_are_the_policies_whose_handler_or_agent_left(own: Settings) -> None:
    rows = store_rows(engine_for(own),
                      """SELECT p.policy_no, s.left_date IS NOT NULL AS handler_left,
            a.left_date AS agent_left FROM policy p JOIN staff s ON s.staff_id = p.handler_id
        LEFT JOIN agent a ON a.agent_id = p.agent_id
        WHERE p.status = '有效' AND p.end_date >= $d""", {"d": AS_OF})
    agent_only = {r["policy_no"] for r in rows if r["agent_left"] and not r["handler_left"]}
    listed = store_rows(engine_for(own), "SELECT policy_no, orphan_reason, agent_left_date, "
                             "handler_left_date FROM orphan_fact", {})
    assert agent_only and {r["policy_no"] for r in listed
                           if r["orphan_reason"] == "代理人离职"} == agent_only
    assert {r["policy_no"] for r in listed if r["handler_left_date"]} == {
        r["policy_no"] for r in rows if r["handler_left"]}
    assert all(r["agent_left_date"] for r in listed if r["orphan_reason"] == "代理人离职")
    # The reassignment page lists departed 经办人 only, not the handlers of an agent's.
    head = _head(_orphan_branch(engine_for(own)))
    codes = {d["handler_code"] for d in departed_handlers(engine_for(own), head)}
    in_service = {r["staff_code"] for r in store_rows(
        engine_for(own), "SELECT staff_code FROM staff WHERE left_date IS NULL", {})}
    assert codes and not codes & in_service


def test_reassignment_is_audited_refreshed_and_survives_a_reload(own: Settings) -> None:
    head = _head(_orphan_branch(engine_for(own)))
    departed = departed_handlers(engine_for(own), head)[0]
    to = colleagues(engine_for(own), head)[0]["staff_code"]
    moved = [r["policy_no"] for r in store_rows(
        engine_for(own), "SELECT policy_no FROM orphan_fact WHERE handler_code = $h", {"h":
                                                                             departed["handler_code"]})]
    assert moved and len(moved) == departed["policies"]
    done = reassign(engine_for(own), head, departed["handler_code"], to)
    assert done.policies == len(moved) and done.job_id
    with ops_db.read(own.users_db) as con:
        row = con.execute(select(audit.c.username, audit.c.rows, audit.c.detail).where(
            audit.c.event == "policies_reassigned")).one()
    assert row.username == "branch-head" and row.rows == len(moved) and to in row.detail
    assert _wait(own, done.job_id).state == "done"
    # Every list reads the new 经办人; the orphans are gone from 孤儿保单.
    for table in ("policy_pnl", "receivable_fact", "receipt_fact", "renewal_fact"):
        found = _handlers(engine_for(own), table, moved)
        assert found <= {to}, table
    # Still orphans only where their 代理人 left too, and for that reason alone.
    listed = ", ".join(f"'{p}'" for p in moved)
    assert {r["orphan_reason"] for r in store_rows(
        engine_for(own), f"SELECT orphan_reason FROM orphan_fact WHERE policy_no IN ({listed})", {})
    } <= {"代理人离职"}
    # A new build of the book (the next load) applies the reassignment again.
    generate(own.store_path, POLICIES, 11, AS_OF, own)
    assert _handlers(engine_for(own), "policy_pnl", moved) == {to}
    assert departed["handler_code"] not in {
        d["handler_code"] for d in departed_handlers(engine_for(own), head)}


def test_reassignment_is_refused_outside_the_branch_heads_scope(own: Settings) -> None:
    branch = _orphan_branch(engine_for(own))
    head = _head(branch)
    other = store_rows(engine_for(own), "SELECT staff_code FROM staff WHERE branch_id <> $b AND "
                            "left_date IS NULL ORDER BY staff_code LIMIT 1", {"b": branch})
    departed = departed_handlers(engine_for(own), head)
    if not departed:
        pytest.skip("every orphan was reassigned by the test before")
    with pytest.raises(ListError, match="接收经办人"):
        reassign(engine_for(own), head, departed[0]["handler_code"], other[0]["staff_code"])
    in_service = colleagues(engine_for(own), head)[0]["staff_code"]
    with pytest.raises(ListError, match="原经办人"):
        reassign(engine_for(own), head, in_service, in_service)
    section = Viewer(8, "section", "科长", frozenset(CATALOG), DataScope("department", 1,
                                                                          dept_id=1), True)
    with pytest.raises(ListError, match="支公司经理"):
        reassign(engine_for(own), section, departed[0]["handler_code"], in_service)
    with pytest.raises(ListError, match="保单号"):
        reassign(engine_for(own), head, departed[0]["handler_code"], in_service,
                 ["P-NOT-AN-ORPHAN"])


def test_blacklist_entry_reaches_the_report_and_survives_a_reload(own: Settings) -> None:
    code = store_rows(engine_for(own), "SELECT customer_code FROM customer WHERE customer_id IN "
                           "(SELECT insured_id FROM policy) ORDER BY customer_code LIMIT 1",
                      {})[0]["customer_code"]
    add_to_blacklist(own.users_db, code, "骗保嫌疑, 经理赔调查确认", "branch-head")
    with pytest.raises(ListError, match="已在黑名单"):
        add_to_blacklist(own.users_db, code, "再次", "branch-head")
    job = request_refresh(own, user_id=7, username="branch-head")
    assert _wait(own, job.job_id).state == "done"

    def listed() -> list[dict[str, Any]]:
        return store_rows(engine_for(own), "SELECT DISTINCT reason, added_by FROM blacklist_fact "
                               "WHERE customer_code = $c AND source = '名单'", {"c": code})

    assert listed() == [{"reason": "骗保嫌疑, 经理赔调查确认", "added_by": "branch-head"}]
    generate(own.store_path, POLICIES, 11, AS_OF, own)
    assert len(listed()) == 1
    with ops_db.read(own.users_db) as con:
        assert con.execute(select(audit.c.username).where(
            audit.c.event == "blacklist_added")).scalar_one() == "branch-head"


def test_list_pages_and_api_check_the_grant(login: Any) -> None:
    section = login("section01")  # 科长: a department, not a branch head
    assert section.post("/api/orphans/reassign", json={"from": "x", "to": "y"}
                        ).status_code == 403
    assert section.post("/api/customers/blacklist", json={"customer_code": "x",
                                                          "reason": "y"}).status_code == 403
    branch = login("branch01")
    resp = branch.post("/api/customers/blacklist", json={"customer_code": "NO-SUCH",
                                                         "reason": "测试"})
    assert resp.status_code == 400 and "客户代码" in resp.get_json()["error"]
    resp = branch.post("/api/orphans/reassign", json={"from": "NOBODY", "to": "NOBODY"})
    assert resp.status_code == 400 and "原经办人" in resp.get_json()["error"]


def test_a_store_built_without_an_operational_store_has_an_empty_list(
        tmp_path: Path) -> None:
    lone = replace(Settings(), store_path=tmp_path / "s.duckdb", as_of=AS_OF,
                   users_path=tmp_path / "none.sqlite")
    generate(lone.store_path, 2_000, 3, AS_OF, lone)
    assert not (tmp_path / "none.sqlite").exists()
    assert store_rows(engine_for(lone), "SELECT count(*) AS n FROM customer_blacklist",
                      {})[0]["n"] == 0
