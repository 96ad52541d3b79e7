"""Administration pages: only administrators may use them, checked in every callback;
a template copy asks for the real branch / department / staff; every field is checked
at the field; deleting asks first and clears the form; grant changes audited before → after."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from sqlalchemy import update

from auth.audit import query_audit
from auth.templates import TEMPLATES, ensure_templates
from auth.users import create_user, get_user, list_users
from data.settings import Settings
from ops import db as ops_db
from ops.tables import users
from tests.dash_calls import answer, call

NEW_STATE = ["new-username", "new-name", "new-scope", "new-branch", "new-dept", "new-staff",
             "new-pages", "new-pii", "new-admin", "new-template"]
PROPS = {"new-pii": "checked", "new-admin": "checked"}
EDIT_STATE = [("edit-user", "data"), ("edit-scope", "value"), ("edit-branch", "value"),
              ("edit-dept", "value"), ("edit-staff", "value"), ("edit-pages", "value"),
              ("edit-pii", "checked"), ("edit-admin", "checked"), ("edit-enabled", "checked")]


def create(client: Any, values: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return call(client, "new-message.children", [("new-create", "n_clicks", 1)],
                [(i, PROPS.get(i, "value"), values.get(i)) for i in NEW_STATE], headers)


def edit(client: Any, trigger: str, values: dict[str, Any]) -> Any:
    inputs = [(b, "n_clicks", 1 if b == trigger else None)
              for b in ("edit-save", "edit-reset", "delete-yes")]
    return call(client, "edit-message.children", inputs,
                [(i, p, values.get(i)) for i, p in EDIT_STATE], trigger=f"{trigger}.n_clicks")


def template_id(settings: Settings, key: str) -> str:
    ensure_templates(settings.users_db)
    user = get_user(settings.users_db, username=key)
    assert user is not None and user.is_template
    return str(user.user_id)


def store(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.store_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_admin_creates_a_user_from_a_template_others_are_refused(
        login: Any, settings: Settings) -> None:
    values = {"new-username": "staff777", "new-name": "新员工", "new-scope": "branch",
              "new-branch": "2", "new-pages": ["pnl-auto-cube"], "new-pii": False,
              "new-admin": False, "new-template": template_id(settings, "tpl-branch")}
    assert create(login("gm"), values).status_code == 403
    assert get_user(settings.users_db, username="staff777") is None
    done = answer(create(login("admin"), values))
    assert "一次性密码" in json.dumps(done["new-message"], ensure_ascii=False)
    user = get_user(settings.users_db, username="staff777")
    assert user is not None and user.must_change_password and user.role == "支公司经理"
    assert user.scope == "branch" and user.branch_id == 2 and user.pages == {"pnl-auto-cube"}
    created = [e for e in query_audit(settings.users_db, event="user_created", username="admin")
               if "staff777" in (e["detail"] or "")]
    detail = json.loads(created[0]["detail"])
    assert detail["template"] == "tpl-branch"
    assert detail["changes"]["scope"] == [None, "支公司"]
    branch = store(settings, "SELECT branch_code || ' ' || branch_name FROM branch "
                             "WHERE branch_id = 2")[0][0]
    assert detail["changes"]["org"] == [None, branch]
    duplicate = answer(create(login("admin"), values))
    assert "已存在" in duplicate["new-username"]["error"]


def test_copying_a_template_asks_for_the_place(login: Any, settings: Settings) -> None:
    for key, hint in (("tpl-branch", "请选择支公司"), ("tpl-section", "请选择支公司和科室"),
                      ("tpl-sales", "请选择支公司、科室和员工")):
        out = answer(call(login("admin"), "new-hint.children",
                          [("new-template", "value", template_id(settings, key))]))
        tpl = next(t for t in TEMPLATES if t.key == key)
        assert out["new-scope"]["value"] == tpl.scope != "company"
        assert out["new-pii"]["checked"] is tpl.personal_data
        assert out["new-branch"]["value"] is None and out["new-staff"]["value"] is None
        assert hint in out["new-hint"]["children"]


def test_the_form_says_at_each_field_what_is_wrong(login: Any, settings: Settings) -> None:
    admin = login("admin")
    base = {"new-username": "staff778", "new-name": "校验", "new-pages": ["pnl-auto-cube"],
            "new-template": template_id(settings, "tpl-sales")}
    branch_id, dept_id = store(settings, "SELECT branch_id, min(dept_id) FROM department "
                                         "WHERE branch_id = 1 GROUP BY 1")[0]
    other_dept = store(settings, "SELECT min(dept_id) FROM department WHERE branch_id = 2")[0][0]
    stranger = store(settings, f"SELECT min(staff_id) FROM staff WHERE dept_id = {other_dept}"
                     )[0][0]
    cases = [
        ({"new-scope": "self"}, "new-branch", "必须选择支公司"),
        ({"new-scope": "self", "new-branch": str(branch_id)}, "new-dept", "必须选择科室"),
        ({"new-scope": "branch", "new-branch": "999"}, "new-branch", "不存在"),
        ({"new-scope": "department", "new-branch": str(branch_id),
          "new-dept": str(other_dept)}, "new-dept", "不属于所选支公司"),
        ({"new-scope": "self", "new-branch": str(branch_id), "new-dept": str(dept_id),
          "new-staff": str(stranger)}, "new-staff", "不在所选科室"),
        ({"new-scope": "company", "new-username": "bad name!"}, "new-username", "只能包含"),
        ({"new-scope": "company", "new-username": "x" * 40}, "new-username", "最多 32"),
        ({"new-scope": "company", "new-name": ""}, "new-name", "不能为空"),
        ({"new-scope": "company", "new-template": None}, "new-template", "请选择"),
    ]
    for change, field, message in cases:
        out = answer(create(admin, {**base, **change}))
        assert message in (out[field]["error"] or ""), (change, out)
        assert get_user(settings.users_db, username=base["new-username"]) is None


def test_templates_carry_their_level_and_cannot_be_enabled(login: Any,
                                                           settings: Settings) -> None:
    ensure_templates(settings.users_db)
    old = get_user(settings.users_db, username="tpl-claims")
    assert old is not None
    # A template stored by an earlier version: 公司 and enabled. The next start fixes it.
    with ops_db.write(settings.users_db) as con:
        con.execute(update(users).where(users.c.user_id == old.user_id)
                    .values(scope="company", enabled=1))
    ensure_templates(settings.users_db)
    for t in TEMPLATES:
        user = get_user(settings.users_db, username=t.key)
        assert user is not None and user.scope == t.scope and not user.enabled
        assert user.branch_id is None and user.personal_data is t.personal_data
    grid = answer(call(login("admin"), "users-grid.rowData",
                       [("users-find", "n_clicks", 1), ("edit-message", "children", None)],
                       [("users-search", "value", "tpl-")]))["users-grid"]["rowData"]
    assert len(grid) == len(TEMPLATES)
    assert all(r["status"] == "模板 (不能登录)" and "启用" not in r["status"] for r in grid)
    assert {r["scope"] for r in grid} == {"公司", "支公司", "科室", "本人"}
    assert not any(u.enabled for u in list_users(settings.users_db, templates=True))


def test_a_grant_change_is_audited_before_and_after(login: Any, settings: Settings) -> None:
    user = create_user(settings.users_db, username="grant-audit", display_name="审计授权",
                       password="Audit-pass-2231", scope="branch", branch_id=1,
                       pages={"pnl-auto-cube"}, must_change_password=False)
    dept = store(settings, "SELECT min(dept_id) FROM department WHERE branch_id = 1")[0][0]
    out = answer(edit(login("admin"), "edit-save", {
        "edit-user": user.user_id, "edit-scope": "department", "edit-branch": "1",
        "edit-dept": str(dept), "edit-pages": ["pnl-auto-cube", "lapsed-auto"],
        "edit-pii": True, "edit-enabled": True}))
    assert "已保存" in json.dumps(out["edit-message"], ensure_ascii=False)
    changed = get_user(settings.users_db, user_id=user.user_id)
    assert changed is not None and changed.scope == "department" and changed.dept_id == dept
    row = next(e for e in query_audit(settings.users_db, event="user_updated")
               if "grant-audit" in e["detail"])
    diff = json.loads(row["detail"])["changes"]
    assert diff["scope"] == ["支公司", "科室"]
    assert diff["pages"] == [["pnl-auto-cube"], ["lapsed-auto", "pnl-auto-cube"]]
    assert diff["personal_data"] == [False, True]
    assert "enabled" not in diff and row["username"] == "admin"


def test_a_bad_edit_is_shown_at_the_field(login: Any, settings: Settings) -> None:
    user = create_user(settings.users_db, username="edit-bad", display_name="编辑校验",
                       password="Audit-pass-2231", scope="branch", branch_id=1,
                       pages={"pnl-auto-cube"}, must_change_password=False)
    out = answer(edit(login("admin"), "edit-save", {
        "edit-user": user.user_id, "edit-scope": "department", "edit-branch": "1",
        "edit-pages": ["pnl-auto-cube"], "edit-enabled": True}))
    assert "必须选择科室" in out["edit-dept"]["error"]
    assert get_user(settings.users_db, user_id=user.user_id).scope == "branch"  # type: ignore[union-attr]


def test_deleting_asks_first_then_clears_the_form(login: Any, settings: Settings) -> None:
    user = create_user(settings.users_db, username="del-me", display_name="待删除",
                       password="Audit-pass-2231", scope="company", pages={"pnl-auto-cube"},
                       must_change_password=False)
    admin = login("admin")
    asked = answer(call(admin, "delete-text.children",
                        [("edit-delete", "n_clicks", 1), ("delete-cancel", "n_clicks", None)],
                        [("edit-user", "data", user.user_id)]))
    assert asked["delete-confirm"]["opened"] is True and "del-me" in \
        asked["delete-text"]["children"]
    assert get_user(settings.users_db, user_id=user.user_id) is not None
    done = answer(edit(admin, "delete-yes", {"edit-user": user.user_id}))
    assert get_user(settings.users_db, user_id=user.user_id) is None
    assert done["edit-title"]["children"] == "选择一位用户后编辑"
    assert done["edit-user"]["data"] is None and done["users-grid"]["selectedRows"] == []
    assert done["edit-pages"]["value"] == [] and done["delete-confirm"]["opened"] is False
    gone = next(e for e in query_audit(settings.users_db, event="user_deleted")
                if "del-me" in e["detail"])
    assert json.loads(gone["detail"])["changes"]["scope"] == ["公司", None]


@pytest.mark.parametrize("who", ["gm", "branch01"])
def test_every_admin_callback_refuses_others(login: Any, settings: Settings, who: str) -> None:
    victim = create_user(settings.users_db, username=f"victim-{who}", display_name="受害者",
                         password="Audit-pass-2231", scope="company", pages={"pnl-auto-cube"},
                         must_change_password=False)
    client = login(who)
    assert edit(client, "delete-yes", {"edit-user": victim.user_id}).status_code == 403
    assert edit(client, "edit-save", {"edit-user": victim.user_id, "edit-scope": "company",
                                      "edit-pages": [], "edit-enabled": False}
                ).status_code == 403
    assert get_user(settings.users_db, user_id=victim.user_id).enabled  # type: ignore[union-attr]


def test_audit_export_is_for_administrators(login: Any) -> None:
    assert login("gm").get("/export/admin-audit.csv").status_code == 403
    resp = login("admin").get("/export/admin-audit.csv?event=login")
    assert resp.status_code == 200
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("时间") and "用户" in lines[0] and len(lines) > 1
