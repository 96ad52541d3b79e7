"""The year's expense budget, 日常事务管理 (单证领用日志, 待解决问题) and the administrator's
per-note expense limit. Each write is one transaction with its audit row and the change
counter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, insert, or_, select, update

from data.settings import Settings
from ops import db as ops_db
from ops import worklog_fields as f
from ops.audit import now_iso
from ops.tables import users
from ops.worklog_access import actor_of, in_scope, row_in_scope, wrote
from ops.worklog_entries import local_today
from ops.worklog_fields import WorklogError, money_text
from ops.worklog_tables import (
    FORM_ACTIONS,
    PROBLEM_STATUSES,
    worklog_budgets,
    worklog_form_issues,
    worklog_problem_replies,
    worklog_problems,
    worklog_settings,
)
from queries.access import Viewer

BUDGET_PAGE, FORMS_PAGE, PROBLEMS_PAGE = "worklog-plans", "worklog-forms", "worklog-problems"
SETTINGS_PAGE = "admin-worklog"
OUT_ACTIONS = ("使用", "作废", "归还")  # what lowers a holder's balance
MAX_FORMS = 100_000


# ---- 年费用预算 -------------------------------------------------------------------------

def set_budget(settings: Settings, viewer: Viewer, data: Mapping[str, Any],
               ip: str | None = None) -> dict[str, Any]:
    data = f.mapping(data)
    today = local_today(settings)
    year = f.whole(data, "year", "年度", minimum=2000) or today.year
    if year > today.year + 1:
        raise WorklogError("year", f"只能填写今年或明年的预算 (收到 {year})")
    if data.get("amount") in (None, ""):
        raise WorklogError("amount", "请填写年费用预算")
    amount = f.money(data, "amount", "年费用预算")
    now = now_iso()
    b = worklog_budgets
    with ops_db.write(settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        found = con.execute(update(b).where(b.c.user_id == viewer.user_id, b.c.year == year)
                            .values(amount=amount, updated_at=now))
        if found.rowcount == 0:
            con.execute(insert(b).values(year=year, amount=amount, created_at=now,
                                         updated_at=now, **actor.author()))
        wrote(con, actor, "worklog_budget_set", BUDGET_PAGE,
              {"year": year, "amount": str(amount)})
    return next(r for r in list_budgets(settings, viewer, year) if r["user_id"] == viewer.user_id)


def list_budgets(settings: Settings, viewer: Viewer, year: int | None = None
                 ) -> list[dict[str, Any]]:
    b = worklog_budgets
    query = select(b).where(in_scope(b, viewer)).order_by(b.c.year.desc(), b.c.author_name)
    if year:
        query = query.where(b.c.year == year)
    with ops_db.read(settings.users_db) as con:
        return [{"budget_id": r.budget_id, "year": r.year, "amount": float(r.amount),
                 "user_id": r.user_id, "author_name": r.author_name, "dept_id": r.dept_id,
                 "branch_id": r.branch_id, "updated_at": r.updated_at}
                for r in con.execute(query)]


# ---- 单证领用日志 -----------------------------------------------------------------------

def _balance(con: Connection, user_id: int, form_type: str) -> int:
    t = worklog_form_issues
    signed = case((t.c.action == "领用", t.c.form_count), else_=-t.c.form_count)
    return int(con.execute(select(func.coalesce(func.sum(signed), 0)).where(
        t.c.user_id == user_id, t.c.form_type == form_type)).scalar_one())


def record_forms(settings: Settings, viewer: Viewer, data: Mapping[str, Any],
                 ip: str | None = None) -> dict[str, Any]:
    """One movement of the user's own blank forms; using, voiding or returning more than
    they hold is refused."""
    data = f.mapping(data)
    today = local_today(settings)
    when = f.day(data, "date", "日期", default=today)
    assert when is not None
    if when > today:
        raise WorklogError("date", f"日期 {when} 晚于今天 {today}")
    form_type = f.text(data, "form_type", "单证类型", required=True, max_len=f.SHORT_MAX)
    action = f.choice(data, "action", "操作", FORM_ACTIONS)
    if action is None:
        raise WorklogError("action", "请选择操作: " + " / ".join(FORM_ACTIONS))
    first = f.text(data, "serial_from", "起始号", max_len=30)
    last = f.text(data, "serial_to", "终止号", max_len=30)
    count = f.whole(data, "count", "份数")
    if first.isdigit() and last.isdigit() and len(first) == len(last):
        span = int(last) - int(first) + 1
        if span < 1:
            raise WorklogError("serial_to", f"终止号 {last} 小于起始号 {first}")
        if count is not None and count != span:
            raise WorklogError("count", f"份数 {count} 与号段 {first}–{last} 的 {span} 份不符")
        count = span
    if count is None:
        raise WorklogError("count", "请填写份数, 或填写起止号")
    if count > MAX_FORMS:
        raise WorklogError("count", f"一次最多 {MAX_FORMS} 份")
    with ops_db.write(settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        held = _balance(con, viewer.user_id, form_type)
        if action in OUT_ACTIONS and count > held:
            raise WorklogError("count", f"{action} {count} 份超过持有的 {held} 份 {form_type}")
        form_id = ops_db.inserted_id(con.execute(insert(worklog_form_issues).values(
            action_date=when, form_type=form_type, action=action, serial_from=first,
            serial_to=last, form_count=count, note=f.text(data, "note", "备注"),
            recorded_by=viewer.user_id, created_at=now_iso(), **actor.author())
        ))
        wrote(con, actor, "worklog_forms", FORMS_PAGE,
              {"form_issue_id": form_id, "form_type": form_type, "action": action,
               "count": count})
    return {"form_issue_id": form_id, "balance": held + (count if action == "领用" else -count)}


def list_forms(settings: Settings, viewer: Viewer, date_from: date | None = None,
               date_to: date | None = None) -> list[dict[str, Any]]:
    t = worklog_form_issues
    query = select(t).where(in_scope(t, viewer))
    if date_from:
        query = query.where(t.c.action_date >= date_from)
    if date_to:
        query = query.where(t.c.action_date <= date_to)
    query = query.order_by(t.c.action_date.desc(), t.c.form_issue_id.desc()).limit(5000)
    with ops_db.read(settings.users_db) as con:
        return [{"form_issue_id": r.form_issue_id, "date": r.action_date.isoformat(),
                 "form_type": r.form_type, "action": r.action, "serial_from": r.serial_from,
                 "serial_to": r.serial_to, "count": r.form_count, "note": r.note,
                 "user_id": r.user_id, "author_name": r.author_name, "dept_id": r.dept_id}
                for r in con.execute(query)]


def form_balances(settings: Settings, viewer: Viewer) -> list[dict[str, Any]]:
    """Per holder and form type in the viewer's scope: issued, used, voided, returned,
    and what they still hold."""
    t = worklog_form_issues

    def total(action: str) -> Any:
        return func.sum(case((t.c.action == action, t.c.form_count), else_=0))

    query = (select(t.c.user_id, t.c.author_name, t.c.form_type,
                    *(total(a).label(a) for a in FORM_ACTIONS))
             .where(in_scope(t, viewer))
             .group_by(t.c.user_id, t.c.author_name, t.c.form_type)
             .order_by(t.c.author_name, t.c.form_type))
    with ops_db.read(settings.users_db) as con:
        rows = con.execute(query).all()
    out = []
    for r in rows:
        moved = {a: int(getattr(r, a) or 0) for a in FORM_ACTIONS}
        out.append({"user_id": r.user_id, "author_name": r.author_name,
                    "form_type": r.form_type, **moved,
                    "balance": moved["领用"] - sum(moved[a] for a in OUT_ACTIONS)})
    return out


# ---- 待解决问题 -------------------------------------------------------------------------

def assignees(settings: Settings, viewer: Viewer) -> list[tuple[int, str]]:
    """Who a problem may go to: the enabled users of the viewer's branch (everyone for a
    user without one), the viewer left out."""
    query = select(users.c.user_id, users.c.display_name, users.c.role).where(
        users.c.enabled == 1, users.c.is_template == 0, users.c.user_id != viewer.user_id)
    if viewer.scope.branch_id is not None:
        query = query.where(or_(users.c.branch_id == viewer.scope.branch_id,
                                users.c.branch_id.is_(None)))
    with ops_db.read(settings.users_db) as con:
        return [(r.user_id, f"{r.display_name} ({r.role})" if r.role else r.display_name)
                for r in con.execute(query.order_by(users.c.user_id))]


def raise_problem(settings: Settings, viewer: Viewer, data: Mapping[str, Any],
                  ip: str | None = None) -> dict[str, Any]:
    data = f.mapping(data)
    title = f.text(data, "title", "问题标题", required=True, max_len=100)
    body = f.text(data, "body", "问题描述")
    assignee = f.whole(data, "assignee_user_id", "负责人", required=True)
    allowed = dict(assignees(settings, viewer))
    if assignee not in allowed:
        raise WorklogError("assignee_user_id", "请选择本支公司的负责人")
    now = now_iso()
    with ops_db.write(settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        name = con.execute(select(users.c.display_name)
                           .where(users.c.user_id == assignee)).scalar_one()
        problem_id = ops_db.inserted_id(con.execute(insert(worklog_problems).values(
            title=title, body=body, assignee_user_id=assignee, assignee_name=name,
            status="待处理", created_at=now, updated_at=now, **actor.author())
        ))
        wrote(con, actor, "worklog_problem_raised", PROBLEMS_PAGE,
              {"problem_id": problem_id, "title": title, "assignee": name})
    return problem(settings, viewer, problem_id)


def _visible_problem(con: Connection, viewer: Viewer, problem_id: int) -> Any:
    t = worklog_problems
    row = con.execute(select(t).where(t.c.problem_id == problem_id)).first()
    if row is None or not (row_in_scope(row, viewer) or row.assignee_user_id == viewer.user_id):
        raise WorklogError("problem_id", f"没有这个问题 (编号 {problem_id})", 404)
    return row


def reply_problem(settings: Settings, viewer: Viewer, problem_id: int,
                  data: Mapping[str, Any], ip: str | None = None) -> dict[str, Any]:
    data = f.mapping(data)
    body = f.text(data, "body", "回复内容", required=True)
    status = f.choice(data, "status", "状态", PROBLEM_STATUSES)
    now = now_iso()
    with ops_db.write(settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        row = _visible_problem(con, viewer, problem_id)
        if viewer.user_id not in (row.user_id, row.assignee_user_id) and status is not None:
            raise WorklogError("status", "只有提出人和负责人可以改变问题的状态", 403)
        con.execute(insert(worklog_problem_replies).values(
            problem_id=problem_id, by_user_id=viewer.user_id, by_name=viewer.display_name,
            body=body, status_after=status, at=now, user_id=row.user_id,
            author_name=row.author_name, staff_id=row.staff_id, dept_id=row.dept_id,
            branch_id=row.branch_id))
        changes: dict[str, Any] = {"updated_at": now}
        if status is not None:
            changes |= {"status": status, "resolved_at": now if status == "已解决" else None}
        con.execute(update(worklog_problems)
                    .where(worklog_problems.c.problem_id == problem_id).values(**changes))
        wrote(con, actor, "worklog_problem_reply", PROBLEMS_PAGE,
              {"problem_id": problem_id, "status": status})
    return problem(settings, viewer, problem_id)


def _problem_row(r: Any) -> dict[str, Any]:
    return {"problem_id": r.problem_id, "title": r.title, "body": r.body,
            "assignee_user_id": r.assignee_user_id, "assignee_name": r.assignee_name,
            "status": r.status, "user_id": r.user_id, "author_name": r.author_name,
            "created_at": r.created_at, "updated_at": r.updated_at,
            "resolved_at": r.resolved_at}


def problem(settings: Settings, viewer: Viewer, problem_id: int) -> dict[str, Any]:
    r_t = worklog_problem_replies
    with ops_db.read(settings.users_db) as con:
        row = _visible_problem(con, viewer, problem_id)
        replies = [{"by_name": r.by_name, "body": r.body, "status_after": r.status_after,
                    "at": r.at} for r in con.execute(
                        select(r_t).where(r_t.c.problem_id == problem_id)
                        .order_by(r_t.c.reply_id))]
    return {**_problem_row(row), "replies": replies}


def list_problems(settings: Settings, viewer: Viewer, status: str | None = None
                  ) -> list[dict[str, Any]]:
    """Problems in the viewer's scope and those assigned to them, newest first."""
    t = worklog_problems
    query = select(t).where(or_(in_scope(t, viewer), t.c.assignee_user_id == viewer.user_id))
    if status:
        query = query.where(t.c.status == status)
    with ops_db.read(settings.users_db) as con:
        return [_problem_row(r) for r in con.execute(
            query.order_by(t.c.updated_at.desc(), t.c.problem_id.desc()).limit(2000))]


# ---- the administrator's settings ------------------------------------------------------

def get_expense_limit(settings: Settings) -> Decimal | None:
    with ops_db.read(settings.users_db) as con:
        return con.execute(select(worklog_settings.c.expense_limit)
                           .where(worklog_settings.c.settings_id == 1)).scalar_one_or_none()


def set_expense_limit(settings: Settings, viewer: Viewer, data: Mapping[str, Any],
                      ip: str | None = None) -> dict[str, Any]:
    """The per-note expense limit (empty = none); administrators only."""
    if not viewer.is_admin:
        raise WorklogError("expense_limit", "只有系统管理员可以设置费用上限", 403)
    data = f.mapping(data)
    raw = data.get("expense_limit")
    limit = None if raw in (None, "") else f.money(data, "expense_limit", "单笔费用上限")
    with ops_db.write(settings.users_db) as con:
        actor = actor_of(con, viewer, ip)
        con.execute(update(worklog_settings).where(worklog_settings.c.settings_id == 1)
                    .values(expense_limit=limit, updated_at=now_iso(),
                            updated_by=viewer.user_id))
        wrote(con, actor, "worklog_settings", SETTINGS_PAGE,
              {"expense_limit": money_text(limit) if limit is not None else "不限"})
    return {"expense_limit": float(limit) if limit is not None else None}

