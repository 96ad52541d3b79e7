"""Audit rows: sign-ins and failures, sign-outs, grant changes, exports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from data.settings import OpsDb
from ops import db as ops_db
from ops.audit import record_to
from ops.tables import audit

EVENT_LABELS = {
    "login": "登录", "login_failed": "登录失败", "login_locked": "账号锁定", "logout": "退出",
    "password_changed": "修改密码", "password_reset": "重置密码", "user_created": "新建用户",
    "user_updated": "修改权限", "user_deleted": "删除用户", "export": "导出",
    "forbidden": "越权访问", "data_load": "数据装载",
    "blacklist_added": "列入黑名单", "blacklist_removed": "移出黑名单",
    "policies_reassigned": "孤儿保单转交", "policy_agents_reassigned": "孤儿保单代理人转交",
    "view_saved": "保存视图", "view_shared": "分享视图", "view_deleted": "删除视图",
    "worklog_plan_created": "新建计划", "worklog_plan_updated": "修改计划",
    "worklog_plan_submitted": "报备计划", "worklog_plan_approved": "批准计划",
    "worklog_plan_returned": "退回计划", "worklog_entry_created": "新增记事",
    "worklog_entry_updated": "修改记事", "worklog_entry_corrected": "更正记事",
    "worklog_entry_deleted": "删除记事", "worklog_budget_set": "填写预算",
    "worklog_forms": "单证登记", "worklog_problem_raised": "提出问题",
    "worklog_problem_reply": "回复问题", "worklog_settings": "工作日志设置",
}


def record(event: str, *, page: str | None = None, detail: dict[str, Any] | None = None,
           rows: int | None = None, username: str | None = None,
           db: OpsDb | None = None) -> None:
    """Record an event for the signed-in user of the current request (or, outside a
    request, for ``username`` in ``db``: the command line)."""
    if username is None and has_request_context() and current_user.is_authenticated:
        username = current_user.get_id_username()
    ip = request.remote_addr if has_request_context() else None
    record_to(db or current_app.config["SETTINGS"].users_db, event, username=username,
              page=page, detail=detail, rows=rows, ip=ip)


def query_audit(db: OpsDb, *, date_from: str | None = None, date_to: str | None = None,
                since: str | None = None, until: str | None = None,
                username: str | None = None, event: str | None = None,
                limit: int = 5000) -> list[dict[str, Any]]:
    """Rows newest first; ``date_from``/``date_to`` are UTC days, ``since``/``until``
    UTC instants (until excluded), as the audit page computes from local days."""
    query = select(audit).order_by(audit.c.audit_id.desc()).limit(limit)
    if date_from:
        query = query.where(audit.c.at >= date_from)
    if date_to:  # the whole day: before the next one (``at`` is ISO text)
        next_day = (date.fromisoformat(date_to[:10]) + timedelta(days=1)).isoformat()
        query = query.where(audit.c.at < next_day)
    if since:
        query = query.where(audit.c.at >= since)
    if until:
        query = query.where(audit.c.at < until)
    if username:
        query = query.where(audit.c.username == username)
    if event:
        query = query.where(audit.c.event == event)
    with ops_db.read(db) as con:
        return [dict(r._mapping) for r in con.execute(query)]


def audit_usernames(db: OpsDb, limit: int = 5000) -> list[str]:
    """Everybody the log names, also users deleted since and failed sign-in names."""
    query = (select(audit.c.username).distinct().where(audit.c.username.is_not(None))
             .order_by(audit.c.username).limit(limit))
    with ops_db.read(db) as con:
        return [r[0] for r in con.execute(query)]
