"""孤儿保单 whose 代理人 left: listed with their reason, their agent reassigned by a branch
head (the page's form, the API) to an agent of the same 支公司, refused with a Chinese
message when the input is wrong (nothing saved), audited, kept by every load (a new
generated store, a full import, a T+1 day) and read by the reports' 代理人. Runs on
PostgreSQL too (bin/test's OPS_TESTS)."""

from __future__ import annotations

import csv
import json
import shutil
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import func, select
from werkzeug.serving import make_server

from auth.templates import DEMO_PASSWORD, ensure_demo_users
from auth.users import create_user, get_user
from data.export_layout import export_store
from data.generate import generate
from data.load import load
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from ops import db as ops_db
from ops import jobs
from ops.agent_reassign_tables import policy_agent_reassignment
from ops.customer_lists import REFRESH_KIND, ListError
from ops.tables import audit
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.reassign import (
    active_agents,
    departed_agents,
    orphan_policies,
    parse_departed,
    reassign_orphans,
)
from queries.reassign_view import reassign_view
from queries.search import store_rows
from tests.auth_fixtures import sign_in
from tests.ops_fixtures import with_own_database

AS_OF = date(2026, 11, 20)
POLICIES = 20_000
SEED = 11


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A generated store and an operational store of this module's own (reassignments
    and refreshes change both)."""
    folder = tmp_path_factory.mktemp("agents")
    plain = replace(Settings(), store_path=folder / "store.duckdb", as_of=AS_OF,
                    login_fail_delay=0.0, warm_seconds=0)
    settings = with_own_database(plain, folder / "ops.sqlite")
    ops_db.ping(settings.users_db)
    generate(settings.store_path, POLICIES, SEED, AS_OF, settings)
    return settings


def _head(branch: int) -> Viewer:
    return Viewer(7, "branch-head", "支公司经理", frozenset(CATALOG), DataScope("branch", branch),
                  True)


def _company() -> Viewer:
    return Viewer(9, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


def _agent_branch(engine: Engine) -> int:
    """The 支公司 with the most policies whose 代理人 alone left."""
    return int(store_rows(engine, """SELECT branch_id, count(*) AS n FROM orphan_fact
        WHERE orphan_reason = '代理人离职' GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1""",
                          {})[0]["branch_id"])


def _saved(settings: Settings) -> tuple[int, int]:
    with ops_db.read(settings.users_db) as con:
        return (con.execute(select(func.count()).select_from(policy_agent_reassignment))
                .scalar_one(),
                con.execute(select(func.count()).select_from(audit)).scalar_one())


def _agents_of(engine: Engine, table: str, policies: list[str]) -> dict[str, str]:
    listed = ", ".join(f"'{p}'" for p in policies)
    return {r["policy_no"]: r["agent_code"] for r in store_rows(
        engine, f"SELECT DISTINCT policy_no, agent_code FROM {table} "
                  f"WHERE policy_no IN ({listed})", {})}


def _wait_refreshes(settings: Settings, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(j.finished for j in jobs.list_jobs(settings.users_db, kind=REFRESH_KIND)):
            return
        time.sleep(0.2)
    raise AssertionError("the refresh did not finish")


def _departed_agent(engine: Engine) -> tuple[Viewer, dict[str, Any], str, str]:
    """The branch head, the departed agent with orphan policies of that branch, an agent
    in service of the branch and one of another branch."""
    branch = _agent_branch(engine)
    head = _head(branch)
    gone = departed_agents(engine, head)[0]
    mine = [a["agent_code"] for a in active_agents(engine, head)]
    other = store_rows(engine, "SELECT agent_code FROM agent WHERE branch_id <> $b AND "
                                 "left_date IS NULL ORDER BY agent_code LIMIT 1", {"b": branch})
    assert mine and other
    return head, gone, mine[0], other[0]["agent_code"]


def test_an_agent_only_orphan_is_listed_with_its_reason_and_names(own: Settings) -> None:
    head, gone, _, _ = _departed_agent(engine_for(own))
    assert gone["agent_name"] and gone["left_date"] and gone["policies"] > 0
    rows = orphan_policies(engine_for(own), head, "agent", gone["agent_code"])
    assert len(rows) == gone["policies"]
    alone = [r for r in rows if r["orphan_reason"] == "代理人离职"]
    assert alone, "an agent-only orphan"
    in_service = {r["staff_code"] for r in store_rows(
        engine_for(own), "SELECT staff_code FROM staff WHERE left_date IS NULL", {})}
    for r in alone:
        assert r["handler_left_date"] is None and r["handler_code"] in in_service
        assert r["handler_name"] and r["agent_name"] == gone["agent_name"]
        assert r["agent_left_date"] == gone["left_date"]


def test_wrong_input_is_refused_in_chinese_and_nothing_is_saved(own: Settings) -> None:
    head, gone, mine, other = _departed_agent(engine_for(own))
    code = gone["agent_code"]
    before = _saved(own)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("转交内容: 请选择", {}),
        (f"接收代理人: {code} .*已于 .* 离职", {"agent_to": code}),
        (f"接收代理人: {other} .*不在您的范围内", {"agent_to": other}),
        ("接收代理人: A-NO-SUCH 不存在", {"agent_to": "A-NO-SUCH"}),
        ("保单号: P-NOT-AN-ORPHAN 不是该离职人员", {"agent_to": mine,
                                                  "policy_nos": ["P-NOT-AN-ORPHAN"]}),
        ("接收经办人: S-NO-SUCH", {"handler_to": "S-NO-SUCH"}),
    ]
    for message, args in cases:
        with pytest.raises(ListError, match=message):
            reassign_orphans(engine_for(own), head, "agent", code, **args)
    alone = [r["policy_no"] for r in orphan_policies(engine_for(own), head, "agent", code)
             if r["orphan_reason"] == "代理人离职"]
    staff = store_rows(engine_for(own), "SELECT staff_code FROM staff WHERE branch_id = $b AND "
                            "left_date IS NULL AND title = '业务员' LIMIT 1",
                       {"b": head.scope.branch_id})[0]["staff_code"]
    with pytest.raises(ListError, match=f"保单号: {alone[0]} 的经办人在职, 不能转交经办人"):
        reassign_orphans(engine_for(own), head, "agent", code, handler_to=staff,
                         policy_nos=alone[:1])
    # Another branch's head cannot take the agent's policies, nor a 科长.
    elsewhere = _head(int(store_rows(engine_for(own),
                                     "SELECT min(branch_id) AS b FROM branch WHERE "
                                          "branch_id <> $b", {"b": head.scope.branch_id}
                                     )[0]["b"]))
    with pytest.raises(ListError, match=f"原代理人: {code} 不是您范围内"):
        reassign_orphans(engine_for(own), elsewhere, "agent", code, agent_to=mine)
    section = Viewer(8, "section", "科长", frozenset(CATALOG),
                     DataScope("department", head.scope.branch_id, dept_id=1), True)
    with pytest.raises(ListError, match="支公司经理"):
        reassign_orphans(engine_for(own), section, "agent", code, agent_to=mine)
    # A company-wide user may not give the branch's policies to another branch's agent.
    with pytest.raises(ListError, match=f"接收代理人: {other} 属于.*不能接收其他支公司的保单"):
        reassign_orphans(engine_for(own), _company(), "agent", code, agent_to=other)
    # A departed 经办人's policy with no 代理人, or with one in service, keeps its agent.
    handler_orphans = store_rows(engine_for(own), """SELECT handler_code, policy_no, agent_code,
            agent_left_date FROM orphan_fact WHERE handler_left_date IS NOT NULL
            AND branch_id = $b ORDER BY policy_no""", {"b": head.scope.branch_id})
    none = next(r for r in handler_orphans if r["agent_code"] is None)
    with pytest.raises(ListError, match=f"保单号: {none['policy_no']} 没有代理人, 不能转交代理人"):
        reassign_orphans(engine_for(own), head, "staff", none["handler_code"], agent_to=mine,
                         policy_nos=[none["policy_no"]])
    kept = next(r for r in handler_orphans if r["agent_code"] and not r["agent_left_date"])
    with pytest.raises(ListError, match=f"保单号: {kept['policy_no']} 的代理人在职"):
        reassign_orphans(engine_for(own), head, "staff", kept["handler_code"], agent_to=mine,
                         policy_nos=[kept["policy_no"]])
    with pytest.raises(ListError, match="原离职人员"):
        parse_departed("boss:X")
    assert _saved(own) == before


HEAD = "branch-agents"


@pytest.fixture(scope="module")
def own_app(own: Settings) -> Flask:
    """The app on this module's store, with a head of the agent's branch."""
    from app import create_app

    ensure_demo_users(engine_for(own))
    template = get_user(own.users_db, username="branch01")
    assert template is not None
    create_user(own.users_db, username=HEAD, display_name="支公司经理",
                password=DEMO_PASSWORD, scope="branch", branch_id=_agent_branch(engine_for(own)),
                pages=set(template.pages), must_change_password=False)
    server: Flask = create_app(own).server
    return server


@pytest.fixture
def head_client(own_app: Flask) -> FlaskClient:
    return sign_in(own_app, HEAD)


def test_the_page_shows_why_each_policy_is_an_orphan(own: Settings) -> None:
    """Built for the branch head: the departed agent among those who left, its policies
    with their reason and both parties' names, the agents who may take them."""
    from layouts.customer_lists_page import reassign_page

    head, gone, mine, other = _departed_agent(engine_for(own))
    view = reassign_view(engine_for(own), head, f"agent:{gone['agent_code']}")
    assert view.chosen is not None and view.chosen["code"] == gone["agent_code"]
    assert {d["kind"] for d in view.departed} == {"staff", "agent"}
    assert {a["agent_code"] for a in view.agents} >= {mine} and other not in {
        a["agent_code"] for a in view.agents}
    text = json.dumps(reassign_page(view, {}, None), cls=PlotlyJSONEncoder,
                      ensure_ascii=False)
    first = view.policies[0]
    for shown in ("转交 代理人 " + gone["agent_code"] + " " + gone["agent_name"], "代理人离职",
                  f"{first['handler_code']} {first['handler_name']}", "— 代理人不变 —",
                  f"离职 {gone['left_date']}", first["policy_no"]):
        assert shown in text, shown
    # A company-wide user is offered the people of the policies' own 支公司.
    wide = reassign_view(engine_for(own), _company(), f"agent:{gone['agent_code']}")
    assert wide.chosen is not None and wide.chosen["code"] == gone["agent_code"]
    assert {a["branch_id"] for a in wide.agents} == {head.scope.branch_id}
    assert {c["branch_id"] for c in wide.colleagues} == {head.scope.branch_id}
    # A code not of the viewer's shows the first who left, not an error.
    assert reassign_view(engine_for(own), head, "agent:A-NOBODY").chosen == view.departed[0]


def test_the_form_and_the_api_reassign_an_agent(own: Settings, head_client: FlaskClient
                                                ) -> None:
    head, gone, mine, other = _departed_agent(engine_for(own))
    code = gone["agent_code"]
    alone = [r["policy_no"] for r in orphan_policies(engine_for(own), head, "agent", code)
             if r["orphan_reason"] == "代理人离职"]
    by_api, by_form = alone[0], alone[1]
    resp = head_client.post("/api/orphans/reassign", json={
        "from_agent": code, "agent_to": mine, "policies": [by_api]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["agent_policies"] == 1 and resp.get_json()["handler_policies"] == 0
    resp = head_client.post("/api/orphans/reassign", json={"from_agent": code,
                                                           "agent_to": other})
    assert resp.status_code == 400 and "接收代理人" in resp.get_json()["error"]
    resp = head_client.post("/customers-admin/reassign", data={
        "from": f"agent:{code}", "to": "", "agent_to": mine, "policies": by_form})
    assert resp.status_code == 303
    outcome = parse_qs(urlparse(resp.headers["Location"]).query)
    assert outcome["ok"][0].startswith("已转交 1 张保单 (其中转交代理人 1 张)")
    assert outcome["from"] == [f"agent:{code}"]
    resp = head_client.post("/customers-admin/reassign", data={
        "from": f"agent:{code}", "to": "", "agent_to": "", "policies": ""})
    assert "转交内容" in parse_qs(urlparse(resp.headers["Location"]).query)["error"][0]
    # One submission moves both parties of a policy that lost both, in one batch.
    both = store_rows(engine_for(own), """SELECT policy_no, handler_code FROM orphan_fact
        WHERE handler_left_date IS NOT NULL AND agent_left_date IS NOT NULL
          AND branch_id = $b ORDER BY policy_no LIMIT 1""", {"b": head.scope.branch_id})[0]
    staff = store_rows(engine_for(own), "SELECT staff_code FROM staff WHERE branch_id = $b AND "
                            "left_date IS NULL AND title = '业务员' ORDER BY 1 LIMIT 1",
                       {"b": head.scope.branch_id})[0]["staff_code"]
    resp = head_client.post("/api/orphans/reassign", json={
        "from": both["handler_code"], "to": staff, "agent_to": mine,
        "policies": [both["policy_no"]]})
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert (answer["policies"], answer["handler_policies"], answer["agent_policies"]) == (1, 1, 1)
    with ops_db.read(own.users_db) as con:
        batches = {r.batch_id for r in con.execute(select(
            policy_agent_reassignment.c.batch_id).where(
            policy_agent_reassignment.c.policy_no == both["policy_no"]))}
    assert batches == {answer["batch_id"]}
    _wait_refreshes(own)
    assert _agents_of(engine_for(own), "policy_pnl", [by_api, by_form]) == {by_api: mine,
                                                                            by_form: mine}
    assert store_rows(engine_for(own), "SELECT handler_code, agent_code FROM policy_pnl WHERE "
                           "policy_no = $p", {"p": both["policy_no"]}) == [
        {"handler_code": staff, "agent_code": mine}]
    assert not store_rows(engine_for(own), "SELECT 1 FROM orphan_fact WHERE policy_no = $p",
                          {"p": both["policy_no"]})


def test_the_branch_head_reassigns_an_agent_on_the_page(own: Settings, own_app: Flask,
                                                       browser: Any) -> None:
    head, gone, mine, _ = _departed_agent(engine_for(own))
    code = gone["agent_code"]
    policy = next(r["policy_no"] for r in orphan_policies(engine_for(own), head, "agent", code)
                  if r["orphan_reason"] == "代理人离职")
    server = make_server("127.0.0.1", 0, own_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{base}/login")
        page.fill("#username", HEAD)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/customers-admin/reassign?from=agent:{code}")
        page.wait_for_selector("#orphan-policy-table")
        assert code in page.inner_text("#chosen-title")
        page.click("#ra-submit")  # nothing chosen: refused, the agent still chosen
        assert "转交内容" in page.inner_text("#list-error")
        assert code in page.inner_text("#chosen-title")
        page.select_option("#ra-agent-to", mine)
        page.fill("#ra-policies", policy)
        page.click("#ra-submit")
        assert "已转交 1 张保单 (其中转交代理人 1 张)" in page.inner_text("#list-ok")
        recent = page.inner_text("#recent-table")
        assert policy in recent and "代理人" in recent and mine in recent
    finally:
        page.close()
        server.shutdown()
    _wait_refreshes(own)
    assert _agents_of(engine_for(own), "policy_pnl", [policy]) == {policy: mine}


def _agent_pnl(client: FlaskClient) -> dict[str, tuple[int, float]]:
    """(保单数, 签单保费) by 代理人代码 of 3.5 车险代理人盈亏 and 3.9 财产险代理人盈亏 added
    up, for the whole book, as the API answers them."""
    found: dict[str, tuple[int, float]] = {}
    for slug in ("pnl-auto-agent", "pnl-property-agent"):
        args = {"start_from": "2000-01-01", "start_to": "2099-12-31", "summary": "by-agent"}
        resp = client.get(f"/api/reports/{slug}?{urlencode(args)}")
        assert resp.status_code == 200, resp.get_json()
        for r in resp.get_json()["rows"]:
            n, p = found.get(r["agent_code"], (0, 0.0))
            found[r["agent_code"]] = (n + r["policies"], p + r["premium"])
    return found


def test_a_reassigned_agent_is_audited_reported_and_kept_by_every_load(
        own: Settings, head_client: FlaskClient, tmp_path: Path) -> None:
    head, gone, mine, _ = _departed_agent(engine_for(own))
    code = gone["agent_code"]
    left = orphan_policies(engine_for(own), head, "agent", code)
    both = [r["policy_no"] for r in left if r["handler_left_date"] is not None]
    moved = [r["policy_no"] for r in left]
    fees = f"""SELECT policy_no, agent_code, amount_cny FROM commission_fact
        WHERE policy_no IN ({", ".join(f"'{p}'" for p in moved)}) ORDER BY ALL"""
    paid = store_rows(engine_for(own), fees, {})

    def premium_of(agent: str) -> Any:
        return store_rows(engine_for(own),
                          "SELECT coalesce(sum(premium_cny), 0) AS p FROM policy_pnl "
                               "WHERE agent_code = $a", {"a": agent})[0]["p"]

    before = {a: premium_of(a) for a in (code, mine)}
    moving = sum(r["premium_cny"] for r in left)
    reported = _agent_pnl(head_client)
    in_reports = store_rows(engine_for(own),
                            f"""SELECT count(*) AS n, sum(premium_cny) AS p FROM policy_pnl
        WHERE line IN ('auto', 'property') AND policy_no IN ({", ".join(f"'{p}'" for p in moved)})
        """, {})[0]
    assert in_reports["n"] > 0
    done = reassign_orphans(engine_for(own), head, "agent", code, agent_to=mine)
    assert done.agent_policies == len(moved) and done.handler_policies == 0
    with ops_db.read(own.users_db) as con:
        row = con.execute(select(audit.c.username, audit.c.rows, audit.c.detail)
                          .where(audit.c.event == "policy_agents_reassigned")
                          .order_by(audit.c.audit_id.desc())).first()
    assert row is not None and row.username == "branch-head" and row.rows == len(moved)
    assert f'"from": "{code}"' in row.detail and f'"to": "{mine}"' in row.detail
    _wait_refreshes(own)
    # Every fact of the policy reads its new 代理人, and the agent P&L moves with it.
    for table in ("policy_pnl", "receivable_fact", "receipt_fact"):
        assert set(_agents_of(engine_for(own), table, moved).values()) <= {mine}, table
    assert premium_of(code) == before[code] - moving
    assert premium_of(mine) == before[mine] + moving
    # The agent P&L reports count them for the new agent.
    now = _agent_pnl(head_client)
    for agent, sign in ((code, -1), (mine, 1)):
        was, got = reported.get(agent, (0, 0.0)), now.get(agent, (0, 0.0))
        assert got[0] == was[0] + sign * in_reports["n"]
        assert got[1] == pytest.approx(was[1] + sign * float(in_reports["p"]), abs=0.01)
    # Fees paid stay with the agent who earned them.
    assert paid and paid == store_rows(engine_for(own), fees, {})
    # No longer orphans of the agent; those whose 经办人 also left still are, for that.
    assert not departed_agents(engine_for(own), head)
    assert both and {r["policy_no"]: (r["orphan_reason"], r["agent_code"]) for r in store_rows(
        engine_for(own), f"""SELECT policy_no, orphan_reason, agent_code FROM orphan_fact
                 WHERE policy_no IN ({", ".join(f"'{p}'" for p in moved)})""", {})
    } == dict.fromkeys(both, ("经办人离职", mine))
    # A new generated store, a full import of its files and a T+1 day re-sending the
    # policies with the departed agent all apply it again.
    generate(own.store_path, POLICIES, SEED, AS_OF, own)
    assert set(_agents_of(engine_for(own), "policy_pnl", moved).values()) == {mine}
    # The source still names the agent who left.
    files = tmp_path / "files"
    export_store(own.store_path, files)
    head_row, resent = _name_agent(files / "policy.csv", set(moved), code)
    imported = replace(own, store_path=tmp_path / "imported.duckdb")
    assert load(files, imported.store_path, imported, user="tester").ok
    assert set(_agents_of(engine_for(imported), "policy_pnl", moved).values()) == {mine}
    day = tmp_path / "day"
    day.mkdir()
    with (day / "policy.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([head_row, *resent])
    daily = replace(own, store_path=tmp_path / "daily.duckdb")
    shutil.copy(imported.store_path, daily.store_path)
    result = load(day, daily.store_path, daily, incremental=True)
    assert result.ok, result.rejects[:5]
    assert set(_agents_of(engine_for(daily), "policy_pnl", moved).values()) == {mine}


def _name_agent(path: Path, policies: set[str], agent: str
                ) -> tuple[list[str], list[list[str]]]:
    """Rewrite ``path`` (policy.csv) naming ``agent`` on ``policies``; returns its header
    and those rows."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = {name: i for i, name in enumerate(rows[0])}
    changed = [r for r in rows[1:] if r[col["policy_no"]] in policies]
    assert len(changed) == len(policies)
    for r in changed:
        r[col["agent_code"]] = agent
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return rows[0], changed
