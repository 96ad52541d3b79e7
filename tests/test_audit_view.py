"""The audit log reads as an administrator needs it: local time in full, page titles,
user names, details in Chinese (grant changes before → after), filters by user, event
and local date, the same in the CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from auth.audit_view import audit_rows, user_options
from auth.users import create_user
from data.settings import Settings
from ops import db as ops_db
from ops.tables import audit
from tests.dash_calls import answer, call
from tests.ops_fixtures import with_own_database


@pytest.fixture
def logged(settings: Settings, tmp_path: Path) -> Settings:
    own = with_own_database(settings, tmp_path / "users.sqlite")
    db = own.users_db
    create_user(db, username="admin", display_name="系统管理员", password="Audit-pass-2231",
                scope="company", pages={"admin-audit"}, is_admin=True)
    rows = [
        ("2026-11-20T16:30:00", "admin", "user_updated", "admin-users", json.dumps({
            "user": "branch09", "changes": {
                "scope": ["支公司", "科室"], "org": ["4401 广州天河支公司",
                                                 "4401 广州天河支公司 / 440101 车险一科"],
                "pages": [["pnl-auto-cube"], ["lapsed-auto", "pnl-auto-cube"]],
                "personal_data": [True, False], "enabled": [True, False]}},
            ensure_ascii=False), None),
        ("2026-11-20T15:59:59", "admin", "export", "pnl-auto-cube", json.dumps({
            "format": "xlsx", "level": "detail",
            "filters": {"start_from": "2024-01-01", "start_to": "2024-03-31"},
            "sort": [["premium_cny", "desc"]], "column_filters": {}}), 1834),
        ("2026-11-20T16:40:00", "gone01", "login_failed", None, None, None),
    ]
    with ops_db.write(db) as con:
        con.execute(insert(audit), [
            {"at": at, "username": user, "event": event, "page": page, "detail": detail,
             "rows": n, "ip": "10.0.0.1"} for at, user, event, page, detail, n in rows])
    return own


def test_local_time_titles_names_and_readable_details(logged: Settings) -> None:
    rows = audit_rows(logged, {})
    update = next(r for r in rows if r["event_label"] == "修改权限")
    assert update["at"] == "2026-11-21 00:30:00"  # 16:30 UTC is half past midnight in 上海
    assert update["user"] == "admin 系统管理员" and update["page_title"] == "6.2 用户权限查询"
    text = update["detail_text"]
    assert "{" not in text and "[" not in text
    assert "数据范围: 支公司 → 科室" in text and "个人信息: 是 → 否" in text
    assert "状态: 启用 → 停用" in text and "增加 1.2 车险脱保客户查询" in text
    export = next(r for r in rows if r["event_label"] == "导出")
    assert export["page_title"] == "3.6 车险盈亏综合状况"
    assert "Excel 明细" in export["detail_text"] and "签单保费降序" in export["detail_text"]
    assert "2024-01-01" in export["detail_text"] and "start_from" not in export["detail_text"]


def test_filters_by_local_date_user_and_event(logged: Settings) -> None:
    assert {r["event_label"] for r in audit_rows(logged, {"from": "2026-11-21",
                                                          "to": "2026-11-21"})} \
        == {"修改权限", "登录失败"}
    assert [r["event_label"] for r in audit_rows(logged, {"from": "2026-11-20",
                                                          "to": "2026-11-20"})] == ["导出"]
    assert [r["user"] for r in audit_rows(logged, {"user": "gone01"})] == ["gone01"]
    assert [r["event_label"] for r in audit_rows(logged, {"event": "export"})] == ["导出"]
    names = {o["value"]: o["label"] for o in user_options(logged)}
    assert names["admin"] == "admin 系统管理员" and "已删除" in names["gone01"]


def test_the_page_and_its_csv_show_the_same(login: Any, settings: Settings) -> None:
    admin = login("admin")
    out = answer(call(admin, "audit-grid.rowData", [("audit-run", "n_clicks", 1)],
                      [("audit-dates", "value", [None, None]), ("audit-user", "value", "admin"),
                       ("audit-event", "value", "login")]))
    rows = out["audit-grid"]["rowData"]
    assert rows and all(r["user"] == "admin 系统管理员" and r["event_label"] == "登录"
                        for r in rows)
    assert len(rows[0]["at"]) == 19
    href = out["audit-export"]["href"]
    assert "user=admin" in href and "event=login" in href
    lines = admin.get(href).data.decode("utf-8-sig").splitlines()
    assert lines[0] == "时间,用户,事件,页面,行数,详情,IP 地址"
    assert len(lines) - 1 >= len(rows) and "admin 系统管理员" in lines[1]
    assert login("gm").get(href).status_code == 403
