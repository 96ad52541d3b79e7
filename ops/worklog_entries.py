"""工作记事: what happened on a visit, with its expense. Its author may change a note until
the plan it belongs to is approved; after that only a correcting note replaces it (the
old one is kept, marked ``superseded_by``). Deleting is soft. Every change is one
transaction with its audit row and the change counter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from data.settings import Settings
from engines.base import Engine
from ops import db as ops_db
from ops import worklog_fields as f
from ops.audit import now_iso
from ops.worklog_access import Actor, actor_of, in_scope, one_in_scope, wrote
from ops.worklog_fields import WorklogError, money_text
from ops.worklog_numbers import add_master_numbers, record_code
from ops.worklog_tables import (
    EXPENSE_KINDS,
    OUTCOMES,
    PROSPECT_KINDS,
    worklog_entries,
    worklog_plans,
    worklog_settings,
)
from queries.access import Viewer
from queries.worklog_store import customer_names

PAGE = "worklog-entry"


def local_today(settings: Settings) -> date:
    """Today where the users are, or the data date a demo store is set to (a note dated
    after it is in the future)."""
    return settings.as_of or datetime.now(ZoneInfo(settings.time_zone)).date()


def expense_limit(con: Connection) -> Decimal | None:
    return con.execute(select(worklog_settings.c.expense_limit)
                       .where(worklog_settings.c.settings_id == 1)).scalar_one_or_none()


def _fields(engine: Engine, data: Mapping[str, Any]) -> dict[str, Any]:
    today = local_today(engine.settings)
    when = f.day(data, "date", "日期", default=today)
    assert when is not None
    if when > today:
        raise WorklogError("date", f"工作记事的日期 {when} 晚于今天 {today}")
    code = f.optional_text(data, "customer_code", "客户代码")
    name = f.text(data, "customer_name", "客户名称", max_len=f.SHORT_MAX)
    prospect = None
    if code:
        names = customer_names(engine, [code])
        if code not in names:
            raise WorklogError("customer_code", f"客户代码 {code} 不存在")
        name = names[code]
    elif name:
        prospect = f.choice(data, "customer_kind", "客户类别", PROSPECT_KINDS)
    cost = f.money(data, "cost", "费用金额")
    kind = f.choice(data, "kind", "费用类别", EXPENSE_KINDS)
    if cost > 0 and kind is None:
        raise WorklogError("kind", "有费用时请选择费用类别: " + " / ".join(EXPENSE_KINDS))
    outcome = f.choice(data, "outcome", "结果", OUTCOMES, default="无")
    policy_no = f.optional_text(data, "policy_no", "保单号", max_len=30)
    if outcome == "签单" and not policy_no:
        raise WorklogError("policy_no", "签单时请填写保单号")
    return {"entry_date": when, "customer_code": code, "customer_name": name,
            "prospect_kind": prospect,
            "content": f.text(data, "content", "工作内容", required=True),
            "expense_amount": cost, "expense_kind": kind if cost > 0 or kind else None,
            "receipt_no": f.optional_text(data, "receipt_no", "票据号", max_len=40),
            "outcome": outcome, "policy_no": policy_no,
            "plan_id": f.whole(data, "plan_id", "计划编号")}


def _check(con: Connection, actor: Actor, fields: dict[str, Any]) -> None:
    """The checks that read the operational store, inside the writing transaction."""
    limit = expense_limit(con)
    if limit is not None and fields["expense_amount"] > limit:
        raise WorklogError("cost", f"单笔费用 {money_text(fields['expense_amount'])} 元超过"
                                   f"上限 {money_text(limit)} 元")
    if fields["plan_id"] is not None:
        plan = con.execute(select(worklog_plans).where(
            worklog_plans.c.plan_id == fields["plan_id"])).first()
        if plan is None or plan.user_id != actor.user_id:
            raise WorklogError("plan_id", f"没有您的计划 {fields['plan_id']}")


def create_entry(engine: Engine, viewer: Viewer, data: Mapping[str, Any],
                 ip: str | None = None) -> dict[str, Any]:
    fields = _fields(engine, f.mapping(data))
    now = now_iso()
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        _check(con, actor, fields)
        entry_id = ops_db.inserted_id(con.execute(insert(worklog_entries).values(
            **fields, created_at=now, updated_at=now, **actor.author())
        ))
        wrote(con, actor, "worklog_entry_created", PAGE, _detail(entry_id, fields))
    return entry(engine, viewer, entry_id)


def _detail(entry_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {"entry_id": entry_id, "date": fields["entry_date"],
            "customer": fields["customer_code"] or fields["customer_name"],
            "cost": str(fields["expense_amount"])}


def _own_entry(con: Connection, viewer: Viewer, entry_id: int) -> Any:
    row = one_in_scope(con, worklog_entries, worklog_entries.c.entry_id, entry_id, viewer,
                       what="工作记事")
    if row.user_id != viewer.user_id:
        raise WorklogError("entry_id", "只有记事的填写人可以更改", 403)
    if row.deleted_at is not None:
        raise WorklogError("entry_id", "该记事已删除", 409)
    if row.superseded_by is not None:
        raise WorklogError("entry_id", f"该记事已被更正记事 {row.superseded_by} 取代", 409)
    return row


def _plan_approved(con: Connection, plan_id: int | None) -> bool:
    if plan_id is None:
        return False
    status = con.execute(select(worklog_plans.c.status)
                         .where(worklog_plans.c.plan_id == plan_id)).scalar_one_or_none()
    return status == "approved"


def update_entry(engine: Engine, viewer: Viewer, entry_id: int, data: Mapping[str, Any],
                 ip: str | None = None) -> dict[str, Any]:
    fields = _fields(engine, f.mapping(data))
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        row = _own_entry(con, viewer, entry_id)
        if _plan_approved(con, row.plan_id):
            raise WorklogError("entry_id", "所属计划已批准, 记事不能再修改; 请新增一条更正记事",
                               409)
        if "plan_id" not in data:  # a change that does not name the plan keeps it
            fields["plan_id"] = row.plan_id
        _check(con, actor, fields)
        con.execute(update(worklog_entries).where(worklog_entries.c.entry_id == entry_id)
                    .values(**fields, updated_at=now_iso()))
        wrote(con, actor, "worklog_entry_updated", PAGE, _detail(entry_id, fields))
    return entry(engine, viewer, entry_id)


def correct_entry(engine: Engine, viewer: Viewer, entry_id: int, data: Mapping[str, Any],
                  ip: str | None = None) -> dict[str, Any]:
    """A new note replacing ``entry_id`` whole (its amount is the amount, not a change)."""
    fields = _fields(engine, f.mapping(data))
    now = now_iso()
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        old = _own_entry(con, viewer, entry_id)
        fields["plan_id"] = old.plan_id  # a correction stays with the plan it corrects
        _check(con, actor, fields)
        new_id = ops_db.inserted_id(con.execute(insert(worklog_entries).values(
            **fields, corrects_entry_id=entry_id, created_at=now, updated_at=now,
            **actor.author())))
        con.execute(update(worklog_entries).where(worklog_entries.c.entry_id == entry_id)
                    .values(superseded_by=new_id))
        wrote(con, actor, "worklog_entry_corrected", PAGE,
              {**_detail(new_id, fields), "corrects": entry_id,
               "old_cost": str(old.expense_amount)})
    return entry(engine, viewer, new_id)


def delete_entry(engine: Engine, viewer: Viewer, entry_id: int,
                 ip: str | None = None) -> dict[str, Any]:
    with ops_db.write(engine.settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        row = _own_entry(con, viewer, entry_id)
        if _plan_approved(con, row.plan_id):
            raise WorklogError("entry_id", "所属计划已批准, 记事不能删除; 请新增一条更正记事",
                               409)
        con.execute(update(worklog_entries).where(worklog_entries.c.entry_id == entry_id)
                    .values(deleted_at=now_iso(), deleted_by=actor.user_id))
        wrote(con, actor, "worklog_entry_deleted", PAGE,
              {"entry_id": entry_id, "date": row.entry_date, "cost": str(row.expense_amount)})
    return entry(engine, viewer, entry_id)


def entry_row(row: Any, plan_status: str | None = None) -> dict[str, Any]:
    return {"entry_id": row.entry_id, "date": row.entry_date.isoformat(),
            "customer_code": row.customer_code, "customer_name": row.customer_name,
            "customer_kind": row.prospect_kind, "content": row.content,
            "cost": float(row.expense_amount), "kind": row.expense_kind,
            "receipt_no": row.receipt_no, "outcome": row.outcome, "policy_no": row.policy_no,
            "plan_id": row.plan_id, "plan_status": plan_status,
            "corrects_entry_id": row.corrects_entry_id, "superseded_by": row.superseded_by,
            "deleted_at": row.deleted_at, "user_id": row.user_id,
            "author_name": row.author_name, "dept_id": row.dept_id,
            "branch_id": row.branch_id, "created_at": row.created_at,
            "editable": row.deleted_at is None and row.superseded_by is None
            and plan_status != "approved"}


def _query(viewer: Viewer) -> Any:
    e, p = worklog_entries, worklog_plans
    return (select(e, p.c.status.label("plan_status"))
            .select_from(e.outerjoin(p, p.c.plan_id == e.c.plan_id))
            .where(in_scope(e, viewer)))


def entry(engine: Engine, viewer: Viewer, entry_id: int) -> dict[str, Any]:
    with ops_db.read(engine.settings.users_db) as con:
        row = con.execute(_query(viewer).where(worklog_entries.c.entry_id == entry_id)).first()
    if row is None:
        raise WorklogError("entry_id", f"没有这条工作记事 (编号 {entry_id})", 404)
    return _numbered(engine, [row])[0]


def _numbered(engine: Engine, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The notes with the 统一客户号 of their customer (``master_no``)."""
    out = [entry_row(r, r.plan_status) for r in rows]
    add_master_numbers(engine, out, [record_code(r.customer_code, r.customer_name,
                                                   r.prospect_kind, r.user_id) for r in rows])
    return out


def list_entries(engine: Engine, viewer: Viewer, date_from: date | None = None,
                 date_to: date | None = None, *, mine: bool = False,
                 with_removed: bool = False, limit: int = 5000) -> list[dict[str, Any]]:
    """Notes in the viewer's scope, newest first; deleted and replaced notes only when
    asked for."""
    e = worklog_entries
    query = _query(viewer)
    if mine:
        query = query.where(e.c.user_id == viewer.user_id)
    if date_from:
        query = query.where(e.c.entry_date >= date_from)
    if date_to:
        query = query.where(e.c.entry_date <= date_to)
    if not with_removed:
        query = query.where(e.c.deleted_at.is_(None), e.c.superseded_by.is_(None))
    query = query.order_by(e.c.entry_date.desc(), e.c.entry_id.desc()).limit(limit)
    with ops_db.read(engine.settings.users_db) as con:
        rows = con.execute(query).all()
    return _numbered(engine, rows)
