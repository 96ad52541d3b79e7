"""The 工作日志 query reports on a tiny store with hand-worked figures: a saved note is in
the next query; each tier sees its rows and no one else's; the cost to serve beside the
customer's premium, commission and P&L, shared between the people who served them; each
anomaly rule found on its crafted case and on no clean one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from ops import worklog_tables as wt
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_detail, run_summary
from tests.ops_fixtures import with_own_database
from tests.tiny_store import AS_OF, build_tiny_store, claim, claim_payment, policy, receipt
from tests.worklog_rows import author, budget, note, plan, update

D = date
BRANCHES = [{"branch_id": b, "branch_code": f"44{b:02d}", "branch_name": n, "province": "广东",
             "plate_prefix": "粤A"} for b, n in ((1, "广州支公司"), (2, "深圳支公司"))]
DEPTS = [{"dept_id": d, "dept_code": f"44{b:02d}0{d}", "dept_name": n, "branch_id": b}
         for d, b, n in ((1, 1, "营业一部"), (2, 1, "营业二部"), (3, 2, "深圳营业部"))]
STAFF = [{"staff_id": s, "staff_code": f"E0000{s}", "staff_name": n, "dept_id": d,
          "branch_id": b, "title": "业务员", "left_date": None}
         for s, n, d, b in ((1, "张三", 1, 1), (2, "李四", 1, 1), (3, "王五", 2, 1),
                            (4, "赵六", 3, 2))]
CUSTOMERS = [{"customer_id": c, "customer_code": f"C{c}", "customer_name": n,
              "customer_kind": "单位", "id_type": "统一社会信用代码", "id_no": f"9144{c:014d}",
              "phone": None, "mobile": None, "address": None, "birthday": None}
             for c, n in ((1, "华南物流"), (2, "顺达汽修"), (3, "远洋贸易"))]
ZHANG = author(11, "张三", 1, 1, 1)
LI = author(12, "李四", 2, 1, 1)
WANG = author(13, "王五", 3, 2, 1)
ZHAO = author(14, "赵六", 4, 3, 2)


def viewer(scope: DataScope) -> Viewer:
    return Viewer(1, "v", "v", frozenset(CATALOG), scope, True)


GM = viewer(DataScope("company"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Customer C1: two 2026 policies handled by 张三 (premium 1 000.00 and 3 000.00,
    received 1 000.00 and 2 500.00), commission 120.00 on the first, a closed claim paid
    400.00 on the second and an open one estimated 250.00; C2 no policy; C3 one 2026
    policy of 100.00 handled by 王五."""
    rows: dict[str, list[dict[str, Any]]] = {
        "branch": BRANCHES, "department": DEPTS, "staff": STAFF, "customer": CUSTOMERS,
        "policy": [policy(1, insured_id=1, applicant_id=1, premium=1000, premium_cny=1000,
                          start_date=D(2026, 2, 1), end_date=D(2027, 1, 31)),
                   policy(2, insured_id=1, applicant_id=1, premium=3000, premium_cny=3000,
                          start_date=D(2026, 3, 1), end_date=D(2027, 2, 28)),
                   policy(3, insured_id=3, applicant_id=3, premium=100, premium_cny=100,
                          handler_id=3, dept_id=2, start_date=D(2026, 4, 1),
                          end_date=D(2027, 3, 31))],
        "receipt": [receipt(1, 1, D(2026, 2, 1), 1000), receipt(2, 2, D(2026, 3, 1), 2500),
                    receipt(3, 3, D(2026, 4, 1), 100)],
        "commission": [{"commission_id": 1, "fee_receipt_no": "F1", "policy_id": 1,
                        "agent_id": 1, "paying_agent_id": 1, "pay_date": D(2026, 2, 10),
                        "currency_id": 1, "amount": 120, "amount_cny": 120}],
        "claim": [claim(1, 2, report=D(2026, 4, 1), register=D(2026, 4, 2),
                        close=D(2026, 5, 1)),
                  claim(2, 2, report=D(2026, 5, 10), register=D(2026, 5, 11), estimate=250)],
        "claim_payment": [claim_payment(1, 1, D(2026, 4, 30), 400)],
    }
    return build_tiny_store(tmp_path_factory.mktemp("worklog") / "store.duckdb", rows)


@pytest.fixture
def tiny(store: Path, tmp_path: Path) -> Settings:
    """The tiny store with an empty work log of its own."""
    return with_own_database(replace(Settings(), store_path=store, as_of=AS_OF),
                             tmp_path / "ops.sqlite")


def rows(engine: Engine, slug: str, v: Viewer = GM, **args: str) -> list[dict[str, Any]]:
    report = CATALOG[slug]
    return run_detail(engine, report, parse_filters(report, args, AS_OF), v,
                      limit=1000).rows


def summary(engine: Engine, slug: str, key: str, v: Viewer = GM) -> Any:
    report = CATALOG[slug]
    return run_summary(engine, report, parse_filters(report, {}, AS_OF), v, key)


def test_a_saved_note_is_in_the_next_query(tiny: Settings) -> None:
    assert rows(engine_for(tiny), "worklog-note-list") == []
    note(tiny.users_db, ZHANG, D(2026, 6, 1), "88.80", customer="C1", content="面谈续保")
    (only,) = rows(engine_for(tiny), "worklog-note-list")
    assert (only["customer_name"], only["expense_amount"], only["author_name"]) == (
        "华南物流", 88.8, "张三")
    second = note(tiny.users_db, ZHANG, D(2026, 6, 2), "10.00", customer="C2")
    assert len(rows(engine_for(tiny), "worklog-note-list")) == 2
    update(tiny.users_db, wt.worklog_entries, "entry_id", second,
           deleted_at="2026-06-03T01:00:00")
    assert [r["content"] for r in rows(engine_for(tiny), "worklog-note-list")] == ["面谈续保"]


def test_each_tier_sees_its_rows_and_no_one_elses(tiny: Settings) -> None:
    for who, cost in ((ZHANG, "10.00"), (LI, "20.00"), (WANG, "30.00"), (ZHAO, "40.00")):
        note(tiny.users_db, who, D(2026, 6, 1), cost, customer="C1")
    seen = {
        "张三 (本人)": DataScope("self", 1, 1, 1),
        "王五 (另一科室的业务员)": DataScope("self", 1, 2, 3),
        "科长 (营业一部)": DataScope("department", 1, 1),
        "支公司经理 (广州)": DataScope("branch", 1),
        "总经理": DataScope("company"),
    }
    names = {tier: sorted(r["author_name"] for r in rows(engine_for(tiny), "worklog-note-list",
                                                         viewer(s)))
             for tier, s in seen.items()}
    assert names == {"张三 (本人)": ["张三"], "王五 (另一科室的业务员)": ["王五"],
                     "科长 (营业一部)": ["张三", "李四"],
                     "支公司经理 (广州)": ["张三", "李四", "王五"],
                     "总经理": ["张三", "李四", "王五", "赵六"]}
    # The same scope on every worklog report: 王五 sees nothing of 张三's.
    for slug in ("worklog-expenses", "worklog-cost-to-serve", "worklog-anomalies"):
        assert all(r.get("staff_code") != "E00001"
                   for r in rows(engine_for(tiny), slug,
                                 viewer(seen["王五 (另一科室的业务员)"]))), slug


def test_cost_to_serve_is_shared_by_expense_and_adds_up(tiny: Settings) -> None:
    db = tiny.users_db
    note(db, ZHANG, D(2026, 6, 1), "100.00", customer="C1")
    note(db, ZHANG, D(2026, 6, 8), "50.00", customer="C1")
    note(db, LI, D(2026, 6, 2), "50.00", customer="C1")
    note(db, ZHANG, D(2026, 6, 3), "30.00", customer="C2")
    by_key = {(r["person_name"], r["customer_code"]): r
              for r in rows(engine_for(tiny), "worklog-cost-to-serve")}
    assert set(by_key) == {("张三", "C1"), ("李四", "C1"), ("张三", "C2")}
    # C1 in 2026 (by hand): premium 1 000 + 3 000 = 4 000, received 3 500, commission 120,
    # paid (closed) 400, outstanding 250 → P&L 3 500 − 120 − 400 − 250 = 2 730.
    # 张三 spent 150 of 200 (75 %), 李四 50 (25 %).
    zhang, li = by_key["张三", "C1"], by_key["李四", "C1"]
    assert (zhang["visits"], zhang["expense"], zhang["share_pct"]) == (2, 150.0, 75.0)
    assert (li["visits"], li["expense"], li["share_pct"]) == (1, 50.0, 25.0)
    expected_zhang = {"premium": 3000.0, "received": 2625.0, "commission": 90.0,
                      "paid_closed": 300.0, "outstanding": 187.5, "customer_pnl": 2047.5,
                      "pnl_after_cost": 1897.5}
    expected_li = {"premium": 1000.0, "received": 875.0, "commission": 30.0,
                   "paid_closed": 100.0, "outstanding": 62.5, "customer_pnl": 682.5,
                   "pnl_after_cost": 632.5}
    assert {k: zhang[k] for k in expected_zhang} == expected_zhang
    assert {k: li[k] for k in expected_li} == expected_li
    c2 = by_key["张三", "C2"]  # no policy: nothing beside the 30.00 spent
    assert (c2["premium"], c2["customer_pnl"], c2["pnl_after_cost"]) == (0.0, 0.0, -30.0)
    # By customer the figures are the customer's own, once; by salesperson the shares.
    customers = {r["customer_code"]: r for r in summary(engine_for(tiny), "worklog-cost-to-serve",
                                                        "by-customer").rows}
    assert (customers["C1"]["premium"], customers["C1"]["expense"],
            customers["C1"]["customer_pnl"], customers["C1"]["pnl_after_cost"]) == (
        4000.0, 200.0, 2730.0, 2530.0)
    assert customers["C1"]["per_visit"] == pytest.approx(200 / 3)
    assert customers["C1"]["cost_ratio"] == pytest.approx(200 / 3500 * 100)
    people = {r["person_code"]: r for r in summary(engine_for(tiny), "worklog-cost-to-serve",
                                                   "by-person").rows}
    assert (people["E00001"]["expense"], people["E00001"]["premium"]) == (180.0, 3000.0)
    assert (people["E00002"]["expense"], people["E00002"]["premium"]) == (50.0, 1000.0)


def test_shares_that_round_still_add_up_to_the_customer(tiny: Settings) -> None:
    for who in (ZHANG, LI, WANG):  # three equal shares of C3's 100.00 premium
        note(tiny.users_db, who, D(2026, 6, 1), "10.00", customer="C3")
    shares = sorted(r["premium"] for r in rows(engine_for(tiny), "worklog-cost-to-serve"))
    assert shares == [33.33, 33.33, 33.34]
    total = summary(engine_for(tiny), "worklog-cost-to-serve", "by-customer").totals
    assert total["premium"] == 100.0


def test_my_customers_are_those_i_handle_and_those_of_my_notes(tiny: Settings) -> None:
    note(tiny.users_db, LI, D(2026, 6, 1), "10.00", customer="C1")  # 张三 handles C1
    plan(tiny.users_db, LI, D(2026, 6, 5), prospect="华南物流集团")
    li = rows(engine_for(tiny), "worklog-customers", viewer(DataScope("self", 1, 1, 2)))
    assert sorted((r["relation"], r["customer_code"], r["policy_no"], r["prospect_name"])
                  for r in li) == [("新客户", None, None, "华南物流集团"),
                                   ("记事客户", "C1", "P00001", None),
                                   ("记事客户", "C1", "P00002", None)]
    zhang = rows(engine_for(tiny), "worklog-customers", viewer(DataScope("self", 1, 1, 1)))
    assert {(r["relation"], r["policy_no"]) for r in zhang} == {("经办保单", "P00001"),
                                                               ("经办保单", "P00002")}
    claims = {r["policy_no"]: (r["claims_registered"], r["paid_closed_cny"],
                               r["outstanding_cny"]) for r in zhang}
    assert claims == {"P00001": (0, 0.0, 0.0), "P00002": (2, 400.0, 250.0)}


def test_expenses_against_the_budget(tiny: Settings) -> None:
    budget(tiny.users_db, ZHANG, 2026, "1200.00")
    note(tiny.users_db, ZHANG, D(2026, 6, 1), "100.00", customer="C1", kind="招待")
    note(tiny.users_db, ZHANG, D(2026, 6, 9), "20.50", customer="C1", kind="交通")
    total = summary(engine_for(tiny), "worklog-expenses", "by-person").totals
    assert (total["items"], total["expense"], total["budget"], total["left"]) == (
        2, 120.5, 1200.0, 1079.5)
    assert total["used_pct"] == pytest.approx(120.5 / 1200 * 100)
    months = {r["month"]: (r["expense"], r["budget"])
              for r in summary(engine_for(tiny), "worklog-expenses", "by-month").rows}
    assert months["2026-06"] == (120.5, 100.0) and months["2026-01"] == (0.0, 100.0)
    kinds = {r["kind"]: r["expense"] for r in summary(engine_for(tiny), "worklog-expenses",
                                                      "by-kind").rows}
    assert kinds == {"招待": 100.0, "交通": 20.5, "年度预算": 0.0}


# --- 异常提示 -------------------------------------------------------------------------------

def clean_month(settings: Settings) -> None:
    """张三's June: a 1 000.00 budget, a 月计划, five planned 交通 visits of 90–110 with
    their own receipts (500.00 in all): nothing to look at."""
    db = settings.users_db
    budget(db, ZHANG, 2026, "1000.00")
    plan(db, ZHANG, D(2026, 6, 1), end=D(2026, 6, 30))
    for i, cost in enumerate(("90.00", "95.00", "100.00", "105.00", "110.00"), start=1):
        day = D(2026, 6, i)
        plan_id = plan(db, ZHANG, day, customers=("C1",))
        note(db, ZHANG, day, cost, customer="C1", receipt=f"FP{i}", plan_id=plan_id)


def findings(engine: Engine) -> list[tuple[str, str]]:
    return sorted((r["rule"], r["reason"]) for r in rows(engine, "worklog-anomalies"))


def test_a_clean_month_has_no_anomalies(tiny: Settings) -> None:
    clean_month(tiny)
    assert findings(engine_for(tiny)) == []


CRAFTED = {
    "记事无客户": (dict(cost="0", customer=None, day=D(2026, 6, 2)), "记事未填客户"),
    "票据号重复": (dict(cost="100.00", receipt="FP3", day=D(2026, 6, 4)),
                   "票据号 FP3 共用于 2 条记事"),
    "无计划日费用": (dict(cost="100.00", receipt="FP9", day=D(2026, 6, 20)),
                     "2026-06-20 有费用 100.00, 当日无工作计划"),
    "单次费用远高于科室中位数": (dict(cost="400.00", receipt="FP9", day=D(2026, 6, 3)),
                                 "交通费 400.00, 为本科室 2026 年交通类每次费用中位数 "
                                 "102.50 的 3.9 倍"),
    "费用超预算": (dict(cost="600.00", receipt="FP9", day=D(2026, 6, 5), kind="资料"),
                   "2026 年费用 1,100.00 超出年度预算 1,000.00 (超出 100.00, 自 2026-06-05 起)"),
}


@pytest.mark.parametrize("rule", list(CRAFTED))
def test_each_anomaly_is_found_on_its_case_alone(tiny: Settings, rule: str) -> None:
    clean_month(tiny)
    fields, reason = dict(CRAFTED[rule][0]), CRAFTED[rule][1]
    day = fields.pop("day")
    customer = fields.pop("customer", "C1")
    note(tiny.users_db, ZHANG, day, customer=customer, **fields)
    found = findings(engine_for(tiny))
    assert {r for r, _ in found} == {rule}
    assert reason in {text for _, text in found}
