"""The 工作日志 API as the demo users use it: sales01 writes notes and plans and submits
them, section01 approves or returns, branch01 and gm see their tiers, another
department's salesperson sees nothing of sales01's; every bad field answers 400 naming
it and saves nothing; the editing rules; the grants and the origin check."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from auth.audit import query_audit
from auth.users import get_user
from data.settings import Settings
from ops import db as ops_db
from ops.worklog_tables import (
    worklog_changes,
    worklog_entries,
    worklog_form_issues,
    worklog_plans,
    worklog_problems,
)

Login = Callable[[str], FlaskClient]


@pytest.fixture
def settings(worklog_settings: Settings) -> Settings:
    """The work log's own store (tests/worklog_fixtures.py), demo year included."""
    return worklog_settings


@pytest.fixture
def login(worklog_login: Login) -> Login:
    return worklog_login
YEAR = {"from": "2025-01-01", "to": "2026-12-31"}


def _mark() -> str:
    return f"测试-{uuid.uuid4().hex[:8]}"


def _note(client: FlaskClient, **fields: Any) -> Any:
    body = {"date": "2026-11-18", "content": _mark(), "cost": "35.50", "kind": "交通",
            **fields}
    resp = client.post("/api/worklog/entries", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _contents(client: FlaskClient) -> set[str]:
    resp = client.get("/api/worklog/entries", query_string=YEAR)
    assert resp.status_code == 200
    return {r["content"] for r in resp.get_json()["rows"]}


def _plan(client: FlaskClient, submit: bool = False) -> Any:
    resp = client.post("/api/worklog/plans", json={
        "kind": "日常工作计划", "date": "2026-11-19", "purpose": _mark(),
        "planned_cost": "300", "submit": submit,
        "customers": [{"customer_name": "顺达汽车服务部", "customer_kind": "代理客户",
                       "phone": "13800138000"}]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _counts(settings: Settings) -> tuple[int, ...]:
    with ops_db.read(settings.users_db) as con:
        tables = (worklog_entries, worklog_plans, worklog_form_issues, worklog_problems)
        counts = [con.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in tables]
        version = con.execute(select(worklog_changes.c.version)).scalar_one()
    audited = [e for e in query_audit(settings.users_db, limit=100000)
               if e["event"].startswith("worklog")]
    return (*counts, version, len(audited))


def test_a_note_is_seen_by_its_tiers_and_by_no_one_else(login: Login) -> None:
    sales01 = login("sales01")
    note = _note(sales01, customer_name="王先生", customer_kind="间接客户")
    content = note["content"]
    assert note["cost"] == 35.5 and note["kind"] == "交通" and note["editable"]
    for user in ("sales01", "section01", "branch01", "gm"):
        assert content in _contents(login(user)), user
    for user in ("sales02", "sales03", "section02"):
        assert content not in _contents(login(user)), user
    # Each tier sees exactly its own column of the organisation.
    sales = login("sales01").get("/api/worklog/entries", query_string=YEAR).get_json()["rows"]
    section = login("section01").get("/api/worklog/entries",
                                     query_string=YEAR).get_json()["rows"]
    branch = login("branch01").get("/api/worklog/entries", query_string=YEAR).get_json()["rows"]
    company = login("gm").get("/api/worklog/entries", query_string=YEAR).get_json()["rows"]
    assert {r["user_id"] for r in sales} == {note["user_id"]}
    assert {r["dept_id"] for r in section} == {note["dept_id"]}
    assert len({r["user_id"] for r in section}) >= 2  # sales01 and sales02
    assert {r["branch_id"] for r in branch} == {note["branch_id"]}
    assert len({r["dept_id"] for r in branch}) >= 3
    assert len(company) >= len(branch) > len(section) > len(sales) > 50  # the demo year
    # Another department's note cannot be read by id either.
    other = login("sales03")
    assert other.get(f"/api/worklog/entries/{note['entry_id']}").status_code == 404


def test_the_period_filters_the_notes(login: Login) -> None:
    sales01 = login("sales01")
    rows = sales01.get("/api/worklog/entries",
                       query_string={"from": "2026-11-01", "to": "2026-11-10"}).get_json()["rows"]
    assert rows and all("2026-11-01" <= r["date"] <= "2026-11-10" for r in rows)
    bad = sales01.get("/api/worklog/entries", query_string={"from": "2026-13-01"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "from"
    backwards = sales01.get("/api/worklog/entries",
                            query_string={"from": "2026-11-10", "to": "2026-11-01"})
    assert backwards.status_code == 400 and backwards.get_json()["field"] == "to"


BAD_NOTES = [
    ({"cost": "-5"}, "cost", "不能为负数"),
    ({"cost": "12.345"}, "cost", "两位小数"),
    ({"cost": "abc"}, "cost", "金额"),
    ({"cost": "6000", "kind": "招待"}, "cost", "超过上限 5,000.00"),
    ({"date": "2099-01-01"}, "date", "晚于今天"),
    ({"date": "2026-02-30"}, "date", "YYYY-MM-DD"),
    ({"customer_code": "C999999999"}, "customer_code", "不存在"),
    ({"kind": "住宿"}, "kind", "交通 / 招待"),
    ({"kind": None}, "kind", "请选择费用类别"),
    ({"content": "  "}, "content", "请填写工作内容"),
    ({"outcome": "签单"}, "policy_no", "保单号"),
    ({"outcome": "成功"}, "outcome", "报价 / 签单 / 无"),
    ({"plan_id": 999999}, "plan_id", "没有您的计划"),
    ({"plan_id": "x"}, "plan_id", "整数"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_NOTES)
def test_a_bad_note_field_answers_400_naming_it_and_saves_nothing(
        login: Login, settings: Settings, change: dict[str, Any], field: str,
        words: str) -> None:
    sales01 = login("sales01")
    before = _counts(settings)
    body = {"date": "2026-11-18", "content": _mark(), "cost": "10", "kind": "交通", **change}
    resp = sales01.post("/api/worklog/entries", json=body)
    assert resp.status_code == 400
    answer = resp.get_json()
    assert answer["field"] == field and words in answer["error"], answer
    assert _counts(settings) == before


BAD_PLANS = [
    ({"start_date": "2026-11-20", "end_date": "2026-11-01", "date": None}, "end_date",
     "早于开始日期"),
    ({"planned_cost": "-1"}, "planned_cost", "不能为负数"),
    ({"kind": "周计划"}, "kind", "月计划 / 日常工作计划"),
    ({"purpose": ""}, "purpose", "请填写计划目的"),
    ({"date": None}, "start_date", "请填写开始日期"),
    ({"customers": [{"customer_name": "甲"}]}, "customers[0].customer_kind", "类别"),
    ({"customers": [{"customer_name": "甲", "customer_kind": "集团客户"},
                    {"customer_code": "NO-SUCH"}]}, "customers[1].customer_code", "不存在"),
    ({"customers": "甲"}, "customers", "列表"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_PLANS)
def test_a_bad_plan_field_answers_400_naming_it_and_saves_nothing(
        login: Login, settings: Settings, change: dict[str, Any], field: str,
        words: str) -> None:
    before = _counts(settings)
    body = {"kind": "日常工作计划", "date": "2026-11-19", "purpose": "拜访",
            "submit": True, **change}
    resp = login("sales01").post("/api/worklog/plans", json=body)
    assert resp.status_code == 400
    answer = resp.get_json()
    assert answer["field"] == field and words in answer["error"], answer
    assert _counts(settings) == before


def test_a_body_that_is_no_json_object_is_refused(login: Login, settings: Settings) -> None:
    before = _counts(settings)
    resp = login("sales01").post("/api/worklog/entries", data="content=x",
                                 content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and resp.get_json()["field"] == "body"
    assert _counts(settings) == before


def test_submit_return_resubmit_approve(login: Login, settings: Settings) -> None:
    sales01, section01 = login("sales01"), login("section01")
    plan = _plan(sales01, submit=True)
    plan_id = plan["plan_id"]
    assert plan["status"] == "submitted" and plan["reviewer_name"] == "科长"
    queue = section01.get("/api/worklog/reviews").get_json()["rows"]
    assert plan_id in {p["plan_id"] for p in queue if p["assigned_to_me"]}
    assert plan_id not in {p["plan_id"] for p in
                           login("section02").get("/api/worklog/reviews").get_json()["rows"]}
    # Nobody decides on their own plan; another department's head cannot even see it.
    own = sales01.post(f"/api/worklog/plans/{plan_id}/review", json={"decision": "approve"})
    assert own.status_code == 403
    assert login("section02").post(f"/api/worklog/plans/{plan_id}/review",
                                   json={"decision": "approve"}).status_code == 404
    silent = section01.post(f"/api/worklog/plans/{plan_id}/review", json={"decision": "return"})
    assert silent.status_code == 400 and silent.get_json()["field"] == "comment"
    odd = section01.post(f"/api/worklog/plans/{plan_id}/review", json={"decision": "maybe"})
    assert odd.status_code == 400 and odd.get_json()["field"] == "decision"
    back = section01.post(f"/api/worklog/plans/{plan_id}/review",
                          json={"decision": "return", "comment": "请补充客户名单"})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"
    # The employee sees the feedback, changes the plan and submits it again.
    seen = sales01.get(f"/api/worklog/plans/{plan_id}").get_json()
    assert seen["status_label"] == "已退回" and seen["review_comment"] == "请补充客户名单"
    assert [s["step"] for s in seen["history"]] == ["submit", "return"]
    changed = sales01.put(f"/api/worklog/plans/{plan_id}", json={
        "kind": "日常工作计划", "date": "2026-11-19", "purpose": "补充后的计划",
        "customers": [{"customer_name": "华南物流集团", "customer_kind": "集团客户"}]})
    assert changed.status_code == 200 and changed.get_json()["customers"][0]["customer_name"] \
        == "华南物流集团"
    assert sales01.post(f"/api/worklog/plans/{plan_id}/submit").get_json()["status"] \
        == "submitted"
    done = section01.post(f"/api/worklog/plans/{plan_id}/review",
                          json={"decision": "approve", "comment": "同意"})
    assert done.get_json()["status"] == "approved"
    assert [s["step"] for s in done.get_json()["history"]] == \
        ["submit", "return", "submit", "approve"]
    # An approved plan is not changed or submitted again.
    assert sales01.put(f"/api/worklog/plans/{plan_id}", json={
        "date": "2026-11-19", "purpose": "再改"}).status_code == 409
    assert sales01.post(f"/api/worklog/plans/{plan_id}/submit").status_code == 409
    events = [e["event"] for e in query_audit(settings.users_db, limit=100000)
              if e["detail"] and f'"plan_id": {plan_id}' in e["detail"]]
    assert sorted(events) == sorted(["worklog_plan_created", "worklog_plan_submitted",
                                     "worklog_plan_returned", "worklog_plan_updated",
                                     "worklog_plan_submitted", "worklog_plan_approved"])


def test_the_branch_manager_and_gm_may_decide_in_the_heads_place(login: Login) -> None:
    plan = _plan(login("sales01"), submit=True)
    branch_queue = login("branch01").get("/api/worklog/reviews").get_json()["rows"]
    assert plan["plan_id"] in {p["plan_id"] for p in branch_queue}
    resp = login("branch01").post(f"/api/worklog/plans/{plan['plan_id']}/review",
                                  json={"decision": "approve"})
    assert resp.status_code == 200 and resp.get_json()["reviewer_name"] == "支公司经理"


def test_a_department_without_a_head_account_submits_to_the_branch_manager(
        login: Login, settings: Settings) -> None:
    sales04 = get_user(settings.users_db, username="sales04")
    assert sales04 is not None
    plan = _plan(login("sales04"), submit=True)
    assert plan["reviewer_name"] == "支公司经理"


def test_a_note_is_changed_until_its_plan_is_approved_then_corrected(
        login: Login, settings: Settings) -> None:
    sales01, section01 = login("sales01"), login("section01")
    plan = _plan(sales01)
    note = _note(sales01, plan_id=plan["plan_id"])
    entry_id = note["entry_id"]
    fixed = sales01.put(f"/api/worklog/entries/{entry_id}",
                        json={"date": "2026-11-18", "content": note["content"], "cost": "40",
                              "kind": "交通"})
    assert fixed.status_code == 200 and fixed.get_json()["cost"] == 40.0
    # Another user cannot change it, even one who sees it.
    assert section01.put(f"/api/worklog/entries/{entry_id}",
                         json={"content": "x"}).status_code == 403
    sales01.post(f"/api/worklog/plans/{plan['plan_id']}/submit")
    section01.post(f"/api/worklog/plans/{plan['plan_id']}/review", json={"decision": "approve"})
    locked = sales01.put(f"/api/worklog/entries/{entry_id}",
                         json={"date": "2026-11-18", "content": "改", "cost": "1", "kind": "交通"})
    assert locked.status_code == 409 and "更正记事" in locked.get_json()["error"]
    assert sales01.delete(f"/api/worklog/entries/{entry_id}").status_code == 409
    correction = sales01.post(f"/api/worklog/entries/{entry_id}/correct", json={
        "date": "2026-11-18", "content": note["content"] + " 更正", "cost": "38.00",
        "kind": "交通", "receipt_no": "FP-1"})
    assert correction.status_code == 201
    new = correction.get_json()
    assert new["corrects_entry_id"] == entry_id and new["plan_id"] == plan["plan_id"]
    old = sales01.get(f"/api/worklog/entries/{entry_id}").get_json()
    assert old["superseded_by"] == new["entry_id"] and not old["editable"]
    listed = _contents(sales01)
    assert note["content"] + " 更正" in listed and note["content"] not in listed
    again = sales01.post(f"/api/worklog/entries/{entry_id}/correct", json={"content": "再改"})
    assert again.status_code == 409
    assert any(e["event"] == "worklog_entry_corrected" for e in query_audit(
        settings.users_db, username="sales01", limit=100000))


def test_a_note_is_deleted_softly_and_the_deletion_audited(login: Login,
                                                           settings: Settings) -> None:
    sales01 = login("sales01")
    note = _note(sales01)
    assert login("sales02").delete(f"/api/worklog/entries/{note['entry_id']}").status_code \
        == 404
    gone = sales01.delete(f"/api/worklog/entries/{note['entry_id']}")
    assert gone.status_code == 200 and gone.get_json()["deleted_at"]
    assert note["content"] not in _contents(sales01)
    with_removed = sales01.get("/api/worklog/entries",
                               query_string={**YEAR, "removed": "1"}).get_json()["rows"]
    assert note["content"] in {r["content"] for r in with_removed}
    with ops_db.read(settings.users_db) as con:
        row = con.execute(select(worklog_entries).where(
            worklog_entries.c.entry_id == note["entry_id"])).one()
    assert row.deleted_by == note["user_id"]
    audit = query_audit(settings.users_db, username="sales01", event="worklog_entry_deleted")
    assert any(f'"entry_id": {note["entry_id"]}' in (e["detail"] or "") for e in audit)


def test_every_write_bumps_the_change_counter(login: Login, settings: Settings) -> None:
    before = _counts(settings)[-2]
    _note(login("sales01"))
    assert _counts(settings)[-2] == before + 1


def test_budgets_forms_and_problems(login: Login, settings: Settings) -> None:
    sales01, section01 = login("sales01"), login("section01")
    budget = sales01.post("/api/worklog/budgets", json={"year": 2026, "amount": "42,000"})
    assert budget.status_code == 200 and budget.get_json()["amount"] == 42000.0
    assert sales01.post("/api/worklog/budgets", json={"year": 2026, "amount": "-1"}
                        ).get_json()["field"] == "amount"
    mine = sales01.get("/api/worklog/budgets", query_string={"year": 2026}).get_json()["rows"]
    assert [b["amount"] for b in mine] == [42000.0]
    dept = section01.get("/api/worklog/budgets", query_string={"year": 2026}).get_json()["rows"]
    assert len(dept) >= 2 and 42000.0 in {b["amount"] for b in dept}

    form_type = _mark()
    issued = sales01.post("/api/worklog/forms", json={
        "form_type": form_type, "action": "领用", "serial_from": "000101",
        "serial_to": "000150"})
    assert issued.status_code == 201 and issued.get_json()["balance"] == 50
    too_many = sales01.post("/api/worklog/forms", json={
        "form_type": form_type, "action": "使用", "count": 51})
    assert too_many.status_code == 400 and too_many.get_json()["field"] == "count"
    mismatch = sales01.post("/api/worklog/forms", json={
        "form_type": form_type, "action": "使用", "serial_from": "000101",
        "serial_to": "000110", "count": 3})
    assert mismatch.status_code == 400 and "不符" in mismatch.get_json()["error"]
    sales01.post("/api/worklog/forms", json={"form_type": form_type, "action": "作废",
                                             "count": 2})
    balances = sales01.get("/api/worklog/forms").get_json()["balances"]
    assert [(b["领用"], b["作废"], b["balance"]) for b in balances
            if b["form_type"] == form_type] == [(50, 2, 48)]
    assert form_type not in {b["form_type"] for b in
                             login("sales03").get("/api/worklog/forms").get_json()["balances"]}

    head = get_user(settings.users_db, username="section01")
    assert head is not None
    title = _mark()
    raised = sales01.post("/api/worklog/problems", json={
        "title": title, "body": "打印机坏了", "assignee_user_id": head.user_id})
    assert raised.status_code == 201 and raised.get_json()["status"] == "待处理"
    problem_id = raised.get_json()["problem_id"]
    assert sales01.post("/api/worklog/problems", json={"title": "x"}).get_json()["field"] \
        == "assignee_user_id"
    assert title in {p["title"] for p in section01.get("/api/worklog/problems"
                                                       ).get_json()["rows"]}
    assert title not in {p["title"] for p in login("sales03").get("/api/worklog/problems"
                                                                  ).get_json()["rows"]}
    answer = section01.post(f"/api/worklog/problems/{problem_id}/replies",
                            json={"body": "已报修", "status": "处理中"})
    assert answer.status_code == 201
    seen = sales01.get(f"/api/worklog/problems/{problem_id}").get_json()
    assert seen["status"] == "处理中" and [r["body"] for r in seen["replies"]] == ["已报修"]


def test_the_administrator_sets_the_per_note_limit(login: Login) -> None:
    admin, sales01 = login("admin"), login("sales01")
    assert sales01.put("/api/worklog/settings", json={"expense_limit": "1"}).status_code == 403
    assert admin.put("/api/worklog/settings", json={"expense_limit": "-1"}
                     ).get_json()["field"] == "expense_limit"
    try:
        assert admin.put("/api/worklog/settings", json={"expense_limit": "100"}
                         ).get_json() == {"expense_limit": 100.0}
        refused = sales01.post("/api/worklog/entries", json={
            "content": _mark(), "cost": "150", "kind": "招待"})
        assert refused.status_code == 400 and "100.00" in refused.get_json()["error"]
        assert sales01.get("/api/worklog/settings").get_json() == {"expense_limit": 100.0}
    finally:
        admin.put("/api/worklog/settings", json={"expense_limit": "5000"})


def test_grants_and_the_origin_check(login: Login) -> None:
    assert login("claims01").get("/api/worklog/entries").status_code == 403
    assert login("finance01").post("/api/worklog/entries",
                                   json={"content": "x"}).status_code == 403
    forged = login("sales01").post("/api/worklog/entries", json={"content": _mark()},
                                   headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    anonymous = login("sales01").application.test_client()
    assert anonymous.get("/api/worklog/entries").status_code == 401
