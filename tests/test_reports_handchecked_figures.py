"""Hand-checked figures a finance manager signs: 未决估损 with open claims paid in part,
the claim cycle with instalments and a recovery, 1.6 with refunds, totals over several
currencies, number formats, codes instead of ids, no signed zeros. Every expected value is
the arithmetic of the rows below, following REPORTS.md.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from layouts.grid import column_defs
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG
from queries.engine import detail_columns, parse_filters, run_detail, run_summary
from queries.export import write_xlsx
from tests.catalog_args import wide_args
from tests.tiny_store import (
    AS_OF,
    REFERENCE,
    build_tiny_store,
    claim,
    claim_payment,
    policy,
    receipt,
    vehicle,
)

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
D = date
USD, HKD = 2, 3
PROP = {"risk_id": 2, "class_id": 2, "clause_code": "QAA01"}


def loss_history(policy_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Claims and payments of one policy: a closed claim paid in two instalments (300),
    an open claim of estimate 800 already paid 500 in part, an open claim of estimate 400
    not paid yet, a cancelled claim and a report never registered."""
    c = policy_id * 10
    claims = [
        claim(c + 1, policy_id, report=D(2026, 2, 1), register=D(2026, 2, 2),
              close=D(2026, 3, 1)),
        claim(c + 2, policy_id, report=D(2026, 3, 1), register=D(2026, 3, 2), estimate=800),
        claim(c + 3, policy_id, report=D(2026, 3, 5), register=D(2026, 3, 6), estimate=400),
        claim(c + 4, policy_id, report=D(2026, 3, 5), cancelled=True, estimate=999),
        claim(c + 5, policy_id, report=D(2026, 6, 1), estimate=50),
    ]
    payments = [claim_payment(c + 1, c + 1, D(2026, 3, 5), 100),
                claim_payment(c + 2, c + 1, D(2026, 3, 20), 200),
                claim_payment(c + 3, c + 2, D(2026, 4, 1), 500)]
    return claims, payments


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    claims1, pays1 = loss_history(1)
    claims2, pays2 = loss_history(2)
    customers = [*REFERENCE["customer"],
                 # The same name as customer 1: only the code tells them apart.
                 {**REFERENCE["customer"][0], "customer_id": 2, "customer_code": "C9"},
                 {**REFERENCE["customer"][0], "customer_id": 3, "customer_code": "C3",
                  "customer_name": "王五"},
                 {**REFERENCE["customer"][0], "customer_id": 4, "customer_code": "C4",
                  "customer_name": "赵七"}]
    rows: dict[str, list[dict[str, Any]]] = {
        "customer": customers,
        "currency": [*REFERENCE["currency"],
                     {"currency_id": HKD, "currency_code": "HKD", "currency_name": "港币"}],
        "vehicle": [vehicle(1), vehicle(4), vehicle(5), vehicle(6)],
        "policy": [
            policy(1, vehicle_id=1),                                     # auto
            policy(2, **PROP),                                           # property, CNY
            policy(3, **PROP, insured_id=2, currency_id=USD, premium=100, premium_cny=720,
                   sum_insured=1000, sum_insured_cny=7200),              # property, USD
            policy(4, vehicle_id=4, insured_id=3, premium=500, premium_cny=500),
            policy(5, vehicle_id=5, insured_id=4, premium=600, premium_cny=600),
            policy(6, vehicle_id=6, insured_id=4, currency_id=USD, premium=100,
                   premium_cny=715),                                     # auto, USD
        ],
        "claim": [
            *claims1, *claims2,
            # Policy 3: an open claim in USD, 100 USD = 715 CNY, nothing paid.
            claim(31, 3, report=D(2026, 3, 1), register=D(2026, 3, 2), estimate=100,
                  estimate_cny=715, currency_id=USD),
            # Policy 5, the claim cycle (closed in May). C51: paid in instalments before
            # and after closing, the last payment out on 06-10, a recovery on 06-20.
            claim(51, 5, report=D(2026, 4, 1), register=D(2026, 4, 3), close=D(2026, 5, 1)),
            # C52: its only payment came before it was closed (data says otherwise).
            claim(52, 5, report=D(2026, 5, 1), register=D(2026, 5, 2), close=D(2026, 5, 20)),
            # C53: closed, never paid.
            claim(53, 5, report=D(2026, 5, 1), register=D(2026, 5, 11), close=D(2026, 5, 21)),
        ],
        "claim_payment": [
            *pays1, *pays2,
            claim_payment(51, 51, D(2026, 4, 20), 100), claim_payment(52, 51, D(2026, 5, 11), 200),
            claim_payment(53, 51, D(2026, 6, 10), 300), claim_payment(54, 51, D(2026, 6, 20), -50),
            claim_payment(55, 52, D(2026, 5, 10), 400),
        ],
        "receipt": [
            receipt(1, 1, D(2026, 1, 10), 1000), receipt(2, 1, D(2026, 1, 20), -200),
            receipt(3, 2, D(2026, 1, 10), 1000),
            receipt(4, 3, D(2026, 1, 15), 100, 715, currency_id=USD),
            # Policy 4: more refunded than received, nothing paid on claims.
            receipt(5, 4, D(2026, 2, 1), 100), receipt(6, 4, D(2026, 2, 20), -300),
        ],
    }
    rates = {(USD, D(2026, 1, 1)): 7.15, (USD, D(2026, 2, 1)): 7.2,
             (HKD, D(2026, 1, 1)): 0.046584}
    path = build_tiny_store(tmp_path_factory.mktemp("figures") / "figures.duckdb", rows,
                            rates)
    return replace(Settings(), store_path=path, as_of=AS_OF)


def summary(engine: Engine, slug: str, args: dict[str, str], key: str | None = None,
            group_by: list[str] | None = None, *, max_groups: int | None = None) -> Any:
    report = CATALOG[slug]
    return run_summary(engine, report, parse_filters(report, args, AS_OF), GM, key,
                       group_by=group_by, max_groups=max_groups)


def detail(engine: Engine, slug: str, args: dict[str, str]) -> list[dict[str, Any]]:
    report = CATALOG[slug]
    return run_detail(engine, report, parse_filters(report, args, AS_OF), GM,
                      limit=1000).rows


# ---------------------------------------------------------------------------------------
# 1. 未决估损 = the estimates of open registered claims (REPORTS.md), paid part included.

# Per policy: (premium, received, registered claims, 已决赔款, 未决估损).
PNL = {
    1: (1000, 1000 - 200, 3, 100 + 200, 800 + 400),   # 500 paid on the 800 is in the 800
    2: (1000, 1000, 3, 100 + 200, 800 + 400),
    3: (720, 715, 1, 0, 715),
    4: (500, 100 - 300, 0, 0, 0),
    5: (600, 0, 3, 100 + 200 + 300 - 50 + 400, 0),
    6: (715, 0, 0, 0, 0),
}
AUTO, PROPERTY = (1, 4, 5, 6), (2, 3)


def expected(*policy_ids: int) -> dict[str, Any]:
    premium, received, claims, paid, outstanding = (
        sum(PNL[p][i] for p in policy_ids) for i in range(5))

    def ratio(x: float) -> Any:
        return None if received == 0 else pytest.approx(x / received * 100)

    return {"policies": len(policy_ids), "premium": pytest.approx(premium),
            "received": pytest.approx(received), "claims": claims,
            "paid_closed": pytest.approx(paid), "outstanding": pytest.approx(outstanding),
            "incurred": pytest.approx(paid + outstanding), "settled_ratio": ratio(paid),
            "total_ratio": ratio(paid + outstanding)}


def measures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in expected(1)}


def test_outstanding_is_the_estimate_of_open_claims_paid_in_part(book: Settings) -> None:
    rows = {r["policy_no"]: r for r in detail(engine_for(book), "pnl-auto-cube", {})}
    # 800 (500 of it paid) + 400, not (800 − 500) + 400: the partial payment stays in.
    assert rows["P00001"]["outstanding_cny"] == 1200
    assert rows["P00001"]["paid_closed_cny"] == 300
    t = summary(engine_for(book), "pnl-auto-cube", {}).totals
    assert t["outstanding"] == 1200 and t["incurred"] == 300 + 1200 + 950
    assert t["total_ratio"] == pytest.approx((300 + 1200 + 950) / (800 - 200) * 100)


@pytest.mark.parametrize("dim", CATALOG["pnl-auto-cube"].free_dims)
def test_cube_outstanding_by_every_group_by(book: Settings, dim: str) -> None:
    s = summary(engine_for(book), "pnl-auto-cube", {}, group_by=[dim])
    assert measures(s.totals) == expected(*AUTO)
    assert sum(r["outstanding"] for r in s.rows) == pytest.approx(1200)
    assert sum(r["incurred"] for r in s.rows) == pytest.approx(300 + 1200 + 950)


# Every list of the P&L rollup counts open claims alike (the work log's customer lists
# share a customer's figures among the people serving it: tests/test_worklog_queries.py).
PNL_PAGES = [r for r in ALL_REPORTS if r.source == "policy_pnl"
             and any(m.key == "outstanding" for m in r.measures)]


@pytest.mark.parametrize("report", PNL_PAGES, ids=lambda r: r.slug)
def test_every_pnl_page_counts_the_estimates_of_open_claims(book: Settings, report: Any
                                                            ) -> None:
    covered = {None: (*AUTO, *PROPERTY), "TRUE": (*AUTO, *PROPERTY), "line = 'auto'": AUTO,
               "line = 'property'": PROPERTY}[report.where]
    for s in report.summaries:
        got = run_summary(engine_for(book), report,
                          parse_filters(report, wide_args(report, AS_OF), AS_OF),
                          GM, s.key).totals
        assert measures(got) == expected(*covered), f"{report.slug} {s.key}"


# ---------------------------------------------------------------------------------------
# 2. 支付 = the payment that settles the claim (the last one out); no negative stage.

CLOSED_IN_MAY = {"closed_from": "2026-05-01", "closed_to": "2026-05-31"}


def test_claim_cycle_to_the_settling_payment_with_instalments_and_recovery(book: Settings
                                                                          ) -> None:
    rows = {r["claim_no"]: r for r in detail(engine_for(book), "claim-cycle", CLOSED_IN_MAY)}
    c51 = rows["C51"]
    # Closed 05-01; paid 04-20, 05-11 and 06-10, recovered 06-20: settled on 06-10.
    assert c51["settle_pay_date"] == "2026-06-10"
    assert (c51["close_to_pay_days"], c51["report_to_pay_days"]) == (40, 70)
    assert c51["cycle_anomaly"] is None
    # C52 was paid 05-10, before it was closed on 05-20: flagged, the raw days shown.
    c52 = rows["C52"]
    assert (c52["close_to_pay_days"], c52["report_to_pay_days"]) == (-10, 9)
    assert c52["cycle_anomaly"] == "支付早于结案"
    assert rows["C53"]["settle_pay_date"] is None and rows["C53"]["cycle_anomaly"] is None
    t = summary(engine_for(book), "claim-cycle", CLOSED_IN_MAY).totals
    assert t["claims"] == 3 and t["anomalies"] == 1
    assert t["report_to_register_mean"] == pytest.approx((2 + 1 + 10) / 3)
    assert t["register_to_close_median"] == 18
    # 结案→支付 over C51 alone (C52's −10 is not averaged, C53 never paid).
    assert (t["close_to_pay_mean"], t["close_to_pay_median"], t["close_to_pay_p90"]) == (
        40, 40, 40)
    # 报案→支付 over C51 (70) and C52 (9, not negative).
    assert t["report_to_pay_mean"] == pytest.approx((70 + 9) / 2)
    assert t["report_to_pay_p90"] == pytest.approx(9 + 0.9 * (70 - 9))


def test_claim_cycle_no_negative_stage_in_any_statistic(book: Settings) -> None:
    t = summary(engine_for(book), "claim-cycle", CLOSED_IN_MAY).totals
    stats = [v for k, v in t.items() if k.endswith(("_mean", "_median", "_p90"))]
    assert stats and all(v is None or v >= 0 for v in stats)


# ---------------------------------------------------------------------------------------
# 3. 1.6: premium received gross in the month and in the year, refunds their own columns.

def test_monthly_premium_gross_in_month_and_year_refunds_apart(book: Settings) -> None:
    jan = summary(engine_for(book), "premium-received-monthly", {"month": "2026-01"},
                  "by-branch").totals
    # January: 1000 + 1000 + 715 received, 200 refunded. Month and year cover the same
    # days, so they agree.
    assert jan["month_cny"] == jan["ytd_received"] == 1000 + 1000 + 715
    assert jan["month_refunded"] == jan["ytd_refunded"] == 200
    assert jan["net_cny"] == 2715 - 200
    feb = summary(engine_for(book), "premium-received-monthly", {"month": "2026-02"},
                  "by-branch").totals
    assert (feb["month_cny"], feb["month_refunded"]) == (100, 300)
    assert (feb["ytd_received"], feb["ytd_refunded"], feb["net_cny"]) == (
        2715 + 100, 200 + 300, 2815 - 500)
    people = summary(engine_for(book), "premium-received-monthly", {"month": "2026-01"},
                     "by-person").rows
    c1 = next(r for r in people if r["insured_code"] == "C1")
    assert (c1["month_amount"], c1["month_cny"], c1["month_refunded"]) == (2000, 2000, 200)
    labels = {m.key: m.label for m in CATALOG["premium-received-monthly"].measures}
    assert "退费" in labels["month_refunded"] and "净额" in labels["net_cny"]


# ---------------------------------------------------------------------------------------
# 4. Original-currency amounts add up only within one currency.

def test_property_policies_total_premium_only_per_currency(book: Settings) -> None:
    s = summary(engine_for(book), "property-policies", {"input_from": "2025-01-01",
                                            "input_to": "2025-12-31"}, "by-branch")
    by_currency = {r["currency"]: (r["premium"], r["premium_cny"]) for r in s.rows}
    assert by_currency == {"CNY": (1000, 1000), "USD": (100, 720)}
    assert s.totals["premium"] is None                  # not 1,100 of CNY and USD
    assert s.totals["premium_cny"] == 1720 and s.totals["policies"] == 2


def test_exchange_rates_total_has_no_rate_of_mixed_currencies(book: Settings) -> None:
    s = summary(engine_for(book), "exchange-rates", {"date_from": "2026-01-01",
                                                     "date_to": "2026-12-31"})
    rates = {r["currency"]: (r["days"], r["avg_rate"], r["min_rate"], r["max_rate"])
             for r in s.rows}
    assert rates == {"USD": (2, pytest.approx(7.175), 7.15, 7.2),
                     "HKD": (1, 0.046584, 0.046584, 0.046584)}
    assert s.totals["days"] == 3
    assert (s.totals["avg_rate"], s.totals["min_rate"], s.totals["max_rate"]) == (
        None, None, None)
    one = summary(engine_for(book), "exchange-rates", {"date_from": "2026-01-01",
                                                       "date_to": "2026-12-31",
                                           "currency": "USD"})
    assert one.totals["avg_rate"] == pytest.approx(7.175)   # one currency: a true total


def test_monthly_original_currency_total_and_mixed_branch(book: Settings) -> None:
    s = summary(engine_for(book), "premium-received-monthly", {"month": "2026-01"}, "by-branch")
    # Branch 1 received CNY and USD in January: no 原币 figure, the CNY one adds up.
    assert s.rows[0]["month_amount"] is None and s.totals["month_amount"] is None
    assert s.rows[0]["month_cny"] == 2715
    feb = summary(engine_for(book), "premium-received-monthly", {"month": "2026-02"}, "by-branch")
    # February only CNY rows in the month (January's USD is not in it).
    assert feb.totals["month_amount"] == 100


def test_property_risk_claim_amounts_only_per_currency(book: Settings) -> None:
    s = summary(engine_for(book), "property-risk", {"start_from": "2025-01-01",
                                                    "start_to": "2025-12-31"})
    # CNY claims of policy 2 and a USD claim of policy 3 under one branch.
    assert s.totals["estimate"] is None and s.totals["paid"] is None
    assert s.totals["claims"] == 3 + 1


def test_lapsed_auto_premium_adds_up_in_cny(book: Settings) -> None:
    # Auto policies 1, 4, 5 (CNY) and 6 (100 USD = 715 CNY) all end 2025-12-31, unrenewed.
    s = summary(engine_for(book), "lapsed-auto", {"end_from": "2025-12-01", "end_to": "2025-12-31"})
    assert s.totals["policies"] == 4
    assert s.totals["premium"] == 1000 + 500 + 600 + 715      # not 2,200 of CNY and USD


def test_receivable_by_payment_says_amounts_are_in_cny() -> None:
    report = CATALOG["receivable-by-payment"]
    money = [m for m in report.measures if m.type == "money" and m.key in
             {"receivable", "received", "unpaid"}]
    assert len(money) == 3 and all("折人民币" in m.label for m in money)
    assert any("折人民币" in n and "币别" in n for n in report.notes)


# ---------------------------------------------------------------------------------------
# 5. Number formats declared per type: rates six decimals, days and counts none.

def decimals_of(defs: list[dict[str, Any]]) -> dict[str, int]:
    out = {}
    for d in defs:
        fmt = d.get("valueFormatter", {}).get("function", "")
        if fmt.startswith("fmtNumber("):
            out[d["field"]] = int(fmt.rsplit(",", 1)[1].strip(" )"))
    return out


def test_grid_decimals_per_measure(book: Settings) -> None:
    rates = decimals_of(column_defs(summary(engine_for(book), "exchange-rates", {
        "date_from": "2026-01-01", "date_to": "2026-12-31"}).columns))
    assert (rates["avg_rate"], rates["min_rate"], rates["days"]) == (6, 6, 0)
    assert decimals_of(column_defs(detail_columns(CATALOG["exchange-rates"])))[
        "rate_to_cny"] == 6
    waiting = decimals_of(column_defs(summary(engine_for(book), "claims-unregistered", {
        "reported_from": "2026-01-01", "reported_to": "2026-06-30"}).columns))
    assert (waiting["max_wait"], waiting["claims"], waiting["estimate"]) == (0, 0, 2)
    cycle = decimals_of(column_defs(summary(engine_for(book), "claim-cycle",
                                            CLOSED_IN_MAY).columns))
    assert {cycle[k] for k in cycle if k.endswith(("_median", "_p90", "_mean"))} == {0}
    pnl = decimals_of(column_defs(summary(engine_for(book), "pnl-auto-cube", {}).columns))
    assert (pnl["premium"], pnl["settled_ratio"], pnl["claims"]) == (2, 2, 0)


def test_excel_formats_per_measure(book: Settings, tmp_path: Path) -> None:
    s = summary(engine_for(book), "exchange-rates", {"date_from": "2026-01-01",
                                                     "date_to": "2026-12-31"})
    path = tmp_path / "rates.xlsx"
    write_xlsx(path, "兑换率", s.columns, s.rows, s.totals)
    sheet = load_workbook(path).active
    heads = {c.value: c.column for c in sheet[1]}
    hkd = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "HKD")
    assert hkd[heads["平均兑换率"] - 1].number_format == "#,##0.000000"
    assert hkd[heads["平均兑换率"] - 1].value == pytest.approx(0.046584)
    assert hkd[heads["天数"] - 1].number_format == "#,##0"
    s2 = summary(engine_for(book), "claims-unregistered", {"reported_from": "2026-01-01",
                                               "reported_to": "2026-06-30"})
    path2 = tmp_path / "waiting.xlsx"
    write_xlsx(path2, "未立案", s2.columns, s2.rows, s2.totals)
    sheet2 = load_workbook(path2).active
    heads2 = {c.value: c.column for c in sheet2[1]}
    assert sheet2.cell(2, heads2["最长等待天数"]).number_format == "#,##0"
    assert sheet2.cell(2, heads2["估损金额(折人民币)"]).number_format == "#,##0.00"


# ---------------------------------------------------------------------------------------
# 6. 3.1 shows the insured's customer code and name; no signed zero.

@pytest.mark.parametrize("max_groups", [None, 5000])
def test_pnl_insured_shows_customer_code_not_id(book: Settings, max_groups: int | None
                                                ) -> None:
    s = summary(engine_for(book), "pnl-insured", {}, "by-insured", max_groups=max_groups)
    columns = {c.key: c.label for c in s.columns}
    assert columns.get("insured_code") == "被保险人代码" and "insured" not in columns
    assert columns["insured_label"] == "被保险人名称"
    shown = {(r["insured_code"], r["insured_label"]): measures(r) for r in s.rows}
    # Two insured named 李四, told apart by code.
    assert shown == {("C1", "李四"): expected(1, 2), ("C9", "李四"): expected(3),
                     ("C3", "王五"): expected(4), ("C4", "赵七"): expected(5, 6)}


def test_zero_ratio_over_negative_premium_is_not_signed(book: Settings) -> None:
    rows = summary(engine_for(book), "pnl-insured", {}, "by-insured").rows
    c3 = next(r for r in rows if r["insured_code"] == "C3")
    assert c3["received"] == -200
    for key in ("settled_ratio", "total_ratio"):
        assert c3[key] == 0 and math.copysign(1, c3[key]) == 1, key
    p4 = next(r for r in detail(engine_for(book), "pnl-insured", {}) if r["policy_no"] == "P00004")
    assert p4["settled_loss_ratio_pct"] == 0
    assert math.copysign(1, p4["settled_loss_ratio_pct"]) == 1


# ---------------------------------------------------------------------------------------
# 17. A drill-down on a summary that compares with last year keeps its d_ name.

def test_monthly_by_month_drilled_by_branch(book: Settings) -> None:
    s = summary(engine_for(book), "premium-received-monthly", {"month": "2026-02", "d_branch": "1"},
                "by-month")
    assert {r["month_no"]: r["month_cny"] for r in s.rows} == {1: 0, 2: 100}
    assert s.previous_year == []
    other = summary(engine_for(book), "premium-received-monthly", {"month": "2026-02",
                                                                   "d_branch": "2"},
                    "by-month")
    assert other.rows == [] and other.totals.get("receipts") in (0, None)


def test_drilled_insured_named_by_code_and_name(book: Settings) -> None:
    from queries.engine import drill_names

    report = CATALOG["pnl-insured"]
    # Two insured named 李四: the breadcrumb of a drill-down says which one.
    values = parse_filters(report, {"d_insured": "2", "d_branch": "1"}, AS_OF)
    assert drill_names(engine_for(book), report, values, GM) == {"insured": "C9 李四",
                                                       "branch": "4401 广州支公司"}


def test_excel_detail_rates_six_decimals(book: Settings, tmp_path: Path) -> None:
    from queries.export import detail_xlsx

    report = CATALOG["exchange-rates"]
    values = parse_filters(report, {"date_from": "2026-01-01", "date_to": "2026-12-31"},
                           AS_OF)
    path = tmp_path / "rates-detail.xlsx"
    assert detail_xlsx(path, engine_for(book), report, values, GM) == 3
    sheet = load_workbook(path).active
    heads = {c.value: c.column for c in sheet[1]}
    hkd = next(r for r in sheet.iter_rows(min_row=2) if r[heads["币别"] - 1].value == "HKD")
    rate = hkd[heads["1 单位折人民币"] - 1]
    assert rate.number_format == "#,##0.000000" and rate.value == pytest.approx(0.046584)
