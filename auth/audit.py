"""Audit rows: sign-ins and failures, sign-outs, grant changes, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user

from auth.users import connect, now_iso

EVENT_LABELS = {
    "login": "登录", "login_failed": "登录失败", "login_locked": "账号锁定", "logout": "退出",
    "password_changed": "修改密码", "password_reset": "重置密码", "user_created": "新建用户",
    "user_updated": "修改权限", "user_deleted": "删除用户", "export": "导出",
    "forbidden": "越权访问", "data_load": "数据装载",
}


def record_to(db: Path, event: str, *, username: str | None = None, page: str | None = None,
              detail: dict[str, Any] | None = None, rows: int | None = None,
              ip: str | None = None) -> None:
    with connect(db) as con:
        con.execute(
            "INSERT INTO audit (at, username, event, page, detail, rows, ip) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now_iso(), username, event, page,
             json.dumps(detail, ensure_ascii=False, default=str) if detail else None, rows, ip),
        )


def record(event: str, *, page: str | None = None, detail: dict[str, Any] | None = None,
           rows: int | None = None, username: str | None = None,
           db: Path | None = None) -> None:
    """Record an event for the signed-in user of the current request (or, outside a
    request, for ``username`` in ``db``: the command line)."""
    if username is None and has_request_context() and current_user.is_authenticated:
        username = current_user.get_id_username()
    ip = request.remote_addr if has_request_context() else None
    record_to(db or current_app.config["SETTINGS"].users_db, event, username=username,
              page=page, detail=detail, rows=rows, ip=ip)


def query_audit(db: Path, *, date_from: str | None = None, date_to: str | None = None,
                since: str | None = None, until: str | None = None,
                username: str | None = None, event: str | None = None,
                limit: int = 5000) -> list[dict[str, Any]]:
    """Rows newest first; ``date_from``/``date_to`` are UTC days, ``since``/``until``
    UTC instants (until excluded), as the audit page computes from local days."""
    sql, args = "SELECT * FROM audit WHERE 1 = 1", []
    if date_from:
        sql += " AND at >= ?"
        args.append(date_from)
    if date_to:
        sql += " AND at < date(?, '+1 day')"
        args.append(date_to)
    if since:
        sql += " AND at >= ?"
        args.append(since)
    if until:
        sql += " AND at < ?"
        args.append(until)
    if username:
        sql += " AND username = ?"
        args.append(username)
    if event:
        sql += " AND event = ?"
        args.append(event)
    with connect(db) as con:
        rows = con.execute(sql + " ORDER BY audit_id DESC LIMIT ?", [*args, limit]).fetchall()
    return [dict(r) for r in rows]


def audit_usernames(db: Path, limit: int = 5000) -> list[str]:
    """Everybody the log names, also users deleted since and failed sign-in names."""
    with connect(db) as con:
        rows = con.execute("SELECT DISTINCT username FROM audit WHERE username IS NOT NULL "
                           "ORDER BY username LIMIT ?", (limit,)).fetchall()
    return [r[0] for r in rows]
