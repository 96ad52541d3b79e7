"""疑似客户审核: the queue (page and API) is scoped and masked on the server like the
reports, decisions are taken only on pairs the user may see, bad input gets a 400
naming the field in Chinese, and the rule priorities are kept and audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import duckdb
import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.audit import query_audit
from auth.users import create_user, get_user
from data.customers import MatchRule
from data.settings import Settings
from engines.base import Engine
from ops import customers as decisions
from queries import customer_review as review
from queries.access import DataScope, Viewer
from tests.auth_fixtures import sign_in

SLUGS = frozenset({review.REVIEW_SLUG, review.LIST_SLUG, review.MASTERS_SLUG})


def _viewer(scope: DataScope, personal: bool = True) -> Viewer:
    return Viewer(90, "steward-test", "测试", SLUGS, scope, personal)


def _store_rows(settings: Settings, sql: str, params: list[object] | None = None) -> list:
    with duckdb.connect(str(settings.store_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def branch(app_server: Flask, settings: Settings) -> int:
    """The demo 客户信息管理员's branch (the app's start made the demo users)."""
    user = get_user(settings.users_db, username="steward01")
    assert user is not None and user.scope == "branch" and user.branch_id is not None
    return int(user.branch_id)


@pytest.fixture(scope="module")
def steward(app_server: Flask) -> FlaskClient:
    return sign_in(app_server, "steward01")


def test_a_branch_sees_only_pairs_touching_its_business(engine: Engine, branch: int
                                                         ) -> None:
    everyone = review.suspects(engine, _viewer(DataScope("company")), {}, limit=200)
    mine = review.suspects(engine, _viewer(DataScope("branch", branch_id=branch)), {},
                           limit=200)
    total, touching = _store_rows(engine.settings, """SELECT count(*),
        count(*) FILTER (WHERE list_contains(branch_ids, ?)) FROM customer_suspect""",
                                  [branch])[0]
    assert everyone.total == total > 0
    assert mine.total == touching and 0 < touching < total
    ids = [r["suspect_id"] for r in mine.rows]
    inside = _store_rows(engine.settings, "SELECT count(*) FROM customer_suspect WHERE suspect_id "
                                   "IN (SELECT unnest(?)) AND list_contains(branch_ids, ?)",
                         [ids, branch])[0][0]
    assert inside == len(ids) == min(200, touching)


def test_personal_fields_are_masked_without_the_flag(engine: Engine) -> None:
    plain = review.suspects(engine, _viewer(DataScope("company")), {}, limit=50).rows
    masked = review.suspects(engine, _viewer(DataScope("company"), personal=False), {},
                             limit=50).rows
    assert [r["suspect_id"] for r in plain] == [r["suspect_id"] for r in masked]
    shown = [(p, m) for p, m in zip(plain, masked, strict=True) if p["id_no_l"]
             and len(p["id_no_l"]) == 18]
    assert shown and all("*" in m["id_no_l"] and m["id_no_l"] != p["id_no_l"]
                         for p, m in shown)
    assert all(m["customer_name_l"] == p["customer_name_l"] for p, m in shown)
    phones = [m["mobile_r"] for m in masked if m["mobile_r"] and len(m["mobile_r"]) >= 7]
    assert phones and all("****" in p for p in phones)


def test_a_pair_outside_the_scope_cannot_be_seen_or_decided(settings: Settings, branch: int,
                                                            steward: FlaskClient) -> None:
    outside = _store_rows(settings, "SELECT suspect_id FROM customer_suspect WHERE NOT "
                                    "list_contains(branch_ids, ?) LIMIT 1", [branch])[0][0]
    before = len(decisions.decisions(settings.users_db, live_only=False))
    assert steward.get(f"/api/customers/suspects/{outside}").status_code == 404
    resp = steward.post(f"/api/customers/suspects/{outside}/decision",
                        json={"decision": "merge"})
    assert resp.status_code == 404 and "数据范围" in resp.get_json()["error"]
    assert len(decisions.decisions(settings.users_db, live_only=False)) == before


def test_a_decision_is_kept_audited_and_undone(settings: Settings,
                                               steward: FlaskClient) -> None:
    listed = steward.get("/api/customers/suspects?limit=5").get_json()
    assert listed["total"] > 0 and len(listed["suspects"]) <= 5
    pair = listed["suspects"][0]
    sid = pair["suspect_id"]
    resp = steward.post(f"/api/customers/suspects/{sid}/decision",
                        json={"decision": "split", "side": "r", "reason": "不同的人"})
    assert resp.status_code == 200, resp.get_json()
    decided = resp.get_json()["decision"]
    assert decided["decision"] == "detach" and decided["made_by"] == "steward01"
    kept = [d for d in decisions.decisions(settings.users_db)
            if d["decision_id"] == decided["decision_id"]]
    assert kept[0]["customer_code_a"] == pair["customer_code_r"] and kept[0]["reason"] == "不同的人"
    again = steward.get(f"/api/customers/suspects/{sid}").get_json()
    assert again["decision"]["decision_id"] == decided["decision_id"]
    undone = steward.post(f"/api/customers/suspects/{sid}/decision", json={"decision": "undo"})
    assert undone.status_code == 200 and undone.get_json()["decision"] is None
    events = [(r["event"], r["username"]) for r in query_audit(settings.users_db, limit=20)]
    assert ("customer_decision", "steward01") in events
    assert ("customer_decision_undo", "steward01") in events
    # Undo by the decision's id, as after a load applied it.
    made = steward.post(f"/api/customers/suspects/{sid}/decision",
                        json={"decision": "merge"}).get_json()["decision"]
    assert steward.post(f"/api/customers/decisions/{made['decision_id']}/undo"
                        ).status_code == 200
    assert steward.post(f"/api/customers/decisions/{made['decision_id']}/undo"
                        ).status_code == 404


@pytest.mark.parametrize(("body", "field", "words"), [
    ({}, "decision", "decision (决定) 应为"),
    ({"decision": "delete"}, "decision", "merge (合并)"),
    ({"decision": "split"}, "side", "拆出哪一条记录"),
    ({"decision": "split", "side": "x"}, "side", "l (甲) 或 r (乙)"),
    ({"decision": "merge", "side": "l"}, "side", "只有拆分"),
    ({"decision": "merge", "reason": "长" * 201}, "reason", "不超过 200 字"),
    ([1, 2], "decision", "JSON 对象"),
], ids=["missing", "unknown", "split-no-side", "bad-side", "side-on-merge", "long-reason",
        "not-an-object"])
def test_bad_input_is_refused_naming_the_field(settings: Settings, steward: FlaskClient,
                                               body: object, field: str, words: str) -> None:
    sid = steward.get("/api/customers/suspects?limit=1").get_json()["suspects"][0]["suspect_id"]
    before = len(decisions.decisions(settings.users_db, live_only=False))
    resp = steward.post(f"/api/customers/suspects/{sid}/decision", json=body)
    assert resp.status_code == 400
    got = resp.get_json()
    assert got["field"] == field and words in got["error"]
    assert len(decisions.decisions(settings.users_db, live_only=False)) == before


def test_bad_paging_is_refused_naming_the_parameter(steward: FlaskClient) -> None:
    resp = steward.get("/api/customers/suspects?limit=0")
    assert resp.status_code == 400 and resp.get_json()["field"] == "limit"
    resp = steward.get("/api/customers/suspects?score_min=abc")
    assert resp.status_code == 400 and resp.get_json()["field"] == "score"
    assert "相似度" in resp.get_json()["error"]


def test_the_queue_needs_its_grant(login: Callable[[str], FlaskClient]) -> None:
    # A 支公司经理 holds every report area but the customer-data one.
    head = login("branch01")
    assert head.get("/api/customers/suspects").status_code == 403
    assert head.post("/api/customers/suspects/1/decision",
                     json={"decision": "merge"}).status_code == 403
    assert head.get("/api/reports/customer-suspects").status_code == 403
    assert login("gm").get("/api/customers/suspects?limit=1").status_code == 200


def test_a_masked_steward_gets_masked_rows_from_the_api(settings: Settings,
                                                        app_server: Flask) -> None:
    if get_user(settings.users_db, username="steward-masked") is None:
        create_user(settings.users_db, username="steward-masked", display_name="脱敏管理员",
                    password="masked-pass-2026", scope="company",
                    pages={"area:customer_data"}, role="客户信息管理员",
                    personal_data=False, must_change_password=False)
    client = sign_in(app_server, "steward-masked", "masked-pass-2026")
    rows = client.get("/api/customers/suspects?limit=50").get_json()["suspects"]
    numbers = [r["id_no_l"] for r in rows if r["id_no_l"] and len(r["id_no_l"]) == 18]
    assert numbers and all("*" in n for n in numbers)


def test_rule_priorities_are_kept_checked_and_audited(settings: Settings) -> None:
    db = replace(settings).users_db
    before = decisions.rules(db)
    new = (MatchRule("name_mobile", ("name", "mobile")), MatchRule("id", ("id",), True),
           MatchRule("name_birth", ("name", "birth"), enabled=False))
    try:
        decisions.save_rules(db, new, "admin")
        assert decisions.rules(db) == new
        config, _ = decisions.load_inputs(db)
        assert [r.code for r in config.active_rules] == ["name_mobile", "id"]
        assert query_audit(db, limit=1)[0]["event"] == "customer_rules"
        with pytest.raises(ValueError, match="规则代码重复"):
            decisions.save_rules(db, (*new, MatchRule("id", ("mobile",))), "admin")
        with pytest.raises(ValueError, match="至少要启用一条规则"):
            decisions.save_rules(db, (MatchRule("id", ("id",), True, enabled=False),), "admin")
    finally:
        decisions.save_rules(db, before, "admin")
