"""What an administrator does to accounts, for the 6.1/6.2 pages and the command line
alike: copy a template into a user (with a real branch, department or staff member),
change grants, delete; every change audited as before → after.

Field errors come back keyed by form field, so the page shows each at its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auth import audit
from auth.org import Org, load_org
from auth.users import (
    UserError,
    UserRecord,
    create_user,
    delete_user,
    display_name_problem,
    get_user,
    update_user,
    username_problem,
)
from engines.base import Engine
from queries import export_jobs
from queries.access import SCOPE_LABELS

NEEDS = {"company": (), "branch": ("branch",), "department": ("branch", "dept"),
         "self": ("branch", "dept", "staff")}
FIELD_LABELS = {"username": "员工代码", "display_name": "姓名", "scope": "数据范围",
                "branch": "支公司", "dept": "科室", "staff": "员工", "template": "模板",
                "pages": "可用页面", "personal_data": "个人信息", "is_admin": "系统管理员",
                "enabled": "状态"}


class FieldErrors(UserError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Grants:
    scope: str
    branch_id: int | None
    dept_id: int | None
    staff_id: int | None
    pages: frozenset[str]
    personal_data: bool
    is_admin: bool


def check_org(org: Org, scope: str, branch_id: int | None, dept_id: int | None,
              staff_id: int | None) -> dict[str, str]:
    """Messages by field: what the scope level needs, and that the units exist and
    belong together (the department in the branch, the staff member in the department)."""
    if scope not in NEEDS:
        return {"scope": "请选择数据范围"}
    errors: dict[str, str] = {}
    given = {"branch": branch_id, "dept": dept_id, "staff": staff_id}
    for name in NEEDS[scope]:
        if given[name] is None:
            errors[name] = f"数据范围为{SCOPE_LABELS[scope]}时必须选择{FIELD_LABELS[name]}"
    if branch_id is not None and branch_id not in org.branches:
        errors["branch"] = "该支公司不存在"
    if dept_id is not None:
        dept = org.departments.get(dept_id)
        if dept is None:
            errors["dept"] = "该科室不存在"
        elif branch_id is not None and dept.branch_id != branch_id:
            errors["dept"] = "该科室不属于所选支公司"
    if staff_id is not None:
        staff = org.staff.get(staff_id)
        if staff is None:
            errors["staff"] = "该员工不存在"
        elif dept_id is not None and staff.dept_id != dept_id:
            errors["staff"] = "该员工不在所选科室"
        elif branch_id is not None and staff.branch_id != branch_id:
            errors["staff"] = "该员工不属于所选支公司"
    return errors


def _readable(org: Org, user: UserRecord | Grants) -> dict[str, Any]:
    """The grants as the audit shows them (names, not ids, as they were at the time)."""
    values = {
        "scope": SCOPE_LABELS.get(user.scope, user.scope),
        "org": org.describe(user.branch_id, user.dept_id, user.staff_id) or "—",
        "pages": sorted(user.pages), "personal_data": user.personal_data,
        "is_admin": user.is_admin,
    }
    if isinstance(user, UserRecord):
        values["enabled"] = user.enabled
    return values


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None
            ) -> dict[str, list[Any]]:
    keys = list((after or before or {}).keys())
    return {k: [(before or {}).get(k), (after or {}).get(k)] for k in keys
            if (before or {}).get(k) != (after or {}).get(k)}


def create_from_template(engine: Engine, *, username: str, display_name: str,
                         template: UserRecord | None, grants: Grants, password: str,
                         page: str | None, actor: str | None = None) -> UserRecord:
    username, display_name = (username or "").strip(), (display_name or "").strip()
    errors = {k: v for k, v in (("username", username_problem(username)),
                                ("display_name", display_name_problem(display_name))) if v}
    if template is None:
        errors["template"] = "请选择参照的模板或用户"
    org = load_org(engine)
    errors.update(check_org(org, grants.scope, grants.branch_id, grants.dept_id,
                            grants.staff_id))
    if not errors and get_user(engine.settings.users_db, username=username) is not None:
        errors["username"] = f"员工代码 {username} 已存在"
    if errors:
        raise FieldErrors(errors)
    assert template is not None
    user = create_user(engine.settings.users_db, username=username, display_name=display_name,
                       password=password, scope=grants.scope, pages=grants.pages,
                       role=template.role, branch_id=grants.branch_id, dept_id=grants.dept_id,
                       staff_id=grants.staff_id, personal_data=grants.personal_data,
                       is_admin=grants.is_admin, must_change_password=True)
    audit.record("user_created", page=page, username=actor, db=engine.settings.users_db, detail={
        "user": username, "name": display_name, "template": template.username,
        "changes": changes(None, _readable(org, user))})
    return user


def change_grants(engine: Engine, user: UserRecord, grants: Grants, enabled: bool,
                  page: str) -> UserRecord:
    org = load_org(engine)
    if not user.is_template:
        errors = check_org(org, grants.scope, grants.branch_id, grants.dept_id,
                           grants.staff_id)
        if errors:
            raise FieldErrors(errors)
    elif grants.scope not in NEEDS:
        raise FieldErrors({"scope": "请选择数据范围"})
    org_ids = ({"branch_id": None, "dept_id": None, "staff_id": None} if user.is_template
               else {"branch_id": grants.branch_id, "dept_id": grants.dept_id,
                     "staff_id": grants.staff_id})
    updated = update_user(engine.settings.users_db, user.user_id, scope=grants.scope, **org_ids,
                          pages=set(grants.pages), personal_data=grants.personal_data,
                          is_admin=grants.is_admin,
                          **({} if user.is_template else {"enabled": enabled}))
    diff = changes(_readable(org, user), _readable(org, updated))
    if diff:
        audit.record("user_updated", page=page, detail={"user": user.username,
                                                        "changes": diff})
    return updated


def delete_account(engine: Engine, user: UserRecord, page: str) -> int:
    """Delete the user (their sessions end with them) and their export jobs and files."""
    before = _readable(load_org(engine), user)
    delete_user(engine.settings.users_db, user.user_id)
    jobs = export_jobs.remove_user_jobs(engine.settings, user.user_id)
    audit.record("user_deleted", page=page, detail={
        "user": user.username, "name": user.display_name, "export_jobs": jobs,
        "changes": changes(before, None)})
    return jobs
