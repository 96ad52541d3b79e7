"""A tiny store built from explicit rows, for tests whose expected figures are worked
out by hand from the rules. Every base table gets sensible defaults per column."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from data.build import build_store
from data.settings import Settings

AS_OF = date(2026, 6, 30)

REFERENCE: dict[str, list[dict[str, Any]]] = {
    "branch": [{"branch_id": 1, "branch_code": "4401", "branch_name": "广州支公司",
                "province": "广东", "plate_prefix": "粤A"}],
    "department": [{"dept_id": 1, "dept_code": "440101", "dept_name": "营业部", "branch_id": 1}],
    "staff": [{"staff_id": 1, "staff_code": "E00001", "staff_name": "张三", "dept_id": 1,
               "branch_id": 1, "title": "业务员", "left_date": None}],
    "agent": [{"agent_id": 1, "agent_code": "A00001", "agent_name": "代理一",
               "agent_kind": "个人代理",
               "branch_id": 1}],
    "customer": [{"customer_id": 1, "customer_code": "C1", "customer_name": "李四",
                  "customer_kind": "个人", "id_type": "身份证", "id_no": "440101199001011234",
                  "phone": "020-12345678", "mobile": "13812345678", "address": "广州市天河区1号",
                  "birthday": date(1990, 1, 1)}],
    "risk_class": [{"class_id": 1, "class_code": "D", "class_name": "机动车辆险", "line": "auto"},
                   {"class_id": 2, "class_code": "Q", "class_name": "企业财产险",
                    "line": "property"}],
    "risk": [{"risk_id": 1, "risk_code": "DAA", "risk_name": "车险", "class_id": 1,
              "is_commercial_property": False},
             {"risk_id": 2, "risk_code": "QAA", "risk_name": "企财险", "class_id": 2,
              "is_commercial_property": True},
             {"risk_id": 3, "risk_code": "YAE", "risk_name": "货运预约", "class_id": 2,
              "is_commercial_property": False}],
    "currency": [{"currency_id": 1, "currency_code": "CNY", "currency_name": "人民币"},
                 {"currency_id": 2, "currency_code": "USD", "currency_name": "美元"}],
}


def policy(policy_id: int, **kw: Any) -> dict[str, Any]:
    row = {"policy_id": policy_id, "policy_no": f"P{policy_id:05d}", "proposal_id": None,
           "risk_id": 1, "class_id": 1, "branch_id": 1, "dept_id": 1, "handler_id": 1,
           "agent_id": None, "applicant_id": 1, "insured_id": 1, "vehicle_id": None,
           "use_years": None, "clause_code": "DAA01", "clause_name": "条款",
           "sign_date": date(2025, 1, 1), "input_date": date(2025, 1, 1),
           "start_date": date(2025, 1, 1), "end_date": date(2025, 12, 31), "currency_id": 1,
           "sum_insured": 100000, "liability_limit": 0, "premium": 1000,
           "sum_insured_cny": 100000, "liability_limit_cny": 0, "premium_cny": 1000,
           "status": "有效", "renewal_of_policy_id": None}
    row.update(kw)
    return row


def vehicle(vehicle_id: int, **kw: Any) -> dict[str, Any]:
    row = {"vehicle_id": vehicle_id, "plate_no": f"粤A{vehicle_id:05d}",
           "vin": f"LVIN{vehicle_id:013d}", "engine_no": "E1", "vehicle_kind_code": "K11",
           "vehicle_kind_name": "轿车", "use_nature_code": "101", "use_nature_name": "家庭自用",
           "brand_model": "大众", "seats": 5, "tonnage": 0,
           "first_register_date": date(2020, 1, 1)}
    row.update(kw)
    return row


def build_tiny_store(path: Path, rows: dict[str, list[dict[str, Any]]],
                     rates: dict[tuple[int, date], float] | None = None) -> Path:
    """Build a store from ``rows`` (table → rows) plus the reference rows above."""
    tables = {**REFERENCE, **rows}

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        for table, table_rows in tables.items():
            for row in table_rows:
                cols = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
        for (currency_id, day), rate in (rates or {}).items():
            con.execute("INSERT INTO exchange_rate VALUES (?, ?, ?)", [currency_id, day, rate])

    return build_store(path, fill, Settings(as_of=AS_OF))


class Rates:
    """Exchange rates by currency and date; a day's rate is the last one set on or before
    it (the rate in force), so expected CNY figures follow the conversion rule."""

    def __init__(self, table: dict[int, dict[date, float]]) -> None:
        self.table = table

    def rate(self, currency_id: int, day: date) -> float:
        if currency_id == 1:
            return 1.0
        return next(r for d, r in sorted(self.table[currency_id].items(), reverse=True)
                    if d <= day)

    def cny(self, amount: float, currency_id: int, day: date) -> float:
        return round(amount * self.rate(currency_id, day), 2)

    def rows(self) -> dict[tuple[int, date], float]:
        return {(c, d): r for c, by_day in self.table.items() for d, r in by_day.items()}


def claim(claim_id: int, policy_id: int, *, report: date, register: date | None = None,
          close: date | None = None, cancelled: bool = False, estimate: float = 1000,
          estimate_cny: float | None = None, currency_id: int = 1) -> dict[str, Any]:
    return {"claim_id": claim_id, "report_no": f"R{claim_id}",
            "claim_no": f"C{claim_id}" if register else None, "policy_id": policy_id,
            "report_date": report, "reporter_phone": "13900000000", "loss_date": report,
            "cause_code": "01", "cause_name": "碰撞", "loss_address": f"广州{claim_id}号",
            "currency_id": currency_id, "estimated_loss": estimate,
            "estimated_loss_cny": estimate if estimate_cny is None else estimate_cny,
            "cancelled": cancelled, "cancel_date": report if cancelled else None,
            "register_date": register, "close_date": close}


def claim_payment(payment_id: int, claim_id: int, day: date, amount: float,
                  amount_cny: float | None = None, *, currency_id: int = 1) -> dict[str, Any]:
    return {"payment_id": payment_id, "claim_id": claim_id, "pay_date": day,
            "currency_id": currency_id, "amount": amount,
            "amount_cny": amount if amount_cny is None else amount_cny}


def receipt(receipt_id: int, policy_id: int, day: date, amount: float,
            amount_cny: float | None = None, *, currency_id: int = 1,
            receivable_id: int | None = None, endorsement_id: int | None = None
            ) -> dict[str, Any]:
    """A finance receipt; a negative amount is a refund paid out."""
    return {"receipt_id": receipt_id, "receipt_no": f"S{receipt_id}", "policy_id": policy_id,
            "endorsement_id": endorsement_id, "receivable_id": receivable_id,
            "receipt_date": day, "currency_id": currency_id, "amount": amount,
            "amount_cny": amount if amount_cny is None else amount_cny}


def receivable(receivable_id: int, policy_id: int, due: date, amount: float,
               amount_cny: float | None = None, *, currency_id: int = 1, term_no: int = 1
               ) -> dict[str, Any]:
    return {"receivable_id": receivable_id, "policy_id": policy_id, "endorsement_id": None,
            "term_no": term_no, "due_date": due, "currency_id": currency_id, "amount": amount,
            "amount_cny": amount if amount_cny is None else amount_cny}
