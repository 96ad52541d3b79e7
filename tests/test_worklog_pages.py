"""The 工作日志 pages' callbacks on the server, as the browser posts them: a note saved
from the phone form and refused at its field, a plan saved and submitted, approved or
returned from the review page, the grants of the pages; and the reminders at sign-in
(this week's plans, returned plans, renewals due and new claims, counted against the
store directly)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from flask.testing import FlaskClient

from auth.users import get_user
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from ops import worklog_plans as plans
from ops.worklog_entries import list_entries, local_today
from ops.worklog_reminders import previous_sign_in, reminders
from pages.worklog_home import reminder_cards
from tests.dash_calls import answer, call

Login = Callable[[str], FlaskClient]


@pytest.fixture
def settings(worklog_settings: Settings) -> Settings:
    """The work log's own store (tests/worklog_fixtures.py), demo year included."""
    return worklog_settings


@pytest.fixture
def engine(settings: Settings) -> Engine:
    """The engine of the work log's own store."""
    return engine_for(settings)


@pytest.fixture
def login(worklog_login: Login) -> Login:
    return worklog_login


def _viewer(settings: Settings, username: str) -> Any:
    user = get_user(settings.users_db, username=username)
    assert user is not None
    return user.viewer()


def _save_note(client: FlaskClient, content: str, cost: Any = 66.5, code: str | None = None,
               day: str = "2026-11-18", editing: int | None = None) -> Any:
    state = [("we-date", "value", day), ("we-plan-id", "value", None),
             ("we-customer-code", "value", code), ("we-new", "checked", code is None),
             ("we-customer-name", "value", "新客户乙" if code is None else ""),
             ("we-ckind", "value", "代理客户"), ("we-content", "value", content),
             ("we-kind-choice", "value", "招待"), ("we-cost", "value", cost),
             ("we-receipt-no", "value", "FP-PAGE"), ("we-outcome-choice", "value", "无"),
             ("we-policy-no", "value", ""), ("we-editing", "data", editing)]
    return call(client, "we-message.children", [("we-save", "n_clicks", 1)], state)


def test_a_note_saved_from_the_phone_form(login: Login, engine: Engine) -> None:
    sales01 = login("sales01")
    content = f"页面-{uuid.uuid4().hex[:8]}"
    out = answer(_save_note(sales01, content))
    assert "已保存" in str(out["we-message"]["children"])
    assert out["we-cost"]["error"] is None and out["we-content"]["value"] == ""
    saved = [e for e in list_entries(engine, _viewer(engine.settings, "sales01"))
             if e["content"] == content]
    assert len(saved) == 1
    assert (saved[0]["cost"], saved[0]["kind"], saved[0]["customer_kind"]) == \
        (66.5, "招待", "代理客户")
    assert content in str(out["we-recent"]["children"])


def test_a_refused_note_shows_its_message_at_the_field_and_saves_nothing(
        login: Login, engine: Engine) -> None:
    sales01 = login("sales01")
    viewer = _viewer(engine.settings, "sales01")
    before = len(list_entries(engine, viewer, with_removed=True))
    content = f"页面-{uuid.uuid4().hex[:8]}"
    out = answer(_save_note(sales01, content, cost=-3))
    assert out["we-cost"]["error"] == "费用金额不能为负数"
    assert out["we-date"]["error"] is None
    assert "未保存" in str(out["we-message"]["children"])
    future = (local_today(engine.settings) + timedelta(days=1)).isoformat()
    out = answer(_save_note(sales01, content, day=future))
    assert "晚于今天" in out["we-date"]["error"]
    out = answer(_save_note(sales01, content, code="C999999999"))
    assert out["we-customer-code"]["error"] == "客户代码 C999999999 不存在"
    assert len(list_entries(engine, viewer, with_removed=True)) == before


def test_the_pages_check_their_grant(login: Login) -> None:
    claims = login("claims01")
    resp = _save_note(claims, "x")
    assert resp.status_code == 403
    resp = call(claims, "wr-queue.rowData", [("wr-refresh", "data", 0)])
    assert resp.status_code == 403


def test_a_plan_saved_and_submitted_then_returned_and_approved_on_the_pages(
        login: Login, engine: Engine) -> None:
    sales01, section01 = login("sales01"), login("section01")
    purpose = f"页面计划-{uuid.uuid4().hex[:8]}"
    state = [("wp-kind-choice", "value", "日常工作计划"), ("wp-start-date", "value", "2026-11-19"),
             ("wp-end-date", "value", None), ("wp-purpose", "value", purpose),
             ("wp-planned-cost", "value", 200), ("wp-customers", "value", []),
             ("wp-customer-name", "value", "华南物流集团"),
             ("wp-customer-kind", "value", "集团客户"), ("wp-phone", "value", ""),
             ("wp-id-no", "value", "91440300 ma5f12345x"),
             ("wp-editing", "data", None), ("wp-refresh", "data", 0)]
    out = answer(call(sales01, "wp-message.children", [("wp-save", "n_clicks", None),
                                                       ("wp-submit-new", "n_clicks", 1)],
                      state, trigger="wp-submit-new.n_clicks"))
    assert "已报备给 科长" in str(out["wp-message"]["children"])
    # The new customer's fields are emptied with the rest: the next plan starts clean.
    assert [out[k]["value"] for k in ("wp-customer-name", "wp-customer-kind", "wp-phone",
                                      "wp-id-no")] == ["", None, "", ""]
    viewer = _viewer(engine.settings, "sales01")
    plan = next(p for p in plans.list_plans(engine, viewer, mine=True)
                if p["purpose"] == purpose)
    assert plan["status"] == "submitted"
    assert [(c["customer_name"], c["customer_kind"], c["id_no"], c["master_no"])
            for c in plan["customers"]] == [("华南物流集团", "集团客户", "91440300MA5F12345X",
                                             None)]
    queue = answer(call(section01, "wr-queue.rowData", [("wr-refresh", "data", 0)]))
    assert plan["plan_id"] in {p["plan_id"] for p in queue["wr-queue"]["rowData"]}

    def decide(button: str, comment: str) -> dict[str, Any]:
        return answer(call(section01, "wr-message.children",
                           [("wr-approve", "n_clicks", 1 if button == "wr-approve" else None),
                            ("wr-return", "n_clicks", 1 if button == "wr-return" else None)],
                           [("wr-comment", "value", comment),
                            ("wr-selected", "data", plan["plan_id"]),
                            ("wr-refresh", "data", 0)], trigger=f"{button}.n_clicks"))

    silent = decide("wr-return", "")
    assert silent["wr-comment"]["error"] == "请填写审批意见"
    assert plans.plan(engine, viewer, plan["plan_id"])["status"] == "submitted"
    back = decide("wr-return", "请写明拜访对象")
    assert "已退回" in str(back["wr-detail"]["children"])
    seen = plans.plan(engine, viewer, plan["plan_id"])
    assert (seen["status"], seen["review_comment"]) == ("returned", "请写明拜访对象")
    # The employee sees the comment on the plan's detail, then submits it again.
    detail = answer(call(sales01, "wp-detail.children",
                         [("wp-grid", "selectedRows", [{"plan_id": plan["plan_id"]}])]))
    assert "请写明拜访对象" in str(detail["wp-detail"]["children"])
    # The prospect's 统一客户号 comes with the next load.
    assert "统一客户号待下次装载" in str(detail["wp-detail"]["children"])
    # Each step's time to the minute, as the grids show it.
    shown = str(detail["wp-detail"]["children"])
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d'", shown)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", shown)
    again = answer(call(sales01, "wp-message.children", [("wp-submit", "n_clicks", 1)],
                        [("wp-selected", "data", plan["plan_id"]), ("wp-refresh", "data", 0)]))
    assert "已报备" in str(again["wp-message"]["children"])
    assert "已批准" in str(decide("wr-approve", "")["wr-detail"]["children"])


def test_reminders_at_sign_in(login: Login, engine: Engine) -> None:
    sales01 = login("sales01")
    viewer = _viewer(engine.settings, "sales01")
    today = local_today(engine.settings)
    this_week = today - timedelta(days=today.weekday())
    planned = plans.create_plan(engine, viewer, {
        "date": this_week.isoformat(), "purpose": f"本周-{uuid.uuid4().hex[:6]}"})
    returned = plans.create_plan(engine, viewer, {
        "date": (today - timedelta(days=40)).isoformat(), "purpose": "待退回", "submit": True})
    plans.review_plan(engine, _viewer(engine.settings, "section01"), returned["plan_id"],
                      {"decision": "return", "comment": "请补充"})
    found = reminders(engine, viewer)
    assert found.week[0] == this_week and found.week[1] == this_week + timedelta(days=6)
    assert planned["plan_id"] in {p["plan_id"] for p in found.planned}
    assert all(p["end_date"] >= this_week.isoformat() for p in found.planned)
    assert returned["plan_id"] in {p["plan_id"] for p in found.returned}
    assert all(p["status"] == "returned" for p in found.returned)
    # Renewals and claims of the policies sales01 handles, counted on the store directly.
    staff = viewer.scope.staff_id
    store = duckdb.connect(str(engine.settings.store_path), read_only=True)

    def fetch(sql: str, params: dict[str, Any]) -> Any:
        return None, store.execute(sql, params).fetchall()

    _, due = fetch("SELECT count(*) FROM policy p WHERE handler_id = $s "
                             "AND status = '有效' AND end_date BETWEEN $a AND $b AND NOT "
                             "EXISTS (SELECT 1 FROM policy r WHERE r.renewal_of_policy_id = "
                             "p.policy_id)",
              {"s": staff, "a": today, "b": today + timedelta(days=30)})
    assert found.renewals_total == due[0][0] > 0
    assert all(today <= r.end_date <= today + timedelta(days=30) for r in found.renewals)
    _, claims = fetch("SELECT count(*) FROM claim k JOIN policy p USING (policy_id) "
                                "WHERE p.handler_id = $s AND k.report_date >= $d",
                      {"s": staff, "d": found.claims_since})
    store.close()
    assert found.claims_total == claims[0][0]
    # Since the sign-in before this one (the test signed in just now), or the last week.
    assert previous_sign_in(engine.settings, "sales01") is not None
    assert found.claims_since <= today - timedelta(days=6)
    cards = str(reminder_cards(engine, viewer))
    assert "本周计划" in cards and planned["purpose"] in cards and "请补充" in cards
    assert f"{found.renewals_total:,} 张保单" in cards
    assert sales01 is not None
    # A user without the work log sees no reminders.
    assert reminder_cards(engine, _viewer(engine.settings, "claims01")) is None


def test_the_administrator_sets_the_limit_on_its_page(login: Login, settings: Settings) -> None:
    admin = login("admin")
    assert call(login("sales01"), "ws-message.children", [("ws-save", "n_clicks", 1)],
                [("ws-limit", "value", 1)]).status_code == 403
    try:
        out = answer(call(admin, "ws-message.children", [("ws-save", "n_clicks", 1)],
                          [("ws-limit", "value", 250)]))
        assert out["ws-current"]["children"] == "当前上限: 250.00 元"
        refused = answer(_save_note(login("sales01"), f"页面-{uuid.uuid4().hex[:8]}",
                                    cost=300))
        assert "超过上限 250.00" in refused["we-cost"]["error"]
        none = answer(call(admin, "ws-message.children", [("ws-save", "n_clicks", 1)],
                           [("ws-limit", "value", None)]))
        assert none["ws-current"]["children"] == "当前不限"
    finally:
        answer(call(admin, "ws-message.children", [("ws-save", "n_clicks", 1)],
                    [("ws-limit", "value", 5000)]))
