"""6.1 用户权限录入 and 6.2 用户权限查询: create users from a template, find, edit,
disable, delete, reset passwords. Every callback checks the admin grant on the server;
every field is checked on the server and its message shown at the field."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

import auth
from auth.accounts import FieldErrors, change_grants, create_from_template, delete_account
from auth.org import load_org
from auth.passwords import hash_password, one_time_password
from auth.users import UserError, get_user, list_users, update_user
from data.settings import Settings
from engines.base import Engine
from layouts.grid import LOCALE_TEXT
from pages.admin_user_form import (
    ORG_FIELDS,
    as_value,
    grant_inputs,
    grants_of,
    ordered_pages,
    org_inputs,
    register_org_pickers,
)
from pages.reports import forbidden_notice
from queries.access import SCOPE_LABELS
from queries.grants import resolve

NEW, USERS = "admin-user-new", "admin-users"
NEW_FIELDS = ("username", "name", "template", *ORG_FIELDS)
EDIT_TITLE = "选择一位用户后编辑"


def _sources(settings: Settings) -> list[dict[str, Any]]:
    users = list_users(settings.users_db)
    templates = [{"value": str(u.user_id), "label": f"{u.username} {u.display_name} · "
                  f"{SCOPE_LABELS.get(u.scope, u.scope)}范围"} for u in users if u.is_template]
    others = [{"value": str(u.user_id), "label": f"{u.username} {u.display_name}"}
              for u in users if not u.is_template]
    return [{"group": "模板", "items": templates}, {"group": "现有用户", "items": others}]


def new_user_layout(**_args: str) -> Any:
    try:
        auth.require_page(NEW)
    except auth.Forbidden:
        return forbidden_notice("用户权限录入")
    settings: Settings = auth.current_settings()
    org = load_org(auth.current_engine())
    return dmc.Stack(maw=760, children=[
        dmc.Title("6.1 用户权限录入", order=3),
        dmc.Text("以模板 (或现有用户) 为参照复制权限; 模板只定数据范围的级别, 请再选择具体的"
                 "支公司、科室或员工, 然后按需调整。", size="sm", c="dimmed"),
        dmc.Select(id="new-template", label="参照模板 / 用户 *", data=_sources(settings),
                   searchable=True),
        dmc.Text(id="new-hint", size="sm", c="blue.8"),
        dmc.SimpleGrid(cols=2, children=[
            dmc.TextInput(id="new-username", label="员工代码 *", inputProps={"maxLength": 32},
                          description="字母、数字和 . _ -, 最多 32 个字符"),
            dmc.TextInput(id="new-name", label="姓名 *", inputProps={"maxLength": 40}),
            *org_inputs("new", org),
        ]),
        *grant_inputs("new"),
        dmc.Button("创建用户", id="new-create", w=160),
        html.Div(id="new-message"),
    ])


def users_layout(**_args: str) -> Any:
    try:
        auth.require_page(USERS)
    except auth.Forbidden:
        return forbidden_notice("用户权限查询")
    org = load_org(auth.current_engine())
    return dmc.Stack(children=[
        dmc.Title("6.2 用户权限查询", order=3),
        dmc.Group([dmc.TextInput(id="users-search", placeholder="员工代码或姓名", w=260),
                   dmc.Button("查找", id="users-find", variant="light")]),
        dag.AgGrid(id="users-grid", columnDefs=[
            {"field": "username", "headerName": "员工代码", "maxWidth": 140},
            {"field": "display_name", "headerName": "姓名", "maxWidth": 160},
            {"field": "role", "headerName": "角色", "maxWidth": 150},
            {"field": "scope", "headerName": "数据范围", "maxWidth": 110},
            {"field": "org", "headerName": "机构/人员", "minWidth": 260},
            {"field": "pages", "headerName": "页面数", "type": "rightAligned", "maxWidth": 100},
            {"field": "pii", "headerName": "个人信息", "maxWidth": 110},
            {"field": "status", "headerName": "状态", "minWidth": 150},
        ], rowData=[], getRowId="String(params.data.user_id)",
            dashGridOptions={"rowSelection": {"mode": "singleRow", "enableClickSelection": True,
                                              "checkboxes": False},
                             "localeText": LOCALE_TEXT},
            defaultColDef={"flex": 1}, style={"height": "320px"}),
        dcc.Store(id="edit-user"),
        dmc.Paper(withBorder=True, p="md", children=[
            dmc.Text(EDIT_TITLE, id="edit-title", fw=600),
            dmc.SimpleGrid(cols=4, mt="sm", children=org_inputs("edit", org)),
            *grant_inputs("edit"),
            dmc.Switch(id="edit-enabled", label="启用", mt="sm"),
            dmc.Group(mt="md", children=[
                dmc.Button("保存修改", id="edit-save"),
                dmc.Button("重置密码", id="edit-reset", variant="light", color="orange"),
                dmc.Button("删除用户", id="edit-delete", variant="light", color="red"),
            ]),
        ]),
        html.Div(id="edit-message"),
        dmc.Modal(id="delete-confirm", title="删除用户", centered=True, children=[
            dmc.Text(id="delete-text"),
            dmc.Group(justify="flex-end", mt="md", children=[
                dmc.Button("取消", id="delete-cancel", variant="default"),
                dmc.Button("确认删除", id="delete-yes", color="red"),
            ]),
        ]),
    ])


def _status(u: Any) -> str:
    if u.is_template:
        return "模板 (不能登录)"
    return ("启用" if u.enabled else "停用") + (" · 须改密码" if u.must_change_password else "")


def _rows(engine: Engine, text: str = "") -> list[dict[str, Any]]:
    org = load_org(engine)
    return [{
        "user_id": u.user_id, "username": u.username, "display_name": u.display_name,
        "role": u.role + ("(模板)" if u.is_template else ""),
        "scope": SCOPE_LABELS[u.scope],
        "org": "按复制时选择" if u.is_template
        else org.describe(u.branch_id, u.dept_id, u.staff_id) or "全公司",
        "pages": len(resolve(u.pages)), "pii": "是" if u.personal_data else "否",
        "status": _status(u),
    } for u in list_users(engine.settings.users_db, text)]


def _ok(text: str) -> Any:
    return dmc.Alert(text, color="green", mt="sm")


def _err(text: str) -> Any:
    return dmc.Alert(text, color="red", mt="sm", title="未保存")


def _field_errors(fields: tuple[str, ...], errors: dict[str, str]) -> list[Any]:
    names = {"name": "display_name"}
    return [errors.get(names.get(f, f)) for f in fields]


def register(app: Dash, settings: Settings) -> None:
    dash.register_page(NEW, path=f"/admin/{NEW}", title="用户权限录入", layout=new_user_layout)
    dash.register_page(USERS, path=f"/admin/{USERS}", title="用户权限查询", layout=users_layout)
    register_org_pickers(app, "new", NEW)
    register_org_pickers(app, "edit", USERS)
    _register_new(app)
    _register_edit(app)


def _register_new(app: Dash) -> None:
    @app.callback(Output("new-scope", "value"), Output("new-pages", "value"),
                  Output("new-pii", "checked"), Output("new-admin", "checked"),
                  Output("new-branch", "value"), Output("new-dept", "value"),
                  Output("new-staff", "value"), Output("new-hint", "children"),
                  Input("new-template", "value"), prevent_initial_call=True)
    def copy_template(user_id: str | None):  # type: ignore[no-untyped-def]
        auth.require_page(NEW)
        db = auth.current_settings().users_db
        source = get_user(db, user_id=int(user_id)) if user_id else None
        if source is None:
            raise PreventUpdate
        level = SCOPE_LABELS[source.scope]
        need = {"company": "", "branch": "请选择支公司", "department": "请选择支公司和科室",
                "self": "请选择支公司、科室和员工"}[source.scope]
        hint = f"数据范围: {level}" + (f" — {need}" if need else "")
        if source.is_template:  # a template has a level only: the place is asked for
            return (source.scope, ordered_pages(source.pages), source.personal_data,
                    source.is_admin, None, None, None, hint)
        return (source.scope, ordered_pages(source.pages), source.personal_data, source.is_admin,
                as_value(source.branch_id), as_value(source.dept_id),
                as_value(source.staff_id), hint)

    @app.callback(Output("new-message", "children"),
                  *[Output(f"new-{f}", "error") for f in NEW_FIELDS],
                  Input("new-create", "n_clicks"),
                  State("new-username", "value"), State("new-name", "value"),
                  State("new-scope", "value"), State("new-branch", "value"),
                  State("new-dept", "value"), State("new-staff", "value"),
                  State("new-pages", "value"), State("new-pii", "checked"),
                  State("new-admin", "checked"), State("new-template", "value"),
                  prevent_initial_call=True)
    # Dash passes one positional argument per Input and State, in their order.
    def create(_n, username, name, scope, branch, dept, staff, pages, pii, admin, tpl):  # type: ignore[no-untyped-def]  # noqa: PLR0917
        auth.require_page(NEW)
        settings = auth.current_settings()
        template = get_user(settings.users_db, user_id=int(tpl)) if tpl else None
        password = one_time_password()
        try:
            create_from_template(
                auth.current_engine(), username=username or "", display_name=name or "",
                template=template,
                grants=grants_of(scope, branch, dept, staff, pages, pii=pii, admin=admin),
                password=password, page=NEW)
        except FieldErrors as exc:
            return (_err("请按红色提示修改后再保存"), *_field_errors(NEW_FIELDS, exc.errors))
        except (UserError, ValueError) as exc:
            return (_err(str(exc)), *[None] * len(NEW_FIELDS))
        return (_ok(f"已创建用户 {username}。一次性密码: {password} (首次登录须修改)"),
                *[None] * len(NEW_FIELDS))


CLEARED: tuple[object, ...] = (EDIT_TITLE, None, None, None, None, [], False, False, False, None,
                               [])


def _register_edit(app: Dash) -> None:
    @app.callback(Output("users-grid", "rowData"), Input("users-find", "n_clicks"),
                  Input("edit-message", "children"), State("users-search", "value"))
    def find(_n, _msg, text):  # type: ignore[no-untyped-def]
        auth.require_page(USERS)
        return _rows(auth.current_engine(), text or "")

    @app.callback(Output("edit-title", "children"), Output("edit-scope", "value"),
                  Output("edit-branch", "value"), Output("edit-dept", "value"),
                  Output("edit-staff", "value"), Output("edit-pages", "value"),
                  Output("edit-pii", "checked"), Output("edit-admin", "checked"),
                  Output("edit-enabled", "checked"), Output("edit-user", "data"),
                  Output("edit-enabled", "disabled"),
                  Input("users-grid", "selectedRows"), prevent_initial_call=True)
    def select(rows):  # type: ignore[no-untyped-def]
        auth.require_page(USERS)
        u = get_user(auth.current_settings().users_db, user_id=rows[0]["user_id"]) \
            if rows else None
        if u is None:
            raise PreventUpdate
        title = f"编辑 {u.username} {u.display_name}" + (" (模板: 只定级别, 不能登录)"
                                                          if u.is_template else "")
        return (title, u.scope, as_value(u.branch_id), as_value(u.dept_id),
                as_value(u.staff_id), ordered_pages(u.pages), u.personal_data, u.is_admin,
                u.enabled, u.user_id, u.is_template)

    @app.callback(Output("delete-confirm", "opened"), Output("delete-text", "children"),
                  Input("edit-delete", "n_clicks"), Input("delete-cancel", "n_clicks"),
                  State("edit-user", "data"), prevent_initial_call=True)
    def ask(_d, _c, user_id):  # type: ignore[no-untyped-def]
        auth.require_page(USERS)
        u = get_user(auth.current_settings().users_db, user_id=user_id) if user_id else None
        if ctx.triggered_id == "delete-cancel" or u is None:
            return False, ""
        return True, (f"确定删除用户 {u.username} {u.display_name} 吗? 其所有会话立即结束, "
                      "其导出任务和文件一并删除, 且不能恢复。")

    @app.callback(Output("edit-message", "children"),
                  *[Output(f"edit-{f}", "error") for f in ORG_FIELDS],
                  Output("edit-title", "children", allow_duplicate=True),
                  Output("edit-scope", "value", allow_duplicate=True),
                  Output("edit-branch", "value", allow_duplicate=True),
                  Output("edit-dept", "value", allow_duplicate=True),
                  Output("edit-staff", "value", allow_duplicate=True),
                  Output("edit-pages", "value", allow_duplicate=True),
                  Output("edit-pii", "checked", allow_duplicate=True),
                  Output("edit-admin", "checked", allow_duplicate=True),
                  Output("edit-enabled", "checked", allow_duplicate=True),
                  Output("edit-user", "data", allow_duplicate=True),
                  Output("users-grid", "selectedRows"),
                  Output("delete-confirm", "opened", allow_duplicate=True),
                  Input("edit-save", "n_clicks"), Input("edit-reset", "n_clicks"),
                  Input("delete-yes", "n_clicks"), State("edit-user", "data"),
                  State("edit-scope", "value"), State("edit-branch", "value"),
                  State("edit-dept", "value"), State("edit-staff", "value"),
                  State("edit-pages", "value"), State("edit-pii", "checked"),
                  State("edit-admin", "checked"), State("edit-enabled", "checked"),
                  prevent_initial_call=True)
    # Dash passes one positional argument per Input and State, in their order.
    def change(_s, _r, _d, user_id, scope, branch, dept, staff, pages, pii, admin, enabled):  # type: ignore[no-untyped-def]  # noqa: PLR0917
        auth.require_page(USERS)
        settings = auth.current_settings()
        keep = (no_update,) * len(CLEARED) + (False,)
        no_errors = (None,) * len(ORG_FIELDS)
        user = get_user(settings.users_db, user_id=user_id) if user_id else None
        if user is None:
            return (_err("请先在表格中选择一位用户"), *no_errors, *keep)
        try:
            if ctx.triggered_id == "delete-yes":
                jobs = delete_account(auth.current_engine(), user, page=USERS)
                files = f", 及其 {jobs} 个导出任务" if jobs else ""
                return (_ok(f"已删除用户 {user.username}{files}"), *no_errors, *CLEARED, False)
            if ctx.triggered_id == "edit-reset":
                password = one_time_password()
                update_user(settings.users_db, user.user_id,
                            password_hash=hash_password(password), must_change_password=True)
                auth.audit.record("password_reset", page=USERS, detail={"user": user.username})
                return (_ok(f"{user.username} 的一次性密码: {password} (下次登录须修改; "
                            "其现有会话已结束)"), *no_errors, *keep)
            grants = grants_of(scope, branch, dept, staff, pages, pii=pii, admin=admin)
            change_grants(auth.current_engine(), user, grants, bool(enabled), page=USERS)
        except FieldErrors as exc:
            return (_err("请按红色提示修改后再保存"), *_field_errors(ORG_FIELDS, exc.errors),
                    *keep)
        except (UserError, ValueError) as exc:
            return (_err(str(exc)), *no_errors, *keep)
        return (_ok(f"已保存 {user.username} 的权限, 下一次请求即生效"), *no_errors, *keep)
