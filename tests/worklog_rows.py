"""Worklog rows written straight into the operational store for query tests, each write
bumping the change counter as the write side does (docs/WORKLOG.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import sqlalchemy as sa

from auth.users import list_users
from data.settings import OpsDb
from engines.base import Engine
from ops import db as ops_db
from ops import worklog_tables as wt
from queries.demo_people import find_demo_people

AT = "2026-06-01T08:00:00"


def author(user_id: int, name: str, staff_id: int | None, dept_id: int | None,
           branch_id: int | None) -> dict[str, Any]:
    return {"user_id": user_id, "author_name": name, "staff_id": staff_id,
            "dept_id": dept_id, "branch_id": branch_id}


def insert(db: OpsDb, table: sa.Table, **values: Any) -> int:
    """One row (timestamps filled in), in the transaction that bumps the counter."""
    stamps = {c: AT for c in ("created_at", "updated_at") if c in table.c and c not in values}
    with ops_db.write(db) as con:
        new = con.execute(sa.insert(table).values(**stamps, **values)).inserted_primary_key[0]
        con.execute(sa.update(wt.worklog_changes).where(wt.worklog_changes.c.counter_id == 1)
                    .values(version=wt.worklog_changes.c.version + 1))
    return int(new)


def update(db: OpsDb, table: sa.Table, key: str, value: int, **values: Any) -> None:
    with ops_db.write(db) as con:
        con.execute(sa.update(table).where(table.c[key] == value).values(**values))
        con.execute(sa.update(wt.worklog_changes).where(wt.worklog_changes.c.counter_id == 1)
                    .values(version=wt.worklog_changes.c.version + 1))


def plan(db: OpsDb, who: dict[str, Any], day: date, *, end: date | None = None,
         status: str = "approved", cost: str = "100.00", customers: tuple[str, ...] = (),
         prospect: str | None = None, purpose: str = "拜访客户") -> int:
    plan_id = insert(db, wt.worklog_plans, kind="日常工作计划" if end is None else "月计划",
                     start_date=day, end_date=end or day, purpose=purpose,
                     planned_cost=Decimal(cost), status=status,
                     reviewer_name="科长" if status in {"approved", "returned"} else None,
                     review_comment="同意" if status == "approved" else (
                         "请补充客户" if status == "returned" else None),
                     reviewed_at=AT if status in {"approved", "returned"} else None, **who)
    for code in customers:
        insert(db, wt.worklog_plan_customers, plan_id=plan_id, customer_code=code,
               customer_name="", **who)
    if prospect:
        insert(db, wt.worklog_plan_customers, plan_id=plan_id, customer_name=prospect,
               prospect_kind="集团客户", **who)
    return plan_id


# One keyword per column of a note's row: a test names just those it cares about.
def note(db: OpsDb, who: dict[str, Any], day: date, cost: str = "0", *,  # noqa: PLR0913
         customer: str | None = None, name: str = "", kind: str | None = "交通",
         receipt: str | None = None, plan_id: int | None = None, outcome: str = "无",
         content: str = "拜访") -> int:
    amount = Decimal(cost)
    return insert(db, wt.worklog_entries, entry_date=day, customer_code=customer,
                  customer_name=name, content=content, expense_amount=amount,
                  expense_kind=kind if amount > 0 else None, receipt_no=receipt,
                  outcome=outcome, plan_id=plan_id, **who)


def budget(db: OpsDb, who: dict[str, Any], year: int, amount: str) -> int:
    return insert(db, wt.worklog_budgets, year=year, amount=Decimal(amount), **who)


def sample_worklog(engine: Engine) -> None:
    """A few months of plans, notes and budgets for the demo salesperson (sales01), a
    colleague of the same department and one of another branch, on customers whose
    policies they handle: every worklog report has rows for every demo tier, and every
    anomaly rule a case."""
    demo = find_demo_people(engine)
    assert demo is not None, "the test store is a generated demo store"
    con = duckdb.connect(str(engine.settings.store_path), read_only=True)
    try:
        people = con.execute("""
            SELECT s.staff_id, s.staff_name, s.dept_id, s.branch_id,
                   list(DISTINCT p.insured_code ORDER BY p.insured_code)[1:3] AS customers
            FROM staff s JOIN policy_pnl p ON p.handler_id = s.staff_id
            WHERE s.dept_id = $dept OR s.branch_id <> $branch
            GROUP BY ALL ORDER BY s.staff_id""",
            {"dept": demo.dept_id, "branch": demo.branch_id}).fetchall()
    finally:
        con.close()
    first = next(p for p in people if p[0] == demo.sales_staff_id)
    same_dept = next(p for p in people if p[2] == first[2] and p[0] != first[0])
    other = next(p for p in people if p[3] != first[3])
    db = engine.settings.users_db
    start = date(2026, 3, 2)
    for n, (staff_id, name, dept_id, branch_id, customers) in enumerate(
            (first, same_dept, other), start=1):
        user = next((u for u in list_users(db) if u.staff_id == staff_id and not u.is_template),
                    None)  # a demo user's own rows, else a user without account
        who = author(user.user_id if user else 1000 + n, name, staff_id, dept_id, branch_id)
        if user is None:  # a demo user has the budget of their demo year
            budget(db, who, 2026, "1200.00" if n == 1 else "50000.00")
        for week in range(8):
            day = start + timedelta(days=7 * week + n)
            code = customers[week % len(customers)]
            status = ("approved", "submitted", "returned", "draft")[week % 4]
            plan_id = plan(db, who, day, status=status, customers=(code,),
                           prospect="某集团" if week == 0 else None)
            note(db, who, day, f"{60 + 10 * week + n}.50", customer=code,
                 kind=("交通", "招待", "礼品", "资料")[week % 4], receipt=f"R{n}-{week}",
                 plan_id=plan_id, outcome="签单" if week == 3 else "报价")
        note(db, who, start + timedelta(days=60), "0", name="某集团", kind=None)
        # The anomalies: no customer; a receipt used twice; a day without plan; a
        # cost far above the department's median.
        note(db, who, start + timedelta(days=61), "35.00", receipt=f"R{n}-X")
        note(db, who, start + timedelta(days=62), "40.00", customer=customers[0],
             receipt=f"R{n}-X")
        if n == 1:
            note(db, who, start + timedelta(days=63), "2400.00", customer=customers[0],
                 kind="招待", receipt="R1-BIG")
