"""Users and grants in the operational store (``ops/``: SQLite beside the read-only
analytical store, or PostgreSQL), through SQLAlchemy Core."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, delete, insert, or_, select, update

from auth.passwords import hash_password
from data.settings import OpsDb
from ops import db as ops_db
from ops.audit import now_iso
from ops.tables import users
from queries import grants
from queries.access import DataScope, Viewer

USERNAME_MAX = 32
DISPLAY_NAME_MAX = 40
# 员工代码: letters, digits and . _ - (the store's staff codes and the demo users' names).
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

USER_FIELDS = (
    "username", "display_name", "role", "branch_id", "dept_id", "staff_id", "scope", "pages",
    "personal_data", "is_admin", "enabled", "must_change_password", "is_template",
)


def new_session_key() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class UserRecord:
    user_id: int
    username: str
    display_name: str
    role: str
    branch_id: int | None
    dept_id: int | None
    staff_id: int | None
    scope: str
    pages: frozenset[str]
    personal_data: bool
    is_admin: bool
    enabled: bool
    must_change_password: bool
    is_template: bool
    password_hash: str
    session_key: str = ""

    @classmethod
    def from_row(cls, found: Any) -> UserRecord:
        row = found._mapping
        return cls(
            user_id=row["user_id"], username=row["username"], display_name=row["display_name"],
            role=row["role"], branch_id=row["branch_id"], dept_id=row["dept_id"],
            staff_id=row["staff_id"], scope=row["scope"],
            pages=frozenset(json.loads(row["pages"])), personal_data=bool(row["personal_data"]),
            is_admin=bool(row["is_admin"]), enabled=bool(row["enabled"]),
            must_change_password=bool(row["must_change_password"]),
            is_template=bool(row["is_template"]), password_hash=row["password_hash"],
            session_key=row["session_key"],
        )

    def viewer(self) -> Viewer:
        scope = DataScope(self.scope, self.branch_id, self.dept_id, self.staff_id)  # type: ignore[arg-type]
        return Viewer(
            user_id=self.user_id, username=self.username, display_name=self.display_name,
            pages=grants.resolve(self.pages), scope=scope, personal_data=self.personal_data,
            is_admin=self.is_admin,
        )


def get_user(db: OpsDb, *, username: str | None = None, user_id: int | None = None
             ) -> UserRecord | None:
    where = users.c.username == username if username is not None else \
        users.c.user_id == user_id
    with ops_db.read(db) as con:
        row = con.execute(select(users).where(where)).first()
    return UserRecord.from_row(row) if row else None


def list_users(db: OpsDb, text: str = "", branch_id: int | None = None,
               templates: bool | None = None) -> list[UserRecord]:
    query = select(users).order_by(users.c.username)
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(users.c.username.ilike(like, escape="\\"),
                                users.c.display_name.ilike(like, escape="\\")))
    if branch_id is not None:
        query = query.where(users.c.branch_id == branch_id)
    if templates is not None:
        query = query.where(users.c.is_template == int(templates))
    with ops_db.read(db) as con:
        rows = con.execute(query).all()
    return [UserRecord.from_row(r) for r in rows]


class UserError(ValueError):
    """A change to users that is refused, with a message for the administrator."""


def validate_pages(pages: set[str] | frozenset[str]) -> list[str]:
    unknown = grants.unknown(pages)
    if unknown:
        raise UserError(f"未知页面: {', '.join(unknown)}")
    return sorted(pages)


def username_problem(username: str) -> str | None:
    if not username:
        return "员工代码不能为空"
    if len(username) > USERNAME_MAX:
        return f"员工代码最多 {USERNAME_MAX} 个字符"
    if not USERNAME_PATTERN.match(username):
        return "员工代码只能包含字母、数字和 . _ - , 且以字母或数字开头"
    return None


def display_name_problem(name: str) -> str | None:
    if not name:
        return "姓名不能为空"
    if len(name) > DISPLAY_NAME_MAX:
        return f"姓名最多 {DISPLAY_NAME_MAX} 个字符"
    return None


def _check_scope(scope: str, branch_id: object, dept_id: object, staff_id: object,
                 is_template: bool) -> None:
    # A template carries only the level: the concrete branch comes with each copy.
    if is_template:
        if scope not in ("company", "branch", "department", "self"):
            raise UserError(f"未知数据范围: {scope}")
        return
    DataScope(scope, branch_id, dept_id, staff_id)  # type: ignore[arg-type]


# One keyword per column of a user's row, every call naming them (the admin pages, the
# templates, the demo users, the command line).
def create_user(db: OpsDb, *, username: str, display_name: str, password: str, scope: str,  # noqa: PLR0913
                pages: set[str] | frozenset[str], role: str = "", branch_id: int | None = None,
                dept_id: int | None = None, staff_id: int | None = None,
                personal_data: bool = False, is_admin: bool = False,
                must_change_password: bool = True, is_template: bool = False,
                password_hash: str | None = None) -> UserRecord:
    """A new user; ``password_hash`` (a hash of ``password`` made before) spares hashing
    again when demo users share one password."""
    username, display_name = username.strip(), display_name.strip() or username.strip()
    problem = username_problem(username) or display_name_problem(display_name)
    if problem:
        raise UserError(problem)
    _check_scope(scope, branch_id, dept_id, staff_id, is_template)
    password_hash = password_hash or hash_password(password)
    with ops_db.write(db, lock="users") as con:
        if con.execute(select(users.c.user_id).where(users.c.username == username)).first():
            raise UserError(f"员工代码 {username} 已存在")
        con.execute(insert(users).values(
            username=username, display_name=display_name, role=role, branch_id=branch_id,
            dept_id=dept_id, staff_id=staff_id, scope=scope,
            pages=json.dumps(validate_pages(pages)), personal_data=int(personal_data),
            is_admin=int(is_admin), enabled=int(not is_template), password_hash=password_hash,
            must_change_password=int(must_change_password), is_template=int(is_template),
            created_at=now_iso(), session_key=new_session_key()))
    user = get_user(db, username=username)
    assert user is not None
    return user


def enabled_admins(con: Connection) -> list[int]:
    rows = con.execute(select(users.c.user_id).where(
        users.c.is_admin == 1, users.c.enabled == 1, users.c.is_template == 0)).all()
    return [r[0] for r in rows]


def _guard_last_admin(con: Connection, user_id: int, stays_admin: bool) -> None:
    admins = enabled_admins(con)
    if not stays_admin and admins == [user_id]:
        raise UserError("不能删除、停用或撤销最后一位系统管理员")


def update_user(db: OpsDb, user_id: int, **changes: object) -> UserRecord:
    """Change a user; a new password or disabling ends every session of the user."""
    unknown = set(changes) - set(USER_FIELDS) - {"password_hash"}
    if unknown:
        raise UserError(f"不能修改字段: {', '.join(sorted(unknown))}")
    current = get_user(db, user_id=user_id)
    if current is None:
        raise UserError("用户不存在")
    if current.is_template and changes.get("enabled"):
        raise UserError("模板用户不能登录, 不能启用")
    if "pages" in changes:
        pages = cast("Iterable[str]", changes["pages"])  # a field's value, as the caller gave it
        changes["pages"] = json.dumps(validate_pages(set(pages)))
    merged = {**current.__dict__, **{k: v for k, v in changes.items() if k != "pages"}}
    _check_scope(merged["scope"], merged["branch_id"], merged["dept_id"], merged["staff_id"],
                 current.is_template)
    if "password_hash" in changes or changes.get("enabled") is False:
        changes["session_key"] = new_session_key()
    # The ``users`` lock row: two administrators demoting the last two admins at once
    # cannot both pass the check (on PostgreSQL too).
    with ops_db.write(db, lock="users") as con:
        stays = bool(merged["is_admin"]) and bool(merged["enabled"])
        if current.is_admin and current.enabled:
            _guard_last_admin(con, user_id, stays)
        values = {k: int(v) if isinstance(v, bool) else v for k, v in changes.items()}
        con.execute(update(users).where(users.c.user_id == user_id).values(**values))
    updated = get_user(db, user_id=user_id)
    assert updated is not None
    return updated


def end_sessions(db: OpsDb, user_id: int) -> None:
    """Every cookie of the user stops working on its next request (sign-out)."""
    with ops_db.write(db) as con:
        con.execute(update(users).where(users.c.user_id == user_id)
                    .values(session_key=new_session_key()))


def delete_user(db: OpsDb, user_id: int) -> None:
    with ops_db.write(db, lock="users") as con:
        row = con.execute(select(users.c.is_admin, users.c.enabled)
                          .where(users.c.user_id == user_id)).first()
        if row is None:
            raise UserError("用户不存在")
        if row.is_admin and row.enabled:
            _guard_last_admin(con, user_id, stays_admin=False)
        con.execute(delete(users).where(users.c.user_id == user_id))
