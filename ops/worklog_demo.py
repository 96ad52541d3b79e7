"""A year of plausible work log for the demo staff: budgets, monthly and daily plans with
the customers they handle, notes with expenses, approval steps (most approved, some
returned, this fortnight's waiting for their 科长), form movements and problems — and the
few oddities the anomalies report is for (a note without customer, a receipt used twice,
an expense on a day without plan, one far above the rest).

Written once, into an empty work log, in one transaction; deterministic per staff.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from engines.base import Engine
from ops import db as ops_db
from ops.worklog_access import reviewer_for
from ops.worklog_tables import (
    worklog_approvals,
    worklog_budgets,
    worklog_changes,
    worklog_entries,
    worklog_form_issues,
    worklog_plan_customers,
    worklog_plans,
    worklog_problem_replies,
    worklog_problems,
)
from queries.access import DataScope
from queries.worklog_store import customer_choices

if TYPE_CHECKING:
    from auth.users import UserRecord

PURPOSES = ("拜访续保客户, 确认续保意向", "送达保单并讲解条款", "新客户需求调研",
            "协助客户理赔资料准备", "车队客户年度续保洽谈", "企业财产险风险查勘",
            "代理网点业务培训", "集团客户方案汇报")
CONTENTS = ("面谈续保事宜, 客户同意下周报价", "送达保单及发票, 讲解免责条款",
            "了解车队规模与出险情况", "陪同查勘, 收集理赔资料", "介绍新产品, 客户表示考虑",
            "报价后客户比价, 需再跟进", "签订续保合同", "电话回访满意度")
KINDS = (("交通", 20, 180), ("招待", 150, 900), ("礼品", 80, 500), ("资料", 10, 120))
PROSPECTS = (("间接客户", "王先生(朋友介绍)"), ("代理客户", "顺达汽车服务部"),
             ("集团客户", "华南物流集团"))
RETURN_COMMENTS = ("费用偏高, 请说明招待对象", "请补充客户名单", "拜访目的写具体些")
APPROVE_COMMENTS = ("同意", "同意, 注意控制费用", "")


def _at(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00"


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 10, high * 10)) / 10


class _Writer:
    """One staff member's year, gathered as rows and written in a few bulk inserts (the
    rows that point at a plan, note or problem carry its place in the list until then)."""

    def __init__(self, con: Connection, user: UserRecord, customers: list[tuple[str, str]],
                 today: date) -> None:
        self.con, self.user, self.today = con, user, today
        self.customers = customers or [("", "")]
        self.rng = random.Random(user.staff_id or user.user_id)
        self.author = {"user_id": user.user_id, "author_name": user.display_name,
                       "staff_id": user.staff_id, "dept_id": user.dept_id,
                       "branch_id": user.branch_id}
        self.reviewer = reviewer_for(con, user.role, user.user_id, user.dept_id,
                                     user.branch_id)
        self.rows: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("plans", "customers", "approvals", "entries", "forms")}
        self.corrections: list[tuple[int, int]] = []  # (old note, new note) places

    def _status(self, day: date) -> str:
        r = self.rng.random()
        if day > self.today:
            return "draft" if r < 0.4 else "submitted"
        if day >= self.today - timedelta(days=14):
            return ("draft", "submitted", "returned", "approved")[
                0 if r < 0.15 else 1 if r < 0.65 else 2 if r < 0.8 else 3]
        return "resubmitted" if r < 0.07 else "approved"  # returned once, then approved

    def plan(self, kind: str, start: date, end: date, purpose: str, cost: Decimal) -> int:
        status = self._status(start if kind == "日常工作计划" else end)
        to_id, to_name = self.reviewer
        if status == "resubmitted":
            status = "approved"
            earlier = start - timedelta(days=2)
            for step, by, name, comment in (
                    ("submit", self.user.user_id, self.user.display_name, ""),
                    ("return", to_id, to_name, self.rng.choice(RETURN_COMMENTS))):
                self.rows["approvals"].append({
                    "plan_id": len(self.rows["plans"]), "step": step, "by_user_id": by,
                    "by_name": name, "to_user_id": to_id if step == "submit" else None,
                    "comment": comment, "at": _at(earlier, 9 if step == "submit" else 15),
                    **self.author})
        submitted = start - timedelta(days=1) if status != "draft" else None
        decided = status in ("approved", "returned")
        comment = self.rng.choice(RETURN_COMMENTS if status == "returned" else APPROVE_COMMENTS)
        place = len(self.rows["plans"])
        self.rows["plans"].append({
            "kind": kind, "start_date": start, "end_date": end, "purpose": purpose,
            "planned_cost": cost, "status": status,
            "reviewer_user_id": to_id if submitted else None,
            "reviewer_name": to_name if submitted else None,
            "review_comment": comment if decided else None,
            "submitted_at": _at(submitted, 18) if submitted else None,
            "reviewed_at": _at(start, 8) if decided else None,
            "created_at": _at(start - timedelta(days=2), 17), "updated_at": _at(start, 8),
            **self.author})
        if submitted:
            self.rows["approvals"].append({
                "plan_id": place, "step": "submit", "by_user_id": self.user.user_id,
                "by_name": self.user.display_name, "to_user_id": to_id, "comment": "",
                "at": _at(submitted, 18), **self.author})
        if decided:
            self.rows["approvals"].append({
                "plan_id": place, "step": "approve" if status == "approved" else "return",
                "by_user_id": to_id, "by_name": to_name, "to_user_id": None,
                "comment": comment, "at": _at(start, 8), **self.author})
        return place

    def daily(self, day: date) -> None:
        visits = self.rng.sample(self.customers, k=min(len(self.customers),
                                                       self.rng.choice((1, 1, 2))))
        prospect = PROSPECTS[self.rng.randrange(3)] if self.rng.random() < 0.15 else None
        cost = _money(self.rng, 50, 600)
        place = self.plan("日常工作计划", day, day, self.rng.choice(PURPOSES), cost)
        for code, name in visits:
            if code:
                self.rows["customers"].append({
                    "plan_id": place, "customer_code": code, "customer_name": name,
                    "prospect_kind": None, "prospect_phone": None, **self.author})
        if prospect:
            self.rows["customers"].append({
                "plan_id": place, "customer_code": None, "customer_name": prospect[1],
                "prospect_kind": prospect[0],
                "prospect_phone": "1380013" + f"{self.rng.randrange(10000):04d}",
                **self.author})
        if day <= self.today:
            for code, name in visits:
                self.note(day, code, name, place)
            if prospect:
                self.note(day, None, prospect[1], place, prospect=prospect[0])

    def note(self, day: date, code: str | None, name: str, plan: int | None, *,
             prospect: str | None = None, cost: Decimal | None = None,
             receipt: str | None = None) -> int:
        kind, low, high = KINDS[self.rng.randrange(len(KINDS))]
        amount = cost if cost is not None else _money(self.rng, low, high)
        place = len(self.rows["entries"])
        outcome = self.rng.choice(("无", "无", "报价", "签单")) if code else "无"
        self.rows["entries"].append({
            "entry_date": day, "customer_code": code or None, "customer_name": name,
            "prospect_kind": prospect, "content": self.rng.choice(CONTENTS),
            "expense_amount": amount, "expense_kind": kind, "outcome": outcome,
            "receipt_no": receipt or f"FP{self.user.user_id:03d}{place:05d}",
            "policy_no": f"PDAA{day.year}{self.user.user_id:03d}{place:05d}"
            if outcome == "签单" else None,
            "plan_id": plan, "created_at": _at(day, 20), "updated_at": _at(day, 20),
            **self.author})
        return place

    def year(self) -> None:
        start = self.today - timedelta(days=364)
        for year in sorted({start.year, self.today.year}):
            self.con.execute(insert(worklog_budgets).values(
                year=year, amount=Decimal(self.rng.randrange(40, 66) * 1000),
                created_at=_at(date(year, 1, 5)), updated_at=_at(date(year, 1, 5)),
                **self.author))
        month = date(start.year, start.month, 1)
        while month <= self.today:
            end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            self.plan("月计划", month, end, f"{month.month}月展业计划: 续保回访与新客户拓展",
                      Decimal(self.rng.randrange(20, 45) * 100))
            month = end + timedelta(days=1)
        day = start
        while day <= self.today + timedelta(days=7):
            if day.weekday() < 5 and self.rng.random() < 0.4:
                self.daily(day)
            day += timedelta(days=1)
        self.oddities()
        self.forms(start)
        self.write()
        self.problems()

    def oddities(self) -> None:
        code, name = self.customers[0]
        recent = self.today - timedelta(days=20)
        self.note(recent, None, "", None)  # no customer, no plan
        first = self.note(recent - timedelta(days=3), code or None, name, None)
        self.note(recent - timedelta(days=2), code or None, name, None,
                  receipt=self.rows["entries"][first]["receipt_no"])
        self.note(recent - timedelta(days=9), code or None, name, None,
                  cost=Decimal("4800.00"))
        # A note of an approved plan, corrected afterwards by a new note.
        old = next((i for i in range(len(self.rows["entries"]) - 1, -1, -1)
                    if (p := self.rows["entries"][i]["plan_id"]) is not None
                    and self.rows["plans"][p]["status"] == "approved"), None)
        if old is not None:
            new = self.note(self.today - timedelta(days=30), code or None, name,
                            self.rows["entries"][old]["plan_id"])
            self.corrections.append((old, new))

    def forms(self, start: date) -> None:
        serial = 100000 + self.user.user_id * 1000
        for quarter in range(4):
            day = start + timedelta(days=quarter * 91 + 3)
            moves = [("领用", 50), ("使用", self.rng.randrange(30, 45)), ("作废", 1)]
            if quarter == 3:
                moves.append(("归还", 2))
            for i, (action, count) in enumerate(moves):
                self.rows["forms"].append({
                    "action_date": day + timedelta(days=i * 20), "form_type": "机动车保险单",
                    "action": action, "serial_from": str(serial),
                    "serial_to": str(serial + count - 1), "form_count": count,
                    "recorded_by": self.user.user_id,
                    "created_at": _at(day + timedelta(days=i * 20)), **self.author})
                serial += count if action == "领用" else 0

    def _ids(self, table: Any, key: Any, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        found = self.con.execute(insert(table).returning(key, sort_by_parameter_order=True),
                                 rows)
        return [int(r[0]) for r in found]

    def write(self) -> None:
        plan_ids = self._ids(worklog_plans, worklog_plans.c.plan_id, self.rows["plans"])
        for kind in ("customers", "approvals", "entries"):
            for row in self.rows[kind]:
                if row["plan_id"] is not None:
                    row["plan_id"] = plan_ids[row["plan_id"]]
        for table, rows in ((worklog_plan_customers, self.rows["customers"]),
                            (worklog_approvals, self.rows["approvals"]),
                            (worklog_form_issues, self.rows["forms"])):
            if rows:
                self.con.execute(insert(table), rows)
        entry_ids = self._ids(worklog_entries, worklog_entries.c.entry_id,
                              self.rows["entries"])
        e = worklog_entries
        for old, new in self.corrections:
            self.con.execute(update(e).where(e.c.entry_id == entry_ids[new])
                             .values(corrects_entry_id=entry_ids[old]))
            self.con.execute(update(e).where(e.c.entry_id == entry_ids[old])
                             .values(superseded_by=entry_ids[new]))

    def problems(self) -> None:
        to_id, to_name = self.reviewer
        for i, (title, status) in enumerate((("客户保单打印错字, 需批改", "已解决"),
                                             ("车队客户要求月结保费", "待处理"))):
            day = self.today - timedelta(days=40 - i * 30)
            problem_id = ops_db.inserted_id(self.con.execute(insert(worklog_problems).values(
                title=title, body="详见客户来电记录", assignee_user_id=to_id,
                assignee_name=to_name, status=status, created_at=_at(day),
                updated_at=_at(day + timedelta(days=2)),
                resolved_at=_at(day + timedelta(days=2)) if status == "已解决" else None,
                **self.author)))
            if status == "已解决":
                self.con.execute(insert(worklog_problem_replies).values(
                    problem_id=problem_id, by_user_id=to_id, by_name=to_name,
                    body="已提交批改, 新保单明天送达", status_after="已解决",
                    at=_at(day + timedelta(days=2)), **self.author))


def seed_worklog(engine: Engine, staff: list[UserRecord]) -> bool:
    """Write the demo year for ``staff`` when the work log is still empty; True if it did."""
    customers = {u.user_id: customer_choices(
        engine, DataScope("self", u.branch_id, u.dept_id, u.staff_id), limit=40)
        for u in staff}
    with ops_db.write(engine.settings.users_db) as con:
        if con.execute(select(func.count()).select_from(worklog_plans)).scalar_one():
            return False
        for user in staff:
            _Writer(con, user, customers[user.user_id], engine.settings.today).year()
        con.execute(update(worklog_changes).where(worklog_changes.c.counter_id == 1)
                    .values(version=worklog_changes.c.version + 1))
    return True

