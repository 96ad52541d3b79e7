"""计划日志与录入 and 报备计划管理: monthly and daily plans with their customers, submitted
up the organisation, approved or returned with a comment. Each call is one transaction
(the rows, the change counter and the audit row, or nothing)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from engines.base import Engine
from ops import db as ops_db
from ops import worklog_fields as f
from ops.audit import now_iso
from ops.worklog_access import (
    BRANCH_MANAGER,
    GENERAL_MANAGER,
    actor_of,
    in_scope,
    may_review,
    one_in_scope,
    reviewer_for,
    wrote,
)
from ops.worklog_fields import WorklogError
from ops.worklog_numbers import add_master_numbers, record_code
from ops.worklog_tables import (
    PLAN_KINDS,
    PROSPECT_KINDS,
    worklog_approvals,
    worklog_plan_customers,
    worklog_plans,
)
from queries.access import Viewer
from queries.worklog_store import customer_names

PAGE = "worklog-plans"
REVIEW_PAGE = "worklog-review"
STATUS_LABELS = {"draft": "草稿", "submitted": "待审批", "approved": "已批准",
                 "returned": "已退回"}
STEP_LABELS = {"submit": "报备", "approve": "批准", "return": "退回"}
MAX_CUSTOMERS = 50
EDITABLE = ("draft", "returned")
ID_NO = re.compile(r"[0-9A-Z]{5,30}")


def _id_no(entry: Mapping[str, Any], where: str) -> str | None:
    """A prospect's 证件号 (身份证, 统一社会信用代码 …), digits and letters only."""
    raw = entry.get("id_no")
    if raw is None or raw == "":
        return None
    value = re.sub(r"[\s-]", "", str(raw)).upper()
    if not ID_NO.fullmatch(value):
        raise WorklogError(f"{where}.id_no", "证件号应为 5–30 位数字或字母 (身份证 18 位, "
                                             "统一社会信用代码 18 位)")
    return value


def _customers(engine: Engine, raw: Any) -> list[dict[str, Any]]:
    """The plan's customers, each a store customer (by code) or a prospect."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise WorklogError("customers", "客户应为列表")
    if len(raw) > MAX_CUSTOMERS:
        raise WorklogError("customers", f"一个计划最多 {MAX_CUSTOMERS} 位客户")
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        where = f"customers[{i}]"
        entry = f.mapping(item, where)
        code = f.optional_text(entry, "customer_code", "客户代码")
        if code:
            out.append({"customer_code": code, "customer_name": "", "prospect_kind": None,
                        "prospect_phone": None, "prospect_id_no": None,
                        "_field": f"{where}.customer_code"})
            continue
        name = f.text(entry, "customer_name", "客户名称", max_len=f.SHORT_MAX)
        if not name:
            raise WorklogError(f"{where}.customer_code", "请选择客户, 或填写新客户的名称")
        kind = f.choice(entry, "customer_kind", "客户类别", PROSPECT_KINDS)
        if kind is None:
            raise WorklogError(f"{where}.customer_kind",
                               "新客户请选择类别: 间接客户 / 代理客户 / 集团客户")
        phone = f.optional_text(entry, "phone", "联系电话", max_len=20)
        out.append({"customer_code": None, "customer_name": name, "prospect_kind": kind,
                    "prospect_phone": phone, "prospect_id_no": _id_no(entry, where),
                    "_field": f"{where}.customer_name"})
    codes = [c["customer_code"] for c in out if c["customer_code"]]
    names = customer_names(engine, codes)
    for c in out:
        if c["customer_code"] and c["customer_code"] not in names:
            raise WorklogError(c["_field"], f"客户代码 {c['customer_code']} 不存在")
        if c["customer_code"]:
            c["customer_name"] = names[c["customer_code"]]
    return out


def _fields(engine: Engine, data: Mapping[str, Any]) -> dict[str, Any]:
    kind = f.choice(data, "kind", "计划类别", PLAN_KINDS, default="日常工作计划")
    single = f.day(data, "date", "日期", required=False)
    start = f.day(data, "start_date", "开始日期", required=single is None, default=single)
    end = f.day(data, "end_date", "结束日期", required=False, default=single or start)
    assert start is not None and end is not None
    if end < start:
        raise WorklogError("end_date", f"结束日期 {end} 早于开始日期 {start}")
    if (end - start).days > 366:
        raise WorklogError("end_date", "计划期间最长一年")
    return {"kind": kind, "start_date": start, "end_date": end,
            "purpose": f.text(data, "purpose", "计划目的", required=True),
            "planned_cost": f.money(data, "planned_cost", "计划费用"),
            "customers": _customers(engine, data.get("customers"))}


def _write_customers(con: Connection, plan_id: int, author: dict[str, Any],
                     customers: list[dict[str, Any]]) -> None:
    con.execute(delete(worklog_plan_customers)
                .where(worklog_plan_customers.c.plan_id == plan_id))
    for c in customers:
        con.execute(insert(worklog_plan_customers).values(
            plan_id=plan_id, **{k: v for k, v in c.items() if not k.startswith("_")},
            **author))


def create_plan(engine: Engine, viewer: Viewer, data: Mapping[str, Any],
                ip: str | None = None) -> dict[str, Any]:
    fields = _fields(engine, f.mapping(data))
    customers = fields.pop("customers")
    now = now_iso()
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        author = actor.author()
        plan_id = ops_db.inserted_id(con.execute(insert(worklog_plans).values(
            **fields, status="draft", created_at=now, updated_at=now, **author)
        ))
        _write_customers(con, plan_id, author, customers)
        wrote(con, actor, "worklog_plan_created", PAGE,
              {"plan_id": plan_id, "kind": fields["kind"], "start": fields["start_date"]})
        if data.get("submit"):
            _submit(con, actor, plan_id, str(data.get("comment") or ""))
    return plan(engine, viewer, plan_id)


def update_plan(engine: Engine, viewer: Viewer, plan_id: int, data: Mapping[str, Any],
                ip: str | None = None) -> dict[str, Any]:
    fields = _fields(engine, f.mapping(data))
    customers = fields.pop("customers")
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        row = _own_plan(con, viewer, plan_id)
        if row.status not in EDITABLE:
            raise WorklogError("plan_id", f"计划{STATUS_LABELS[row.status]}, 不能修改", 409)
        con.execute(update(worklog_plans).where(worklog_plans.c.plan_id == plan_id)
                    .values(**fields, updated_at=now_iso()))
        _write_customers(con, plan_id, actor.author(), customers)
        wrote(con, actor, "worklog_plan_updated", PAGE, {"plan_id": plan_id})
    return plan(engine, viewer, plan_id)


def _own_plan(con: Connection, viewer: Viewer, plan_id: int) -> Any:
    row = one_in_scope(con, worklog_plans, worklog_plans.c.plan_id, plan_id, viewer, what="计划")
    if row.user_id != viewer.user_id:
        raise WorklogError("plan_id", "只有计划的填写人可以修改或报备", 403)
    return row


def _submit(con: Connection, actor: Any, plan_id: int, comment: str) -> None:
    row = _own_plan(con, actor.viewer, plan_id)
    if row.status not in EDITABLE:
        raise WorklogError("plan_id", f"计划{STATUS_LABELS[row.status]}, 不能再报备", 409)
    to_id, to_name = reviewer_for(con, actor.role, actor.user_id, row.dept_id, row.branch_id)
    now = now_iso()
    con.execute(update(worklog_plans).where(worklog_plans.c.plan_id == plan_id).values(
        status="submitted", reviewer_user_id=to_id, reviewer_name=to_name,
        submitted_at=now, updated_at=now))
    con.execute(insert(worklog_approvals).values(
        plan_id=plan_id, step="submit", by_user_id=actor.user_id,
        by_name=actor.viewer.display_name, to_user_id=to_id, comment=comment[:f.TEXT_MAX],
        at=now, **_plan_author(row)))
    wrote(con, actor, "worklog_plan_submitted", PAGE, {"plan_id": plan_id, "to": to_name})


def _plan_author(row: Any) -> dict[str, Any]:
    return {"user_id": row.user_id, "author_name": row.author_name, "staff_id": row.staff_id,
            "dept_id": row.dept_id, "branch_id": row.branch_id}


def submit_plan(engine: Engine, viewer: Viewer, plan_id: int, data: Mapping[str, Any],
                ip: str | None = None) -> dict[str, Any]:
    comment = f.text(f.mapping(data), "comment", "说明")
    with ops_db.write(engine.settings.users_db) as con:
        _submit(con, actor_of(con, viewer, ip), plan_id, comment)
    return plan(engine, viewer, plan_id)


def review_plan(engine: Engine, viewer: Viewer, plan_id: int, data: Mapping[str, Any],
                ip: str | None = None) -> dict[str, Any]:
    data = f.mapping(data)
    decision = f.choice(data, "decision", "审批结论", ("approve", "return"))
    if decision is None:
        raise WorklogError("decision", "请选择审批结论: approve (批准) 或 return (退回)")
    comment = f.text(data, "comment", "审批意见", required=decision == "return")
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        row = one_in_scope(con, worklog_plans, worklog_plans.c.plan_id, plan_id, viewer,
                           what="计划")
        if not may_review(actor, row):
            raise WorklogError("plan_id", "您不是该计划的审批人", 403)
        if row.status != "submitted":
            raise WorklogError("plan_id", f"计划{STATUS_LABELS[row.status]}, 不在待审批中",
                               409)
        now = now_iso()
        status = "approved" if decision == "approve" else "returned"
        con.execute(update(worklog_plans).where(worklog_plans.c.plan_id == plan_id).values(
            status=status, reviewer_user_id=actor.user_id,
            reviewer_name=viewer.display_name, review_comment=comment, reviewed_at=now,
            updated_at=now))
        con.execute(insert(worklog_approvals).values(
            plan_id=plan_id, step=decision, by_user_id=actor.user_id,
            by_name=viewer.display_name, comment=comment, at=now, **_plan_author(row)))
        wrote(con, actor, f"worklog_plan_{status}", REVIEW_PAGE,
              {"plan_id": plan_id, "author": row.author_name, "comment": comment})
    return plan(engine, viewer, plan_id)


def plan_row(row: Any) -> dict[str, Any]:
    return {"plan_id": row.plan_id, "kind": row.kind, "start_date": row.start_date.isoformat(),
            "end_date": row.end_date.isoformat(), "purpose": row.purpose,
            "planned_cost": float(row.planned_cost), "status": row.status,
            "status_label": STATUS_LABELS[row.status], "reviewer_name": row.reviewer_name,
            "review_comment": row.review_comment, "submitted_at": row.submitted_at,
            "reviewed_at": row.reviewed_at, "user_id": row.user_id,
            "author_name": row.author_name, "dept_id": row.dept_id,
            "branch_id": row.branch_id, "created_at": row.created_at}


def _customers_of(con: Connection, plan_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in plan_ids}
    if plan_ids:
        t = worklog_plan_customers
        for r in con.execute(select(t).where(t.c.plan_id.in_(plan_ids))
                             .order_by(t.c.plan_customer_id)):
            out[r.plan_id].append({
                "customer_code": r.customer_code, "customer_name": r.customer_name,
                "customer_kind": r.prospect_kind, "phone": r.prospect_phone,
                "id_no": r.prospect_id_no,
                "record_code": record_code(r.customer_code, r.customer_name, r.prospect_kind,
                                           r.user_id)})
    return out


def _numbered(engine: Engine, by_plan: dict[int, list[dict[str, Any]]]
              ) -> dict[int, list[dict[str, Any]]]:
    """Each customer with its 统一客户号 (``master_no``): a prospect has one once the
    load after it was entered has resolved it; None until then."""
    flat = [c for cs in by_plan.values() for c in cs]
    add_master_numbers(engine, flat, [c.pop("record_code") for c in flat])
    return by_plan


def plan(engine: Engine, viewer: Viewer, plan_id: int) -> dict[str, Any]:
    """One plan in the viewer's scope, with its customers and every approval step."""
    with ops_db.read(engine.settings.users_db) as con:
        row = one_in_scope(con, worklog_plans, worklog_plans.c.plan_id, plan_id, viewer,
                           what="计划")
        t = worklog_approvals
        steps = [{"step": s.step, "step_label": STEP_LABELS[s.step], "by_name": s.by_name,
                  "comment": s.comment, "at": s.at}
                 for s in con.execute(select(t).where(t.c.plan_id == plan_id)
                                      .order_by(t.c.approval_id))]
        customers = _customers_of(con, [plan_id])
    return {**plan_row(row), "customers": _numbered(engine, customers)[plan_id],
            "history": steps}


def list_plans(engine: Engine, viewer: Viewer, date_from: date | None = None,
               date_to: date | None = None, status: str | None = None, *,
               mine: bool = False, limit: int = 2000) -> list[dict[str, Any]]:
    """Plans in the viewer's scope whose period meets [from, to], newest first."""
    t = worklog_plans
    query = select(t).where(in_scope(t, viewer))
    if mine:
        query = query.where(t.c.user_id == viewer.user_id)
    if date_from:
        query = query.where(t.c.end_date >= date_from)
    if date_to:
        query = query.where(t.c.start_date <= date_to)
    if status:
        query = query.where(t.c.status == status)
    query = query.order_by(t.c.start_date.desc(), t.c.plan_id.desc()).limit(limit)
    with ops_db.read(engine.settings.users_db) as con:
        rows = con.execute(query).all()
        customers = _numbered(engine, _customers_of(con, [r.plan_id for r in rows]))
    return [{**plan_row(r), "customers": customers[r.plan_id]} for r in rows]


def review_queue(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """Plans waiting for this user's decision: those submitted to them, and for a
    支公司经理 / 总经理 also those of their branch / the company waiting elsewhere."""
    t = worklog_plans
    with ops_db.read(engine.settings.users_db) as con:
        actor = actor_of(con, viewer)
        mine = t.c.reviewer_user_id == viewer.user_id
        if actor.role == GENERAL_MANAGER:
            wider: Any = t.c.plan_id.is_not(None)
        elif actor.role == BRANCH_MANAGER:
            wider = t.c.branch_id == viewer.scope.branch_id
        else:
            wider = mine
        rows = con.execute(select(t).where(t.c.status == "submitted", or_(mine, wider),
                                           t.c.user_id != viewer.user_id)
                           .order_by((t.c.reviewer_user_id == viewer.user_id).desc(),
                                     t.c.submitted_at, t.c.plan_id).limit(500)).all()
        customers = _numbered(engine, _customers_of(con, [r.plan_id for r in rows]))
    return [{**plan_row(r), "customers": customers[r.plan_id],
             "assigned_to_me": r.reviewer_user_id == viewer.user_id} for r in rows]
