"""More hand-checked figures on tiny stores: every report not covered by
test_reports_handchecked.py. Each expected value is worked out here from the rule in
REPORTS.md (written as the arithmetic of the rows below), never read back from the engine.

Foreign-currency rows carry their CNY twin converted at the rate in force on the
transaction date (``RATES.cny``), so a report that used another date's rate, or the
original amount, shows a different figure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import drill_values, parse_filters, run_detail, run_summary
from tests.tiny_store import (
    AS_OF,
    REFERENCE,
    Rates,
    build_tiny_store,
    claim,
    claim_payment,
    policy,
    receipt,
    receivable,
    vehicle,
)

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
D = date
USD, HKD = 2, 3
RATES = Rates({
    USD: {D(2025, 1, 1): 7.00, D(2025, 2, 1): 7.10, D(2025, 6, 1): 7.20, D(2025, 9, 1): 7.30,
          D(2026, 1, 1): 7.15, D(2026, 3, 1): 7.25, D(2026, 4, 15): 7.30},
    HKD: {D(2026, 1, 1): 0.90, D(2026, 3, 1): 0.92},
})


def reference() -> dict[str, list[dict[str, Any]]]:
    """The shared reference rows plus a second branch, handler, agent, customers, HKD."""
    return {
        "branch": [*REFERENCE["branch"],
                   {"branch_id": 2, "branch_code": "4403", "branch_name": "深圳支公司",
                    "province": "广东", "plate_prefix": "粤B"}],
        "department": [*REFERENCE["department"],
                       {"dept_id": 2, "dept_code": "440301", "dept_name": "车险部",
                        "branch_id": 2}],
        "staff": [*REFERENCE["staff"],
                  {"staff_id": 2, "staff_code": "E00002", "staff_name": "赵六", "dept_id": 2,
                   "branch_id": 2, "title": "业务员", "left_date": None}],
        "agent": [*REFERENCE["agent"],
                  {"agent_id": 2, "agent_code": "A00002", "agent_name": "代理二",
                   "agent_kind": "兼业代理", "branch_id": 2}],
        "customer": [*REFERENCE["customer"],
                     {**REFERENCE["customer"][0], "customer_id": 2, "customer_code": "C2",
                      "customer_name": "恒达公司", "customer_kind": "单位"},
                     {**REFERENCE["customer"][0], "customer_id": 3, "customer_code": "C3",
                      "customer_name": "王五"}],
        "currency": [*REFERENCE["currency"],
                     {"currency_id": HKD, "currency_code": "HKD", "currency_name": "港币"}],
    }


def summary(engine: Engine, slug: str, args: dict[str, str], key: str | None = None,
            group_by: list[str] | None = None) -> tuple[list[dict], dict]:
    report = CATALOG[slug]
    s = run_summary(engine, report, parse_filters(report, args, AS_OF), GM, key,
                    group_by=group_by)
    return s.rows, s.totals


def detail(engine: Engine, slug: str, args: dict[str, str]) -> list[dict]:
    report = CATALOG[slug]
    return run_detail(engine, report, parse_filters(report, args, AS_OF), GM,
                      limit=1000).rows


def drill(engine: Engine, slug: str, args: dict[str, str], key: str,
          row: dict[str, Any]) -> list[dict]:
    """The detail rows a click on ``row`` of summary ``key`` opens."""
    report = CATALOG[slug]
    values = parse_filters(report, args, AS_OF)
    s = run_summary(engine, report, values, GM, key)
    drilled = drill_values(report, values, row, s.group_by)
    return run_detail(engine, report, drilled, GM, limit=1000).rows


def ratio(paid: float, received: float) -> float | None:
    """已决/综合赔付率 (%): empty when nothing was received."""
    return None if received == 0 else paid / received * 100


# ---------------------------------------------------------------------------------------
# 3 盈亏分析: auto policies P101-P104 and property policies P201-P203.

P201_PREMIUM_CNY = RATES.cny(1000, USD, D(2025, 2, 10))     # signed at 7.10
P201_RECEIVED_CNY = RATES.cny(1000, USD, D(2025, 6, 15))    # received at 7.20
P201_PAID_CNY = RATES.cny(200, USD, D(2025, 9, 15))         # paid at 7.30


@pytest.fixture(scope="module")
def pnl(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    auto2 = {"branch_id": 2, "dept_id": 2, "handler_id": 2}
    prop = {"risk_id": 2, "class_id": 2, "clause_code": "QAA01"}
    rows: dict[str, list[dict[str, Any]]] = {
        **reference(),
        "vehicle": [vehicle(1), vehicle(2),
                    vehicle(3, plate_no="粤B00003", seats=7, tonnage=2.5,
                            vehicle_kind_name="货车")],
        "policy": [
            # Vehicle 1, insured 1, handler 1, agent 1: 2024 and its 2025 renewal.
            policy(101, vehicle_id=1, agent_id=1, use_years=2, sign_date=D(2024, 2, 20),
                   start_date=D(2024, 3, 1), end_date=D(2025, 2, 28), premium=2000,
                   premium_cny=2000),
            policy(102, vehicle_id=1, agent_id=1, use_years=3, sign_date=D(2025, 2, 25),
                   start_date=D(2025, 3, 1), end_date=D(2026, 2, 28), premium=2400,
                   premium_cny=2400),
            # Vehicle 2, insured 3, branch 2, no agent, nothing received.
            policy(103, vehicle_id=2, insured_id=3, **auto2, use_years=3,
                   sign_date=D(2025, 3, 28), start_date=D(2025, 4, 1),
                   end_date=D(2026, 3, 31), premium=1500, premium_cny=1500),
            # Vehicle 3 (a 7-seat 2.5 t truck), insured 3, agent 2, received, no claims.
            policy(104, vehicle_id=3, insured_id=3, **auto2, agent_id=2, use_years=10,
                   sign_date=D(2024, 6, 1), start_date=D(2024, 6, 1),
                   end_date=D(2025, 5, 31), premium=1000, premium_cny=1000,
                   sum_insured=99999, sum_insured_cny=99999),
            # Property: P201 in USD (insured and applicant 2, agent 2).
            policy(201, **prop, insured_id=2, applicant_id=2, agent_id=2, currency_id=USD,
                   sign_date=D(2025, 2, 10), start_date=D(2025, 2, 10),
                   end_date=D(2026, 2, 9), premium=1000, premium_cny=P201_PREMIUM_CNY,
                   sum_insured=100000,
                   sum_insured_cny=RATES.cny(100000, USD, D(2025, 2, 10))),
            policy(202, **prop, insured_id=2, applicant_id=2, **auto2,
                   sign_date=D(2025, 4, 28), start_date=D(2025, 5, 1),
                   end_date=D(2026, 4, 30), premium=5000, premium_cny=5000),
            policy(203, **prop, insured_id=1, agent_id=1, sign_date=D(2025, 7, 1),
                   start_date=D(2025, 7, 1), end_date=D(2026, 6, 30), premium=800,
                   premium_cny=800),
        ],
        "claim": [
            claim(1, 101, report=D(2024, 5, 30), register=D(2024, 6, 1),
                  close=D(2024, 7, 1)),
            claim(2, 101, report=D(2024, 8, 1), cancelled=True),
            claim(3, 102, report=D(2025, 4, 28), register=D(2025, 5, 1), estimate=3000),
            claim(4, 102, report=D(2025, 5, 30), register=D(2025, 6, 1),
                  close=D(2025, 6, 20)),
            claim(5, 102, report=D(2026, 1, 5), estimate=900),      # reported only
            claim(6, 103, report=D(2025, 7, 30), register=D(2025, 8, 1),
                  close=D(2025, 9, 1)),
            claim(7, 201, report=D(2025, 7, 30), register=D(2025, 8, 1),
                  close=D(2025, 9, 10), currency_id=USD, estimate=500,
                  estimate_cny=RATES.cny(500, USD, D(2025, 7, 30))),
            claim(8, 203, report=D(2025, 9, 28), register=D(2025, 10, 1), estimate=400),
        ],
        "claim_payment": [
            claim_payment(1, 1, D(2024, 7, 5), 500), claim_payment(2, 1, D(2024, 7, 20), 300),
            claim_payment(3, 3, D(2025, 6, 1), 1000),                # open claim, part paid
            claim_payment(4, 4, D(2025, 6, 25), 600),
            claim_payment(5, 6, D(2025, 9, 5), 700),
            claim_payment(6, 7, D(2025, 9, 15), 200, P201_PAID_CNY, currency_id=USD),
        ],
        "receipt": [
            receipt(1, 101, D(2024, 3, 1), 2000),
            receipt(2, 102, D(2025, 3, 1), 2400), receipt(3, 102, D(2025, 9, 1), -400),
            receipt(4, 104, D(2024, 6, 1), 1000),
            receipt(5, 201, D(2025, 6, 15), 1000, P201_RECEIVED_CNY, currency_id=USD),
            receipt(6, 202, D(2025, 5, 10), 5000),
            receipt(7, 203, D(2025, 7, 1), 800),
        ],
    }
    path = build_tiny_store(tmp_path_factory.mktemp("pnl") / "pnl.duckdb", rows,
                            RATES.rows())
    return replace(Settings(), store_path=path, as_of=AS_OF)


# Per policy, from the rows above: (premium, received, registered claims, paid on closed
# claims, outstanding = the estimates of open registered claims, REPORTS.md).
PNL = {
    101: (2000, 2000, 1, 500 + 300, 0),           # claim 2 cancelled: not counted
    # Claim 3 is open with 1000 of its 3000 paid: 未决估损 is its estimate, 3000 (the 1000
    # is in it, so in 综合赔付率 too). Claim 5 never registered.
    102: (2400, 2400 - 400, 2, 600, 3000),
    103: (1500, 0, 1, 700, 0),
    104: (1000, 1000, 0, 0, 0),
    201: (P201_PREMIUM_CNY, P201_RECEIVED_CNY, 1, P201_PAID_CNY, 0),
    202: (5000, 5000, 0, 0, 0),
    203: (800, 800, 1, 0, 400),
}


def pnl_of(*policy_ids: int) -> dict[str, Any]:
    """The common P&L measures of a set of policies, from ``PNL``."""
    premium, received, claims, paid, outstanding = (
        sum(PNL[p][i] for p in policy_ids) for i in range(5))
    return {"policies": len(policy_ids), "premium": pytest.approx(premium),
            "received": pytest.approx(received), "claims": claims,
            "paid_closed": pytest.approx(paid), "outstanding": pytest.approx(outstanding),
            "incurred": pytest.approx(paid + outstanding),
            "settled_ratio": pytest.approx(ratio(paid, received)),
            "total_ratio": pytest.approx(ratio(paid + outstanding, received))}


def measures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("policies", "premium", "received", "claims", "paid_closed",
                                "outstanding", "incurred", "settled_ratio", "total_ratio")}


def test_pnl_insured_all_classes_by_year_and_by_class(pnl: Settings) -> None:
    rows, totals = summary(engine_for(pnl), "pnl-insured", {}, "by-insured")
    assert {r["insured_label"]: measures(r) for r in rows} == {
        "李四": pnl_of(101, 102, 203), "恒达公司": pnl_of(201, 202), "王五": pnl_of(103, 104)}
    assert measures(totals) == pnl_of(*PNL)
    by_year, _ = summary(engine_for(pnl), "pnl-insured", {}, "by-insured-year")
    assert {(r["insured_label"], r["year"]): measures(r) for r in by_year} == {
        ("李四", 2024): pnl_of(101), ("李四", 2025): pnl_of(102, 203),
        ("恒达公司", 2025): pnl_of(201, 202),
        # Nothing received on P103: its year's ratios are empty, not an error.
        ("王五", 2024): pnl_of(104), ("王五", 2025): pnl_of(103)}
    assert next(r for r in by_year if r["year"] == 2025 and r["insured_label"] == "王五")[
        "settled_ratio"] is None
    by_class, _ = summary(engine_for(pnl), "pnl-insured", {}, "by-insured-class")
    assert {(r["insured_label"], r["class"]): r["policies"] for r in by_class} == {
        ("李四", "机动车辆险"): 2, ("李四", "企业财产险"): 1, ("恒达公司", "企业财产险"): 2,
        ("王五", "机动车辆险"): 2}


def test_pnl_insured_one_class_or_one_branch(pnl: Settings) -> None:
    rows, _ = summary(engine_for(pnl), "pnl-insured", {"class": "Q"}, "by-insured")
    assert {r["insured_label"]: measures(r) for r in rows} == {
        "李四": pnl_of(203), "恒达公司": pnl_of(201, 202)}
    rows, _ = summary(engine_for(pnl), "pnl-insured", {"branch": "2"}, "by-insured")
    assert {r["insured_label"]: measures(r) for r in rows} == {
        "恒达公司": pnl_of(202), "王五": pnl_of(103, 104)}
    listed = detail(engine_for(pnl), "pnl-insured", {"insured_code": "C1"})
    assert sorted(r["policy_no"] for r in listed) == ["P00101", "P00102", "P00203"]


def test_pnl_auto_policy_per_policy_ratio(pnl: Settings) -> None:
    rows = detail(engine_for(pnl), "pnl-auto-policy", {"plate": "粤A00001"})
    assert {r["policy_no"]: (r["received_cny"], r["paid_closed_cny"],
                             r["settled_loss_ratio_pct"]) for r in rows} == {
        "P00101": (2000, 800, round(800 / 2000 * 100, 2)),
        "P00102": (2000, 600, round(600 / 2000 * 100, 2))}
    empty = detail(engine_for(pnl), "pnl-auto-policy", {"policy_no": "P00103"})
    assert [(r["received_cny"], r["settled_loss_ratio_pct"]) for r in empty] == [(0, None)]
    by_branch, totals = summary(engine_for(pnl), "pnl-auto-policy", {}, "by-branch")
    # Auto only: the property policies are not on this page.
    assert measures(totals) == pnl_of(101, 102, 103, 104)
    assert {r["branch_label"]: measures(r) for r in by_branch} == {
        "广州支公司": pnl_of(101, 102), "深圳支公司": pnl_of(103, 104)}


def test_pnl_vehicle_one_row_per_year(pnl: Settings) -> None:
    rows, _ = summary(engine_for(pnl), "pnl-vehicle", {}, "by-plate-year")
    assert {(r["plate"], r["year"]): measures(r) for r in rows} == {
        ("粤A00001", 2024): pnl_of(101), ("粤A00001", 2025): pnl_of(102),
        ("粤A00002", 2025): pnl_of(103), ("粤B00003", 2024): pnl_of(104)}
    one, _ = summary(engine_for(pnl), "pnl-vehicle", {"plate": "粤A00002"}, "by-plate-year")
    assert [(r["year"], r["received"], r["settled_ratio"], r["total_ratio"])
            for r in one] == [(2025, 0, None, None)]


def test_pnl_auto_handler_start_range_and_drill(pnl: Settings) -> None:
    args = {"start_from": "2025-01-01", "start_to": "2025-12-31"}
    rows, _ = summary(engine_for(pnl), "pnl-auto-handler", args, "by-handler")
    assert {r["handler_label"]: measures(r) for r in rows} == {
        "张三": pnl_of(102), "赵六": pnl_of(103)}
    wide = {"start_from": "2024-01-01", "start_to": "2025-12-31"}
    rows, _ = summary(engine_for(pnl), "pnl-auto-handler", wide, "by-handler")
    assert {r["handler_label"]: measures(r) for r in rows} == {
        "张三": pnl_of(101, 102), "赵六": pnl_of(103, 104)}
    zhao = next(r for r in rows if r["handler_label"] == "赵六")
    assert sorted(r["policy_no"] for r in drill(engine_for(pnl), "pnl-auto-handler", wide,
                                                "by-handler",
                                                zhao)) == ["P00103", "P00104"]


def test_pnl_auto_agent_without_agent_is_its_own_row(pnl: Settings) -> None:
    args = {"start_from": "2024-01-01", "start_to": "2025-12-31"}
    rows, _ = summary(engine_for(pnl), "pnl-auto-agent", args, "by-agent")
    assert {r["agent_label"]: measures(r) for r in rows} == {
        "代理一": pnl_of(101, 102), "代理二": pnl_of(104), None: pnl_of(103)}
    no_agent = next(r for r in rows if r["agent"] is None)
    assert [r["policy_no"] for r in drill(engine_for(pnl), "pnl-auto-agent", args, "by-agent",
                                          no_agent)] == ["P00103"]


def test_pnl_property_policy_foreign_currency_at_transaction_dates(pnl: Settings) -> None:
    rows = detail(engine_for(pnl), "pnl-property-policy", {"policy_no": "P00201"})
    assert len(rows) == 1
    usd = rows[0]
    # Premium at the sign-date rate, received at the receipt-date rate, paid at the
    # payment-date rate: three different rates for one USD policy.
    assert usd["premium_cny"] == pytest.approx(1000 * 7.10)
    assert usd["received_cny"] == pytest.approx(1000 * 7.20)
    assert usd["paid_closed_cny"] == pytest.approx(200 * 7.30)
    assert usd["settled_loss_ratio_pct"] == pytest.approx(round(200 * 7.30 / 7200 * 100, 2))
    by_class, totals = summary(engine_for(pnl), "pnl-property-policy", {}, "by-class")
    assert {r["class"]: measures(r) for r in by_class} == {"企业财产险": pnl_of(201, 202, 203)}
    assert measures(totals) == pnl_of(201, 202, 203)
    by_branch, _ = summary(engine_for(pnl), "pnl-property-policy", {}, "by-branch")
    assert {r["branch_label"]: measures(r) for r in by_branch} == {
        "广州支公司": pnl_of(201, 203), "深圳支公司": pnl_of(202)}
    applicant = detail(engine_for(pnl), "pnl-property-policy", {"applicant": "C2"})
    assert sorted(r["policy_no"] for r in applicant) == ["P00201", "P00202"]
    insured = detail(engine_for(pnl), "pnl-property-policy", {"insured": "C1"})
    assert [r["policy_no"] for r in insured] == ["P00203"]


def test_pnl_property_handler_and_agent_drill_to_policies(pnl: Settings) -> None:
    args = {"start_from": "2025-01-01", "start_to": "2025-12-31"}
    rows, _ = summary(engine_for(pnl), "pnl-property-handler", args, "by-handler")
    assert {r["handler_label"]: measures(r) for r in rows} == {
        "张三": pnl_of(201, 203), "赵六": pnl_of(202)}
    zhang = next(r for r in rows if r["handler_label"] == "张三")
    assert sorted(r["policy_no"] for r in drill(engine_for(pnl), "pnl-property-handler", args,
                                                "by-handler", zhang)) == ["P00201", "P00203"]
    rows, _ = summary(engine_for(pnl), "pnl-property-agent", args, "by-agent")
    assert {r["agent_label"]: measures(r) for r in rows} == {
        "代理一": pnl_of(203), "代理二": pnl_of(201), None: pnl_of(202)}
    agent2 = next(r for r in rows if r["agent_label"] == "代理二")
    assert [r["policy_no"] for r in drill(engine_for(pnl), "pnl-property-agent", args, "by-agent",
                                          agent2)] == ["P00201"]
    # Start date outside the range: nothing.
    rows, _ = summary(engine_for(pnl), "pnl-property-agent", {"start_from": "2024-01-01",
                                                  "start_to": "2024-12-31"}, "by-agent")
    assert rows == []


def test_pnl_cube_bands_lower_bound_inclusive(pnl: Settings) -> None:
    def grouped(dim: str) -> dict[str, int]:
        rows, _ = summary(engine_for(pnl), "pnl-auto-cube", {}, group_by=[dim])
        return {r[dim]: r["policies"] for r in rows}

    # Loss ratio: 40% and exactly 30% → 30-60%; received, nothing paid → 无赔款;
    # nothing received → 无到款.
    assert grouped("loss_ratio") == {"02 30-60%": 2, "00 无赔款": 1, "99 无到款": 1}
    assert grouped("seats") == {"01 6座以下": 3, "02 6-9座": 1}
    assert grouped("tonnage") == {"00 非货车": 3, "02 2-5吨": 1}
    assert grouped("use_years") == {"02 1-2年": 1, "03 3-5年": 2, "05 10年及以上": 1}
    # 100 000 is the lower bound of 10-20万; 99 999 is below it.
    assert grouped("sum_insured") == {"02 10-20万": 3, "01 10万以下": 1}
    rows, _ = summary(engine_for(pnl), "pnl-auto-cube", {"loss_ratio": "02 30-60%"},
                      group_by=["branch"])
    assert [measures(r) for r in rows] == [pnl_of(101, 102)]


# ---------------------------------------------------------------------------------------
# 1.5 财产险业务风险 and 1.6 实收保费月报表: commercial property P301 (QAA) and P302 (QZA,
# USD), household property P303 (FAA, not 企财险), P304 starting before the range, P305
# with last year's receipts only.

P302_PREMIUM_CNY = RATES.cny(200, USD, D(2026, 1, 20))


def endorsement(eid: int, policy_id: int, reason: str, change: float, day: date, *,
                currency_id: int = 1) -> dict[str, Any]:
    change_cny = RATES.cny(change, currency_id, day)
    return {"endorsement_id": eid, "endorsement_no": f"E{eid}", "policy_id": policy_id,
            "endorse_type_code": "0501", "reason_code": reason,
            "subject_list_changed": True, "layup_refund": False, "endorse_date": day,
            "effective_date": day, "input_date": day, "currency_id": currency_id,
            "premium_change": change, "sum_insured_change": 0, "premium_after": 0,
            "sum_insured_after": 1, "premium_change_cny": change_cny,
            "sum_insured_change_cny": 0, "premium_after_cny": 0, "sum_insured_after_cny": 1}


def commission(cid: int, policy_id: int, amount: float) -> dict[str, Any]:
    return {"commission_id": cid, "fee_receipt_no": f"SXF{cid}", "policy_id": policy_id,
            "agent_id": 1, "paying_agent_id": 1, "pay_date": D(2026, 2, 1), "currency_id": 1,
            "amount": amount, "amount_cny": amount}


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    ref = reference()
    ref["risk"] = [*REFERENCE["risk"],
                   {"risk_id": 5, "risk_code": "QZA", "risk_name": "企财附加险", "class_id": 2,
                    "is_commercial_property": True},
                   {"risk_id": 6, "risk_code": "FAA", "risk_name": "家财险", "class_id": 2,
                    "is_commercial_property": False}]
    owner = {"class_id": 2, "insured_id": 2, "agent_id": 1}
    rows: dict[str, list[dict[str, Any]]] = {
        **ref,
        "policy": [
            policy(301, risk_id=2, **owner, sign_date=D(2026, 1, 5), start_date=D(2026, 1, 10),
                   end_date=D(2027, 1, 9), sum_insured=500000, sum_insured_cny=500000,
                   premium=3000, premium_cny=3000),
            policy(302, risk_id=5, **owner, currency_id=USD, sign_date=D(2026, 1, 20),
                   start_date=D(2026, 2, 1), end_date=D(2027, 1, 31), sum_insured=20000,
                   sum_insured_cny=RATES.cny(20000, USD, D(2026, 1, 20)), premium=200,
                   premium_cny=P302_PREMIUM_CNY),
            policy(303, risk_id=6, class_id=2, start_date=D(2026, 2, 1),
                   end_date=D(2027, 1, 31)),
            policy(304, risk_id=2, class_id=2, start_date=D(2025, 12, 31),
                   end_date=D(2026, 12, 30)),
            policy(305, risk_id=2, class_id=2, handler_id=2, branch_id=2, dept_id=2,
                   start_date=D(2025, 1, 1), end_date=D(2025, 12, 31)),
        ],
        "claim": [
            claim(31, 301, report=D(2026, 2, 27), register=D(2026, 3, 1), estimate=10000),
            claim(32, 301, report=D(2026, 3, 30), register=D(2026, 4, 1), estimate=500),
            claim(33, 301, report=D(2026, 4, 2), cancelled=True, estimate=70),
            claim(34, 301, report=D(2026, 6, 20), estimate=90),      # reported only
            claim(35, 303, report=D(2026, 3, 1), register=D(2026, 3, 2)),
            claim(36, 304, report=D(2026, 3, 1), register=D(2026, 3, 2)),
        ],
        "claim_payment": [claim_payment(31, 31, D(2026, 3, 20), 4000),
                          claim_payment(32, 31, D(2026, 4, 10), 2000)],
        "endorsement": [
            endorsement(1, 301, "P10", -200, D(2026, 3, 1)),
            endorsement(2, 301, "P30", -100, D(2026, 3, 2)),
            endorsement(3, 301, "P02", -50, D(2026, 3, 3)),          # not a P10/P30 refund
            endorsement(4, 301, "P10", 80, D(2026, 3, 4)),           # an increase
            endorsement(5, 302, "P30", -20, D(2026, 3, 5), currency_id=USD),
        ],
        "commission": [commission(1, 301, 300), commission(2, 301, 50)],
        "receipt": [
            receipt(1, 301, D(2026, 1, 15), 3000),
            receipt(2, 302, D(2026, 1, 25), 200, RATES.cny(200, USD, D(2026, 1, 25)),
                    currency_id=USD),
            receipt(3, 301, D(2026, 2, 10), -500),                  # refund paid out
            receipt(4, 301, D(2026, 3, 5), 1200),
            receipt(5, 302, D(2026, 3, 10), 100, RATES.cny(100, USD, D(2026, 3, 10)),
                    currency_id=USD),
            receipt(6, 301, D(2026, 3, 20), -300),                  # refund paid out
            receipt(7, 301, D(2026, 4, 2), 777),                    # after the month
            receipt(8, 305, D(2025, 1, 20), 111),                   # last year
            receipt(9, 305, D(2025, 3, 15), 999),                   # last year's March
        ],
    }
    path = build_tiny_store(tmp_path_factory.mktemp("business") / "business.duckdb", rows,
                            RATES.rows())
    return replace(Settings(), store_path=path, as_of=AS_OF)


RISK_RANGE = {"start_from": "2026-01-01", "start_to": "2026-06-30"}


def test_property_risk_one_row_per_claim_and_policies_without_claims(business: Settings
                                                                     ) -> None:
    rows = detail(engine_for(business), "property-risk", RISK_RANGE)
    # 企财险 only (FAA is not), started in the range (P304 is not), sorted by policy no;
    # one row per registered claim (C33 cancelled, R34 never registered), P302 once.
    assert [(r["policy_no"], r["claim_no"]) for r in rows] == [
        ("P00301", "C31"), ("P00301", "C32"), ("P00302", None)]
    c31 = rows[0]
    assert (c31["risk_code"], c31["loss_date"], c31["cause_code"], c31["loss_address"],
            c31["estimated_loss"], c31["claim_currency_code"], c31["paid"]) == (
        "QAA", "2026-02-27", "01", "广州31号", 10000, "CNY", 4000 + 2000)
    assert (c31["class_code"], c31["dept_code"], c31["insured_name"], c31["sum_insured"],
            c31["premium"]) == ("Q", "440101", "恒达公司", 500000, 3000)
    # Every receipt of the policy, refunds netted; its commissions; P10 and P30 refunds
    # only (not P02, not the P10 increase).
    assert c31["received_cny"] == 3000 - 500 + 1200 - 300 + 777
    assert c31["commission_cny"] == 300 + 50
    assert (c31["refund_currency_code"], c31["refund_p10_p30"]) == ("CNY", 200 + 100)
    assert (c31["sign_date"], c31["start_date"], c31["end_date"]) == (
        "2026-01-05", "2026-01-10", "2027-01-09")
    assert rows[1]["paid"] == 0 and rows[1]["estimated_loss"] == 500
    p302 = rows[2]
    assert all(p302[k] is None for k in ("claim_no", "loss_date", "cause_code",
                                         "loss_address", "estimated_loss",
                                         "claim_currency_code"))
    assert not p302["paid"]
    assert p302["received_cny"] == pytest.approx(RATES.cny(200, USD, D(2026, 1, 25))
                                                  + RATES.cny(100, USD, D(2026, 3, 10)))
    _, totals = summary(engine_for(business), "property-risk", RISK_RANGE, "by-branch")
    assert (totals["rows"], totals["policies"], totals["claims"], totals["estimate"],
            totals["paid"]) == (3, 2, 2, 10000 + 500, 6000)


def test_property_risk_refund_in_its_currency(business: Settings) -> None:
    # 批退币别 next to 批退保费: the amount is in that currency (20 USD), as 实收币别 /
    # 实收保费 are on 1.6; its CNY value would be 20 × 7.25.
    p302 = detail(engine_for(business), "property-risk", {**RISK_RANGE, "risk": "QZA"})
    assert [(r["refund_currency_code"], r["refund_p10_p30"]) for r in p302] == [
        ("USD", 20)]


def test_property_risk_code_pattern(business: Settings) -> None:
    def policies(args: dict[str, str]) -> list[str]:
        return sorted({r["policy_no"] for r in detail(engine_for(business), "property-risk",
                                                      {**RISK_RANGE, **args})})

    assert policies({"risk": "QAA"}) == ["P00301"]
    assert policies({"risk": "QA?", "risk_op": "$"}) == ["P00301"]
    assert policies({"risk": "Q?A", "risk_op": "$"}) == ["P00301", "P00302"]
    assert policies({"risk": "Q*", "risk_op": "$"}) == ["P00301", "P00302"]
    # No wildcard added by the program: 'Q' alone matches no 3-letter code.
    assert policies({"risk": "Q", "risk_op": "$"}) == []


MONTH = {"month": "2026-03"}


def test_premium_received_monthly_month_and_year_to_date(business: Settings) -> None:
    rows, totals = summary(engine_for(business), "premium-received-monthly", MONTH, "by-person")
    got = {r["currency"]: (r["handler_code"], r["handler_label"], r["insured_code"],
                           r["insured_label"], r["agent_code"], r["agent_label"],
                           r["receipts"], r["month_amount"], r["month_cny"],
                           r["month_refunded"], r["ytd_received"], r["ytd_refunded"],
                           r["net_cny"]) for r in rows}
    usd_mar = RATES.cny(100, USD, D(2026, 3, 10))               # at 7.25, not 7.15
    usd_jan = RATES.cny(200, USD, D(2026, 1, 25))
    who = ("E00001", "张三", "C2", "恒达公司", "A00001", "代理一")
    assert got == {
        # March: 1200 received, 300 refunded; Jan 1 - Mar 31: 3000 + 1200 received,
        # 500 + 300 refunded. Premium is gross in the month as in the year; the net is
        # its own column. April's 777 and last year's receipts are not counted.
        "CNY": (*who, 4, 1200, 1200, 300, 3000 + 1200, 500 + 300, 4200 - 800),
        "USD": (*who, 2, 100, pytest.approx(usd_mar), 0,
                pytest.approx(usd_jan + usd_mar), 0, pytest.approx(usd_jan + usd_mar)),
    }
    assert totals["month_cny"] == pytest.approx(1200 + usd_mar)
    assert totals["month_refunded"] == 300
    # Two currencies: no 合计 of the 原币 column.
    assert totals["month_amount"] is None
    listed = detail(engine_for(business), "premium-received-monthly", MONTH)
    assert [r["receipt_no"] for r in listed] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    usd_only = detail(engine_for(business), "premium-received-monthly", {**MONTH, "risk": "QZA"})
    assert [(r["receipt_no"], r["amount"], r["amount_cny"]) for r in usd_only] == [
        ("S2", 200, pytest.approx(200 * 7.15)), ("S5", 100, pytest.approx(100 * 7.25))]
    jan = summary(engine_for(business), "premium-received-monthly", {"month": "2026-01"},
                  "by-branch")[1]
    assert (jan["month_cny"], jan["ytd_refunded"]) == (
        pytest.approx(3000 + RATES.cny(200, USD, D(2026, 1, 25))), 0)


def test_premium_received_monthly_this_year_vs_last_year(business: Settings) -> None:
    report = CATALOG["premium-received-monthly"]
    s = run_summary(engine_for(business), report, parse_filters(report, MONTH, AS_OF), GM,
                    "by-month")
    this_year = {r["month_no"]: r["net_cny"] for r in s.rows}
    assert this_year == {
        1: pytest.approx(3000 + RATES.cny(200, USD, D(2026, 1, 25))),
        2: -500,                                            # only a refund paid out
        3: pytest.approx(1200 - 300 + RATES.cny(100, USD, D(2026, 3, 10))),
    }                                                       # April's 777 is after March
    # The chart's other series: January to March of last year.
    assert s.previous_year is not None
    assert {r["month_no"]: r["net_cny"] for r in s.previous_year} == {1: 111, 3: 999}
    # Drilling into March lists March's receipts only.
    march = drill_values(report, parse_filters(report, MONTH, AS_OF), {"month_no": 3},
                         ("month_no",))
    assert [r["receipt_no"] for r in run_detail(engine_for(business), report, march, GM).rows] == [
        "S4", "S5", "S6"]


# ---------------------------------------------------------------------------------------
# 4 应收保费: in scope P401 (DAA, eight instalments, one at each ageing-band edge), P402
# (QAA, USD, part paid), P403 (paid after due), P405 (a planned refund paid out), P406 (no
# receivable), P415 (starts on the cutoff date); out of scope P410-P413 (JLK, JLA, DAD,
# YAE), P414 (starts the day before the cutoff), P416 (cancelled).

STAT = AS_OF
AGE_EDGES = {30: 10, 31: 20, 90: 40, 91: 80, 180: 160, 181: 320, 365: 640, 366: 1280}
BANDS = {"age_0": (0, 30), "age_31": (31, 90), "age_91": (91, 180), "age_181": (181, 365),
         "age_366": (366, None)}
P402_DUE_CNY = RATES.cny(100, USD, D(2026, 3, 1))          # due at 7.25
P402_PAID_CNY = RATES.cny(40, USD, D(2026, 4, 20))         # received at 7.30


def days_before(n: int) -> date:
    return STAT - timedelta(days=n)


# Receivables: (id, policy, term, due date, CNY amount); receipts: (receivable, day, CNY).
RECEIVABLES: list[tuple[int, int, int, date, float]] = [
    *((i + 1, 401, i + 1, days_before(age), amount)
      for i, (age, amount) in enumerate(AGE_EDGES.items())),
    (9, 401, 9, days_before(-1), 5000),                     # due after the statistics date
    (20, 402, 1, D(2026, 3, 1), P402_DUE_CNY),
    (30, 403, 1, D(2026, 6, 1), 1000),
    (50, 405, 1, D(2026, 5, 1), -200),
    (150, 415, 1, D(2003, 10, 1), 7),
]
RECEIPTS: list[tuple[int, date, float]] = [
    (20, D(2026, 4, 20), P402_PAID_CNY), (30, D(2026, 6, 15), 1000), (50, D(2026, 5, 10), -200),
]
# Who each in-scope policy belongs to: branch, handler, agent, class, risk, currency.
OWNERS = {401: ("广州支公司", "张三", "代理一", "机动车辆险", "DAA", "CNY"),
          402: ("深圳支公司", "赵六", None, "企业财产险", "QAA", "USD"),
          403: ("广州支公司", "张三", "代理二", "企业财产险", "QAA", "CNY"),
          405: ("深圳支公司", "赵六", None, "企业财产险", "QAA", "CNY"),
          415: ("广州支公司", "张三", None, "企业财产险", "QAA", "CNY")}


def receivable_figures(stat: date, keep: Any = lambda rid, pid, term, due: True
                       ) -> dict[str, Any]:
    """应收, 实收, 未到款, 未到款比例 and the unpaid amount per ageing band at ``stat``, by
    the rule: amounts due by then, receipts against them by then, age = days since due."""
    out: dict[str, Any] = {"items": 0, "receivable": 0.0, "received": 0.0,
                           **dict.fromkeys(BANDS, 0.0)}
    for rid, pid, term, due, amount in RECEIVABLES:
        if due > stat or not keep(rid, pid, term, due):
            continue
        got = sum(a for r, day, a in RECEIPTS if r == rid and day <= stat)
        out["items"] += 1
        out["receivable"] += amount
        out["received"] += got
        age = (stat - due).days
        band = next(k for k, (lo, hi) in BANDS.items() if lo <= age and (hi is None
                                                                         or age <= hi))
        out[band] += amount - got
    out["unpaid"] = out["receivable"] - out["received"]
    out["unpaid_ratio"] = (None if out["receivable"] == 0
                           else out["unpaid"] / out["receivable"] * 100)
    return {k: v if k == "items" else pytest.approx(v) for k, v in out.items()}


def owned_by(index: int, value: Any) -> Any:
    return lambda rid, pid, term, due: OWNERS[pid][index] == value


def recv_measures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("items", "receivable", "received", "unpaid", "unpaid_ratio",
                                *BANDS)}


@pytest.fixture(scope="module")
def receivables(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    ref = reference()
    ref["risk_class"] = [*REFERENCE["risk_class"],
                         {"class_id": 3, "class_code": "J", "class_name": "投资型保险",
                          "line": "other"},
                         {"class_id": 4, "class_code": "G", "class_name": "保证保险",
                          "line": "other"}]
    ref["risk"] = [*REFERENCE["risk"],
                   *({"risk_id": rid, "risk_code": code, "risk_name": code, "class_id": cls,
                      "is_commercial_property": False}
                     for rid, code, cls in ((7, "JLK", 3), (8, "JLA", 3), (9, "DAD", 4)))]
    prop = {"risk_id": 2, "class_id": 2}
    shenzhen = {"branch_id": 2, "dept_id": 2, "handler_id": 2}
    policies = [
        policy(401, agent_id=1),
        policy(402, **prop, **shenzhen, currency_id=USD, sign_date=D(2025, 1, 1),
               premium=100, premium_cny=RATES.cny(100, USD, D(2025, 1, 1))),
        policy(403, **prop, agent_id=2),
        policy(405, **prop, **shenzhen),
        policy(406, **prop, premium=300, premium_cny=300),
        policy(410, risk_id=7, class_id=3), policy(411, risk_id=8, class_id=3),
        policy(412, risk_id=9, class_id=4), policy(413, risk_id=3, class_id=2),
        policy(414, **prop, start_date=D(2003, 8, 31), end_date=D(2004, 8, 30)),
        policy(415, **prop, start_date=D(2003, 9, 1), end_date=D(2004, 8, 31)),
        policy(416, **prop, status="注销"),
    ]
    recv = [receivable(rid, pid, due, amount, term_no=term)
            for rid, pid, term, due, amount in RECEIVABLES]
    usd = next(r for r in recv if r["policy_id"] == 402)
    usd.update(currency_id=USD, amount=100)
    # Out of scope however unpaid: 7000 each, due half a year before.
    recv += [receivable(pid, pid, D(2026, 1, 1), 7000) for pid in (410, 411, 412, 413, 414,
                                                                   416)]
    receipts = [receipt(i + 1, next(p for r, p, *_ in RECEIVABLES if r == rid), day, amount,
                        receivable_id=rid)
                for i, (rid, day, amount) in enumerate(RECEIPTS)]
    receipts[0].update(currency_id=USD, amount=40)
    receipts.append(receipt(9, 406, D(2025, 1, 5), 300))
    rows = {**ref, "policy": policies, "receivable": recv, "receipt": receipts}
    cny_rate = {(1, D(2026, 2, 1)): 1.0}                    # CNY itself: not an exchange rate
    path = build_tiny_store(tmp_path_factory.mktemp("recv") / "recv.duckdb", rows,
                            {**RATES.rows(), **cny_rate})
    return replace(Settings(), store_path=path, as_of=AS_OF)


AT_STAT = {"stat_date": STAT.isoformat()}


def test_receivable_bands_at_each_edge_and_scope_rules(receivables: Settings) -> None:
    _, totals = summary(engine_for(receivables), "receivable-person", AT_STAT, "by-handler")
    expected = receivable_figures(STAT)
    assert recv_measures(totals) == expected
    # The same figures written out: 8 + 4 amounts due, 1092 received, each band's unpaid.
    assert (totals["receivable"], totals["received"]) == (
        pytest.approx(2550 + 725 + 1000 - 200 + 7), pytest.approx(292 + 1000 - 200))
    assert (totals["age_0"], totals["age_31"], totals["age_91"], totals["age_181"],
            totals["age_366"]) == (10, 20 + 40, pytest.approx(80 + 160 + 725 - 292),
                                   320 + 640, 1280 + 7)


def test_receivable_person_by_handler_and_by_agent(receivables: Settings) -> None:
    rows, _ = summary(engine_for(receivables), "receivable-person", AT_STAT, "by-handler")
    assert {r["handler_label"]: recv_measures(r) for r in rows} == {
        h: receivable_figures(STAT, owned_by(1, h)) for h in ("张三", "赵六")}
    rows, _ = summary(engine_for(receivables), "receivable-person", AT_STAT, "by-agent")
    assert {r["agent_label"]: recv_measures(r) for r in rows} == {
        a: receivable_figures(STAT, owned_by(2, a)) for a in ("代理一", "代理二", None)}
    # Before P403's receipt of 06-15 its 1000 is still unpaid, aged 9 days.
    early = D(2026, 6, 10)
    rows, _ = summary(engine_for(receivables), "receivable-person",
                      {"stat_date": early.isoformat()},
                      "by-agent")
    agent2 = next(r for r in rows if r["agent_label"] == "代理二")
    assert recv_measures(agent2) == receivable_figures(early, owned_by(2, "代理二"))
    assert (agent2["received"], agent2["unpaid"], agent2["age_0"]) == (0, 1000, 1000)


def test_receivable_settings_change_the_scope(receivables: Settings) -> None:
    # Cutoff one day later: P415 (starting 2003-09-01) leaves the scope.
    later = replace(receivables, receivable_cutoff=D(2003, 9, 2))
    _, totals = summary(engine_for(later), "receivable-person", AT_STAT, "by-handler")
    assert recv_measures(totals) == receivable_figures(STAT, lambda r, pid, t, d: pid != 415)
    # Only JLK excluded: JLA, DAD and YAE's 7000 each come in, aged 180 days.
    only_jlk = replace(receivables, receivable_excluded_risks=("JLK",))
    _, totals = summary(engine_for(only_jlk), "receivable-person", AT_STAT, "by-handler")
    base = receivable_figures(STAT)
    assert totals["receivable"] == pytest.approx(base["receivable"].expected + 3 * 7000)
    assert totals["age_91"] == pytest.approx(base["age_91"].expected + 3 * 7000)


def test_receivable_by_business_branch_class_and_risk(receivables: Settings) -> None:
    rows, _ = summary(engine_for(receivables), "receivable-by-business", AT_STAT, "by-branch-class")
    assert {(r["branch_label"], r["class"]): recv_measures(r) for r in rows} == {
        (b, c): receivable_figures(STAT, lambda r, pid, t, d, b=b, c=c:
                                   OWNERS[pid][0] == b and OWNERS[pid][3] == c)
        for b, c in (("广州支公司", "机动车辆险"), ("广州支公司", "企业财产险"),
                     ("深圳支公司", "企业财产险"))}
    rows, _ = summary(engine_for(receivables), "receivable-by-business", AT_STAT, "by-risk")
    assert {r["risk"]: r["items"] for r in rows} == {"DAA": 8, "QAA": 4}
    qaa = detail(engine_for(receivables), "receivable-by-business", {**AT_STAT, "risk": "Q*",
                                                         "risk_op": "$"})
    assert [r["policy_no"] for r in qaa] == ["P00415", "P00402", "P00405", "P00403"]
    # A click on a branch × class row opens exactly its receivables.
    rows, _ = summary(engine_for(receivables), "receivable-by-business", AT_STAT, "by-branch-class")
    sz = next(r for r in rows if r["branch_label"] == "深圳支公司")
    opened = drill(engine_for(receivables), "receivable-by-business", AT_STAT, "by-branch-class",
                   sz)
    assert sorted(r["policy_no"] for r in opened) == ["P00402", "P00405"]


def test_receivable_by_payment_currency_term_and_month(receivables: Settings) -> None:
    rows, _ = summary(engine_for(receivables), "receivable-by-payment", AT_STAT, "by-currency")
    usd = [r for r in rows if r["currency"] == "USD"]
    assert [(r["term"], r["receivable"], r["received"], r["unpaid"]) for r in usd] == [
        (1, pytest.approx(100 * 7.25), pytest.approx(40 * 7.30),
         pytest.approx(100 * 7.25 - 40 * 7.30))]
    cny_term1 = next(r for r in rows if r["currency"] == "CNY" and r["term"] == 1)
    assert recv_measures(cny_term1) == receivable_figures(
        STAT, lambda r, pid, t, d: t == 1 and OWNERS[pid][5] == "CNY")
    by_month, _ = summary(engine_for(receivables), "receivable-by-payment", AT_STAT, "by-month")
    months = sorted({d.strftime("%Y-%m") for _, _, _, d, _ in RECEIVABLES if d <= STAT})
    assert {r["due_month"]: recv_measures(r) for r in by_month} == {
        m: receivable_figures(STAT, lambda r, p, t, d, m=m: d.strftime("%Y-%m") == m)
        for m in months}
    # The due period narrows which amounts count; the statistics date still ages them.
    _, half = summary(engine_for(receivables), "receivable-by-payment",
                      {**AT_STAT, "due_from": "2026-01-01", "due_to": "2026-06-30"},
                      "by-month")
    assert recv_measures(half) == receivable_figures(STAT, lambda r, p, t, d:
                                                     d >= D(2026, 1, 1))


def test_receivable_policies_list_and_per_policy(receivables: Settings) -> None:
    rows = detail(engine_for(receivables), "receivable-policies", {**AT_STAT,
                                                                   "policy_no": "P00401"})
    # Eight instalments due by the statistics date, oldest first; term 9 is not yet due.
    assert [(r["term_no"], r["due_date"], r["amount_cny"]) for r in rows] == [
        (t, days_before(age).isoformat(), a)
        for t, (age, a) in reversed(list(enumerate(AGE_EDGES.items(), start=1)))]
    usd = detail(engine_for(receivables), "receivable-policies", {**AT_STAT, "policy_no": "P00402"})
    assert [(r["currency_code"], r["amount"], r["amount_cny"], r["received_cny"],
             r["last_receipt_date"]) for r in usd] == [
        ("USD", 100, pytest.approx(P402_DUE_CNY), pytest.approx(P402_PAID_CNY),
         "2026-04-20")]
    by_policy, _ = summary(engine_for(receivables), "receivable-policies", AT_STAT, "by-policy")
    assert {r["policy"]: recv_measures(r) for r in by_policy} == {
        f"P00{pid}": receivable_figures(STAT, lambda r, p, t, d, pid=pid: p == pid)
        for pid in OWNERS}
    zhao = detail(engine_for(receivables), "receivable-policies", {**AT_STAT, "handler": "E00002"})
    assert sorted(r["policy_no"] for r in zhao) == ["P00402", "P00405"]


def test_effective_policies_scope_and_premiums(receivables: Settings) -> None:
    rows = detail(engine_for(receivables), "effective-policies", {})
    assert sorted(r["policy_no"] for r in rows) == [
        "P00401", "P00402", "P00403", "P00405", "P00406", "P00415"]
    _, totals = summary(engine_for(receivables), "effective-policies", {}, "by-branch")
    assert (totals["policies"], totals["premium"], totals["received"]) == (
        6, pytest.approx(1000 + 700 + 1000 + 1000 + 300 + 1000),
        pytest.approx(0 + 292 + 1000 - 200 + 300 + 0))
    by_class, _ = summary(engine_for(receivables), "effective-policies", {}, "by-class")
    assert {(r["class"], r["year"]): r["policies"] for r in by_class} == {
        ("机动车辆险", 2025): 1, ("企业财产险", 2025): 4, ("企业财产险", 2003): 1}
    later = replace(receivables, receivable_cutoff=D(2003, 9, 2))
    assert "P00415" not in {r["policy_no"] for r in detail(engine_for(later), "effective-policies",
                                                           {})}


def test_exchange_rates_in_force_and_cny_excluded(receivables: Settings) -> None:
    args = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
    rows, _ = summary(engine_for(receivables), "exchange-rates", args, "by-currency")
    usd_2026 = [7.15, 7.25, 7.30]
    hkd_2026 = [0.90, 0.92]
    assert {r["currency"]: (r["name"], r["days"], r["avg_rate"], r["min_rate"], r["max_rate"])
            for r in rows} == {
        "HKD": ("港币", 2, pytest.approx(sum(hkd_2026) / 2), 0.90, 0.92),
        "USD": ("美元", 3, pytest.approx(sum(usd_2026) / 3), 7.15, 7.30)}
    listed = detail(engine_for(receivables), "exchange-rates", {**args, "currency": "USD"})
    assert [(r["rate_date"], r["rate_to_cny"]) for r in listed] == [
        ("2026-04-15", 7.30), ("2026-03-01", 7.25), ("2026-01-01", 7.15)]
    # P402's 100 USD due 2026-03-01 is converted at the rate in force that day (7.25),
    # and its 40 USD received 2026-04-20 at the one in force then (7.30).
    def in_force(day: date) -> float:
        return next(r["rate_to_cny"] for r in listed if r["rate_date"] <= day.isoformat())

    usd = detail(engine_for(receivables), "receivable-policies", {**AT_STAT,
                                                                  "policy_no": "P00402"})[0]
    assert usd["amount_cny"] == pytest.approx(100 * in_force(D(2026, 3, 1)))
    assert usd["received_cny"] == pytest.approx(40 * in_force(D(2026, 4, 20)))


def test_receivable_paid_in_parts_around_the_statistics_date(tmp_path: Any) -> None:
    rows = {"policy": [policy(501, risk_id=2, class_id=2)],
            "receivable": [receivable(1, 501, D(2026, 2, 1), 600)],
            "receipt": [receipt(1, 501, D(2026, 3, 1), 200, receivable_id=1),
                        receipt(2, 501, D(2026, 7, 15), 400, receivable_id=1)]}
    settings = replace(Settings(), as_of=AS_OF,
                       store_path=build_tiny_store(tmp_path / "parts.duckdb", rows))
    _, totals = summary(engine_for(settings), "receivable-branch", AT_STAT, "by-branch")
    # By 06-30 only the 200 of 03-01 has come in; 400 is unpaid, 149 days after due.
    assert (totals["receivable"], totals["received"], totals["unpaid"],
            totals["age_91"]) == (600, 200, 600 - 200, 600 - 200)


@pytest.fixture(scope="module")
def paid_in_parts(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One receivable of 1000 due 2026-03-01, paid 300 + 200 + 500 on three days; a
    second of 400 paid at once. The store folds each first receipt into its plan row."""
    recv = [receivable(1, 501, D(2026, 3, 1), 1000), receivable(2, 501, D(2026, 3, 1), 400,
                                                                term_no=2)]
    receipts = [receipt(1, 501, D(2026, 3, 10), 300, receivable_id=1),
                receipt(2, 501, D(2026, 4, 10), 200, receivable_id=1),
                receipt(3, 501, D(2026, 5, 10), 500, receivable_id=1),
                receipt(4, 501, D(2026, 3, 20), 400, receivable_id=2)]
    rows = {**reference(), "policy": [policy(501)], "receivable": recv, "receipt": receipts}
    path = build_tiny_store(tmp_path_factory.mktemp("parts") / "parts.duckdb", rows,
                            {**RATES.rows(), (1, D(2026, 2, 1)): 1.0})
    return replace(Settings(), store_path=path, as_of=AS_OF)


@pytest.mark.parametrize(("stat", "received"), [
    (D(2026, 3, 5), 0), (D(2026, 3, 10), 300), (D(2026, 3, 31), 700),
    (D(2026, 4, 10), 900), (D(2026, 5, 9), 900), (D(2026, 5, 10), 1400)])
def test_receivable_paid_in_parts_counts_what_had_come_in(paid_in_parts: Settings,
                                                          stat: date, received: float) -> None:
    _, totals = summary(engine_for(paid_in_parts), "receivable-branch",
                        {"stat_date": stat.isoformat()},
                        "by-branch")
    assert (totals["items"], totals["receivable"], totals["received"], totals["unpaid"]) == (
        2, 1400, received, 1400 - received)
    # The detail lists each planned receivable once, with everything received by now.
    rows = detail(engine_for(paid_in_parts), "receivable-branch", {"stat_date": stat.isoformat()})
    assert sorted((r["term_no"], r["received_cny"]) for r in rows) == [(1, 1000), (2, 400)]
