"""Hand-checked figures on a tiny store: each expected value is worked out here from the
rule in REPORTS.md, not read back from the engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_detail, run_summary
from tests.tiny_store import AS_OF, build_tiny_store, policy, vehicle

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
D = date


def endorsement(eid: int, policy_id: int, code: str, *, slc: bool = False, layup: bool = False,
                change: float = 0, after_si: float = 100000, reason: str = "P02") -> dict:
    return {"endorsement_id": eid, "endorsement_no": f"E{eid}", "policy_id": policy_id,
            "endorse_type_code": code, "reason_code": reason, "subject_list_changed": slc,
            "layup_refund": layup, "endorse_date": D(2025, 3, 1), "effective_date": D(2025, 3, 1),
            "input_date": D(2025, 3, 1), "currency_id": 1, "premium_change": change,
            "sum_insured_change": 0, "premium_after": 1000 + change,
            "sum_insured_after": after_si, "premium_change_cny": change,
            "sum_insured_change_cny": 0, "premium_after_cny": 1000 + change,
            "sum_insured_after_cny": after_si}


def claim(cid: int, policy_id: int, *, report: date, register: date | None = None,
          close: date | None = None, cancelled: bool = False, estimate: float = 1000) -> dict:
    return {"claim_id": cid, "report_no": f"R{cid}",
            "claim_no": f"C{cid}" if register else None, "policy_id": policy_id,
            "report_date": report, "reporter_phone": "13900000000", "loss_date": report,
            "cause_code": "01", "cause_name": "碰撞", "loss_address": "广州", "currency_id": 1,
            "estimated_loss": estimate, "estimated_loss_cny": estimate, "cancelled": cancelled,
            "cancel_date": report if cancelled else None, "register_date": register,
            "close_date": close}


def proposal(pid: int, status: str, policy_id: int | None) -> dict:
    return {"proposal_id": pid, "proposal_no": f"T{pid}", "risk_id": 2, "branch_id": 1,
            "dept_id": 1, "salesman_id": 1, "agent_id": None, "applicant_id": 1,
            "insured_id": 1, "vehicle_id": None, "input_date": D(2025, 1, 1),
            "start_date": D(2025, 2, 1), "end_date": D(2026, 1, 31), "currency_id": 1,
            "sum_insured": 1000, "premium": 10 * pid, "sum_insured_cny": 1000,
            "premium_cny": 10 * pid, "uw_status": status, "policy_id": policy_id}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    prop = {"risk_id": 2, "class_id": 2}
    rows = {
        "vehicle": [vehicle(1), vehicle(2), vehicle(3)],
        "policy": [
            # Lapse rule (grace 30): vehicle 1 renewed on day 30 → renewed; vehicle 2 on
            # day 31 → lapsed; vehicle 3 never renewed → lapsed.
            policy(1, vehicle_id=1, end_date=D(2025, 3, 31), start_date=D(2024, 4, 1)),
            policy(2, vehicle_id=1, start_date=D(2025, 4, 30), end_date=D(2026, 4, 29)),
            policy(3, vehicle_id=2, end_date=D(2025, 3, 31), start_date=D(2024, 4, 1)),
            policy(4, vehicle_id=2, start_date=D(2025, 5, 1), end_date=D(2026, 4, 30)),
            policy(5, vehicle_id=3, end_date=D(2025, 3, 15), start_date=D(2024, 3, 16)),
            # Property policies, one in USD converted at the sign-date rate.
            policy(10, **prop), policy(11, **prop), policy(12, **prop), policy(13, **prop),
            policy(14, **prop), policy(15, **prop, currency_id=2, premium=100,
                                       premium_cny=712.34, sum_insured=1000,
                                       sum_insured_cny=7123.40),
            # Receivable scope: YAE is excluded however unpaid it is.
            policy(20, risk_id=3, class_id=2),
        ],
        "endorsement": [
            endorsement(1, 10, "0190"),                                   # *19* → 注销保单
            endorsement(2, 11, "2101", slc=True, change=50),              # *21* → 全单退保
            endorsement(3, 12, "0301", slc=True, change=-10, after_si=0),  # slc & SI 0 → 全单退保
            endorsement(4, 13, "0302", slc=True, change=20),              # 加保
            endorsement(5, 14, "0501", layup=True, change=-30, reason="P10"),  # 减保
            endorsement(6, 14, "0801", change=-5),                        # no flag → 其他
        ],
        "claim": [
            claim(1, 1, report=D(2026, 6, 1)),                            # waiting
            claim(2, 1, report=D(2026, 6, 2), cancelled=True),            # cancelled
            claim(3, 3, report=D(2026, 1, 1), register=D(2026, 1, 5)),    # open, 176 days
            claim(4, 3, report=D(2026, 1, 1), register=D(2026, 1, 3),
                  close=D(2026, 2, 2)),                                   # closed
        ],
        "receivable": [
            # Policy 10: 1000 due 2026-06-20 (10 days before AS_OF), unpaid.
            {"receivable_id": 1, "policy_id": 10, "endorsement_id": None, "term_no": 1,
             "due_date": D(2026, 6, 20), "currency_id": 1, "amount": 1000, "amount_cny": 1000},
            # Policy 11: 500 due 2026-01-01 (180 days), paid 2026-07-15 — after AS_OF.
            {"receivable_id": 2, "policy_id": 11, "endorsement_id": None, "term_no": 1,
             "due_date": D(2026, 1, 1), "currency_id": 1, "amount": 500, "amount_cny": 500},
            # Policy 20 (YAE): excluded.
            {"receivable_id": 3, "policy_id": 20, "endorsement_id": None, "term_no": 1,
             "due_date": D(2026, 1, 1), "currency_id": 1, "amount": 700, "amount_cny": 700},
        ],
        "receipt": [
            {"receipt_id": 1, "receipt_no": "S1", "policy_id": 11, "endorsement_id": None,
             "receivable_id": 2, "receipt_date": D(2026, 7, 15), "currency_id": 1,
             "amount": 500, "amount_cny": 500},
            {"receipt_id": 2, "receipt_no": "S2", "policy_id": 11, "endorsement_id": None,
             "receivable_id": None, "receipt_date": D(2026, 7, 15), "currency_id": 1,
             "amount": -100, "amount_cny": -100},
        ],
    }
    rows["proposal"] = [proposal(1, "1", 10), proposal(2, "w", None), proposal(3, "9", None),
                        proposal(4, "3", 11)]
    rows["commission"] = [
        {"commission_id": 1, "fee_receipt_no": "SXF1", "policy_id": 10, "agent_id": 1,
         "paying_agent_id": 1, "pay_date": D(2025, 6, 1), "currency_id": 1, "amount": 100,
         "amount_cny": 100},
        {"commission_id": 2, "fee_receipt_no": "SXF1", "policy_id": 11, "agent_id": 1,
         "paying_agent_id": 1, "pay_date": D(2025, 6, 1), "currency_id": 1, "amount": 50,
         "amount_cny": 50},
        {"commission_id": 3, "fee_receipt_no": "SXF2", "policy_id": 11, "agent_id": 1,
         "paying_agent_id": 1, "pay_date": D(2025, 7, 1), "currency_id": 1, "amount": 25,
         "amount_cny": 25},
    ]
    path = build_tiny_store(tmp_path_factory.mktemp("tiny") / "tiny.duckdb", rows)
    return replace(Settings(), store_path=path, as_of=AS_OF)


def detail(engine: Engine, slug: str, args: dict[str, str]) -> list[dict]:
    report = CATALOG[slug]
    return run_detail(engine, report, parse_filters(report, args, AS_OF), GM,
                      limit=1000).rows


def test_lapse_rule_day_30_renews_day_31_lapses(tiny: Settings) -> None:
    rows = detail(engine_for(tiny), "lapsed-auto", {"end_from": "2025-03-01",
                                                    "end_to": "2025-03-31"})
    assert sorted(r["policy_no"] for r in rows) == ["P00003", "P00005"]
    strict = detail(engine_for(replace(tiny, lapse_grace_days=29)), "lapsed-auto",
                    {"end_from": "2025-03-01", "end_to": "2025-03-31"})
    assert sorted(r["policy_no"] for r in strict) == ["P00001", "P00003", "P00005"]


def test_endorsement_kinds_first_match(tiny: Settings) -> None:
    rows = detail(engine_for(tiny), "property-endorsements", {"input_from": "2025-01-01",
                                                  "input_to": "2025-12-31"})
    kinds = {r["endorsement_no"]: r["endorse_kind"] for r in rows}
    assert kinds == {"E1": "注销保单", "E2": "全单退保", "E3": "全单退保", "E4": "加保",
                     "E5": "减保", "E6": "其他"}


def test_claims_unregistered_excludes_cancelled(tiny: Settings) -> None:
    rows = detail(engine_for(tiny), "claims-unregistered", {"reported_from": "2026-01-01",
                                                "reported_to": "2026-06-30"})
    assert [(r["report_no"], r["days_waiting"]) for r in rows] == [("R1", 29)]
    open_rows = detail(engine_for(tiny), "claims-open", {"registered_from": "2026-01-01",
                                             "registered_to": "2026-06-30"})
    assert [(r["claim_no"], r["days_open"]) for r in open_rows] == [("C3", 176)]


def test_receivable_as_of_with_ageing_and_exclusions(tiny: Settings) -> None:
    report = CATALOG["receivable-branch"]
    values = parse_filters(report, {"stat_date": AS_OF.isoformat()}, AS_OF)
    totals = run_summary(engine_for(tiny), report, values, GM).totals
    # Receivable 1000 + 500 (YAE's 700 excluded); nothing received by 2026-06-30.
    assert totals["receivable"] == 1500 and totals["received"] == 0
    assert totals["unpaid"] == 1500 and totals["unpaid_ratio"] == pytest.approx(100.0)
    assert totals["age_0"] == 1000      # due 10 days before
    assert totals["age_91"] == 500      # due 180 days before
    later = parse_filters(report, {"stat_date": "2026-07-31"}, AS_OF)
    t2 = run_summary(engine_for(tiny), report, later, GM).totals
    assert t2["received"] == 500 and t2["unpaid"] == 1000
    assert t2["unpaid_ratio"] == pytest.approx(1000 / 1500 * 100)


def test_foreign_currency_premium_converted(tiny: Settings) -> None:
    report = CATALOG["property-policies"]
    values = parse_filters(report, {"input_from": "2025-01-01", "input_to": "2025-12-31"},
                           AS_OF)
    rows = run_summary(engine_for(tiny), report, values, GM, "by-class").rows
    usd = next(r for r in rows if r["currency"] == "USD")
    assert usd["policies"] == 1 and usd["premium"] == 100 and usd["premium_cny"] == 712.34


def test_loss_ratio_empty_without_premium_received(tiny: Settings) -> None:
    report = CATALOG["pnl-auto-cube"]
    s = run_summary(engine_for(tiny), report, parse_filters(report, {}, AS_OF), GM,
                    group_by=["branch"])
    assert s.totals["received"] == 0 and s.totals["settled_ratio"] is None


def test_claim_cycle_stage_days(tiny: Settings) -> None:
    report = CATALOG["claim-cycle"]
    values = parse_filters(report, {"closed_from": "2026-01-01", "closed_to": "2026-06-30"},
                           AS_OF)
    t = run_summary(engine_for(tiny), report, values, GM).totals
    # One closed claim: reported 01-01, registered 01-03, closed 02-02, never paid.
    assert t["claims"] == 1
    assert t["report_to_register_mean"] == 2 and t["report_to_register_p90"] == 2
    assert t["register_to_close_median"] == 30
    assert t["close_to_pay_mean"] is None and t["report_to_pay_p90"] is None


def test_daily_receipts_split_received_and_refunded(tiny: Settings) -> None:
    report = CATALOG["premium-received-daily"]
    values = parse_filters(report, {"received_from": "2026-07-15",
                                    "received_to": "2026-07-15"}, AS_OF)
    rows = run_summary(engine_for(tiny), report, values, GM).rows
    assert [(r["day"], r["received"], r["refunded"], r["net"]) for r in rows] == [
        ("2026-07-15", 500, 100, 400)]


def test_proposal_status_w_alone_and_counts(tiny: Settings) -> None:
    report = CATALOG["proposal-status"]
    s = run_summary(engine_for(tiny), report, parse_filters(report, {}, AS_OF), GM, "by-status")
    assert {r["status"]: (r["proposals"], r["premium"]) for r in s.rows} == {
        "核保通过": (1, 10), "核保通过但未转保单": (1, 20), "待核保": (1, 30),
        "自动核保": (1, 40)}
    w = detail(engine_for(tiny), "proposal-status", {"status": "w"})
    assert [(r["proposal_no"], r["policy_no"]) for r in w] == [("T2", None)]
    converted = detail(engine_for(tiny), "proposal-status", {"status": "1,3"})
    assert sorted(r["policy_no"] for r in converted) == ["P00010", "P00011"]


def test_commission_summary_by_receipt_and_branch(tiny: Settings) -> None:
    report = CATALOG["commission-summary"]
    values = parse_filters(report, {"paid_from": "2025-06-01", "paid_to": "2025-06-30"},
                           AS_OF)
    t = run_summary(engine_for(tiny), report, values, GM).totals
    assert (t["items"], t["policies"], t["amount"]) == (2, 2, 150)
    rows = detail(engine_for(tiny), "commission-list", {"receipt_no": "SXF2"})
    assert [(r["policy_no"], r["amount_cny"]) for r in rows] == [("P00011", 25)]
