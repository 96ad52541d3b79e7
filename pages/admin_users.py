"""6.1 用户权限录入 and 6.2 用户权限查询: create users from a template, find, edit,
disable, delete, reset passwords. Every callback checks the admin grant on the server."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

import auth
from auth.passwords import hash_password, one_time_password
from auth.users import UserError, create_user, delete_user, get_user, list_users, update_user
from data.settings import Settings
from layouts.grid import LOCALE_TEXT
from pages.reports import forbidden_notice
from queries.access import SCOPE_LABELS
from queries.menu import PAGES

NEW, USERS = "admin-user-new", "admin-users"
PAGE_DATA = [{"value": p.slug, "label": f"{p.number} {p.title}"} for p in PAGES]
SCOPE_DATA = [{"value": k, "label": v} for k, v in SCOPE_LABELS.items()]


def _org_inputs(prefix: str) -> list[Any]:
    return [
        dmc.Select(id=f"{prefix}-scope", label="数据范围", data=SCOPE_DATA, value="self",
                   allowDeselect=False),
        dmc.NumberInput(id=f"{prefix}-branch", label="支公司 ID (branch_id)", min=1),
        dmc.NumberInput(id=f"{prefix}-dept", label="科室 ID (dept_id)", min=1),
        dmc.NumberInput(id=f"{prefix}-staff", label="员工 ID (staff_id, 本人范围)", min=1),
    ]


def _grant_inputs(prefix: str) -> list[Any]:
    return [
        dmc.MultiSelect(id=f"{prefix}-pages", label="可用页面", data=PAGE_DATA, searchable=True,
                        clearable=True, maxDropdownHeight=300),
        dmc.Group([
            dmc.Switch(id=f"{prefix}-pii", label="可查看个人信息 (电话、地址、证件号)"),
            dmc.Switch(id=f"{prefix}-admin", label="系统管理员"),
        ]),
    ]


def new_user_layout(**_args: str) -> Any:
    try:
        auth.require_page(NEW)
    except auth.Forbidden:
        return forbidden_notice("用户权限录入")
    settings: Settings = auth.current_settings()
    sources = [{"value": str(u.user_id), "label": f"{u.username} {u.display_name}"}
               for u in list_users(settings.users_db)]
    return dmc.Stack(maw=760, children=[
        dmc.Title("6.1 用户权限录入", order=3),
        dmc.Text("以模板用户 (或任一现有用户) 为参照复制权限, 再按需调整。", size="sm", c="dimmed"),
        dmc.Select(id="new-template", label="参照用户 / 模板", data=sources, searchable=True),
        dmc.SimpleGrid(cols=2, children=[
            dmc.TextInput(id="new-username", label="员工代码 *"),
            dmc.TextInput(id="new-name", label="姓名 *"),
            *_org_inputs("new"),
        ]),
        *_grant_inputs("new"),
        dmc.Button("创建用户", id="new-create", w=160),
        html.Div(id="new-message"),
    ])


def users_layout(**_args: str) -> Any:
    try:
        auth.require_page(USERS)
    except auth.Forbidden:
        return forbidden_notice("用户权限查询")
    return dmc.Stack(children=[
        dmc.Title("6.2 用户权限查询", order=3),
        dmc.Group([dmc.TextInput(id="users-search", placeholder="员工代码或姓名", w=260),
                   dmc.Button("查找", id="users-find", variant="light")]),
        dag.AgGrid(id="users-grid", columnDefs=[
            {"field": "username", "headerName": "员工代码"},
            {"field": "display_name", "headerName": "姓名"},
            {"field": "role", "headerName": "角色"},
            {"field": "scope", "headerName": "数据范围"},
            {"field": "org", "headerName": "机构/人员"},
            {"field": "pages", "headerName": "页面数", "type": "rightAligned"},
            {"field": "pii", "headerName": "个人信息"},
            {"field": "status", "headerName": "状态"},
        ], rowData=[], dashGridOptions={"rowSelection": {"mode": "singleRow",
                                                          "enableClickSelection": True},
                                        "localeText": LOCALE_TEXT},
            defaultColDef={"flex": 1}, style={"height": "320px"}),
        dmc.Paper(withBorder=True, p="md", children=[
            dmc.Text("选择一位用户后编辑", id="edit-title", fw=600),
            dmc.SimpleGrid(cols=4, mt="sm", children=_org_inputs("edit")),
            *_grant_inputs("edit"),
            dmc.Switch(id="edit-enabled", label="启用", mt="sm"),
            dmc.Group(mt="md", children=[
                dmc.Button("保存修改", id="edit-save"),
                dmc.Button("重置密码", id="edit-reset", variant="light", color="orange"),
                dmc.Button("删除用户", id="edit-delete", variant="light", color="red"),
            ]),
        ]),
        html.Div(id="edit-message"),
    ])


def _rows(settings: Settings, text: str = "") -> list[dict[str, Any]]:
    return [{
        "user_id": u.user_id, "username": u.username, "display_name": u.display_name,
        "role": u.role + ("(模板)" if u.is_template else ""),
        "scope": SCOPE_LABELS[u.scope],
        "org": "/".join(str(x) for x in (u.branch_id, u.dept_id, u.staff_id) if x),
        "pages": len(u.pages), "pii": "是" if u.personal_data else "否",
        "status": ("启用" if u.enabled else "停用")
        + (" · 须改密码" if u.must_change_password else ""),
    } for u in list_users(settings.users_db, text)]


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _ok(text: str) -> Any:
    return dmc.Alert(text, color="green", mt="sm")


def _err(text: str) -> Any:
    return dmc.Alert(text, color="red", mt="sm", title="未保存")


def register(app: Dash, settings: Settings) -> None:
    db = settings.users_db
    dash.register_page(NEW, path=f"/admin/{NEW}", title="用户权限录入", layout=new_user_layout)
    dash.register_page(USERS, path=f"/admin/{USERS}", title="用户权限查询", layout=users_layout)

    @app.callback(Output("new-scope", "value"), Output("new-pages", "value"),
                  Output("new-pii", "checked"), Output("new-admin", "checked"),
                  Input("new-template", "value"), prevent_initial_call=True)
    def copy_template(user_id: str | None):  # type: ignore[no-untyped-def]
        auth.require_page(NEW)
        source = get_user(db, user_id=int(user_id)) if user_id else None
        if source is None:
            raise PreventUpdate
        return source.scope, sorted(source.pages), source.personal_data, source.is_admin

    @app.callback(Output("new-message", "children"), Input("new-create", "n_clicks"),
                  State("new-username", "value"), State("new-name", "value"),
                  State("new-scope", "value"), State("new-branch", "value"),
                  State("new-dept", "value"), State("new-staff", "value"),
                  State("new-pages", "value"), State("new-pii", "checked"),
                  State("new-admin", "checked"), State("new-template", "value"),
                  prevent_initial_call=True)
    def create(_n, username, name, scope, branch, dept, staff, pages, pii, admin, tpl):  # type: ignore[no-untyped-def]
        auth.require_page(NEW)
        if not username or not name:
            return _err("员工代码和姓名必须填写")
        password = one_time_password()
        source = get_user(db, user_id=int(tpl)) if tpl else None
        try:
            create_user(db, username=username, display_name=name, password=password,
                        scope=scope or "self", pages=set(pages or []),
                        role=source.role if source else "", branch_id=_int(branch),
                        dept_id=_int(dept), staff_id=_int(staff), personal_data=bool(pii),
                        is_admin=bool(admin), must_change_password=True)
        except (UserError, ValueError) as exc:
            return _err(str(exc))
        auth.audit.record("user_created", page=NEW,
                          detail={"user": username, "scope": scope, "pages": pages})
        return _ok(f"已创建用户 {username}。一次性密码: {password} (首次登录须修改)")

    @app.callback(Output("users-grid", "rowData"), Input("users-find", "n_clicks"),
                  Input("edit-message", "children"), State("users-search", "value"))
    def find(_n, _msg, text):  # type: ignore[no-untyped-def]
        auth.require_page(USERS)
        return _rows(settings, text or "")

    @app.callback(Output("edit-title", "children"), Output("edit-scope", "value"),
                  Output("edit-branch", "value"), Output("edit-dept", "value"),
                  Output("edit-staff", "value"), Output("edit-pages", "value"),
                  Output("edit-pii", "checked"), Output("edit-admin", "checked"),
                  Output("edit-enabled", "checked"), Input("users-grid", "selectedRows"),
                  prevent_initial_call=True)
    def select(rows):  # type: ignore[no-untyped-def]
        auth.require_page(USERS)
        if not rows:
            raise PreventUpdate
        u = get_user(db, user_id=rows[0]["user_id"])
        if u is None:
            raise PreventUpdate
        return (f"编辑 {u.username} {u.display_name}", u.scope, u.branch_id, u.dept_id,
                u.staff_id, sorted(u.pages), u.personal_data, u.is_admin, u.enabled)

    @app.callback(Output("edit-message", "children"), Input("edit-save", "n_clicks"),
                  Input("edit-reset", "n_clicks"), Input("edit-delete", "n_clicks"),
                  State("users-grid", "selectedRows"), State("edit-scope", "value"),
                  State("edit-branch", "value"), State("edit-dept", "value"),
                  State("edit-staff", "value"), State("edit-pages", "value"),
                  State("edit-pii", "checked"), State("edit-admin", "checked"),
                  State("edit-enabled", "checked"), prevent_initial_call=True)
    def change(_s, _r, _d, rows, scope, branch, dept, staff, pages, pii, admin, enabled):  # type: ignore[no-untyped-def]
        auth.require_page(USERS)
        if not rows:
            return _err("请先在表格中选择一位用户")
        user_id, username = rows[0]["user_id"], rows[0]["username"]
        action = ctx.triggered_id
        try:
            if action == "edit-delete":
                delete_user(db, user_id)
                auth.audit.record("user_deleted", page=USERS, detail={"user": username})
                return _ok(f"已删除用户 {username}")
            if action == "edit-reset":
                password = one_time_password()
                update_user(db, user_id, password_hash=hash_password(password),
                            must_change_password=True)
                auth.audit.record("password_reset", page=USERS, detail={"user": username})
                return _ok(f"{username} 的一次性密码: {password} (下次登录须修改)")
            update_user(db, user_id, scope=scope, branch_id=_int(branch), dept_id=_int(dept),
                        staff_id=_int(staff), pages=set(pages or []), personal_data=bool(pii),
                        is_admin=bool(admin), enabled=bool(enabled))
        except (UserError, ValueError) as exc:
            return _err(str(exc))
        auth.audit.record("user_updated", page=USERS, detail={
            "user": username, "scope": scope, "pages": sorted(pages or []), "pii": bool(pii),
            "admin": bool(admin), "enabled": bool(enabled)})
        return _ok(f"已保存 {username} 的权限, 下一次请求即生效")

