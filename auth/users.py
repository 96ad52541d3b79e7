"""Users, grants and audit in a small SQLite database beside the (read-only) store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auth.passwords import hash_password
from queries.access import DataScope, Viewer
from queries.menu import PAGE_BY_SLUG

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id        INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,       -- 员工代码
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT '',   -- the template it was copied from
    branch_id      INTEGER,
    dept_id        INTEGER,
    staff_id       INTEGER,
    scope          TEXT NOT NULL CHECK (scope IN ('company', 'branch', 'department', 'self')),
    pages          TEXT NOT NULL DEFAULT '[]', -- JSON list of page slugs
    personal_data  INTEGER NOT NULL DEFAULT 0,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    enabled        INTEGER NOT NULL DEFAULT 1,
    password_hash  TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    is_template    INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    username TEXT,
    event    TEXT NOT NULL,
    page     TEXT,
    detail   TEXT,
    rows     INTEGER,
    ip       TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
"""

USER_FIELDS = (
    "username", "display_name", "role", "branch_id", "dept_id", "staff_id", "scope", "pages",
    "personal_data", "is_admin", "enabled", "must_change_password", "is_template",
)


def now_iso() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


@contextmanager
def connect(db: Path) -> Iterator[sqlite3.Connection]:
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, timeout=10)
    con.row_factory = sqlite3.Row
    try:
        con.executescript(SCHEMA) if not _initialised(con) else None
        yield con
        con.commit()
    finally:
        con.close()


def _initialised(con: sqlite3.Connection) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit'").fetchone()
    return row is not None


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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> UserRecord:
        return cls(
            user_id=row["user_id"], username=row["username"], display_name=row["display_name"],
            role=row["role"], branch_id=row["branch_id"], dept_id=row["dept_id"],
            staff_id=row["staff_id"], scope=row["scope"],
            pages=frozenset(json.loads(row["pages"])), personal_data=bool(row["personal_data"]),
            is_admin=bool(row["is_admin"]), enabled=bool(row["enabled"]),
            must_change_password=bool(row["must_change_password"]),
            is_template=bool(row["is_template"]), password_hash=row["password_hash"],
        )

    def viewer(self) -> Viewer:
        scope = DataScope(self.scope, self.branch_id, self.dept_id, self.staff_id)  # type: ignore[arg-type]
        return Viewer(
            user_id=self.user_id, username=self.username, display_name=self.display_name,
            pages=self.pages, scope=scope, personal_data=self.personal_data,
            is_admin=self.is_admin,
        )


def get_user(db: Path, *, username: str | None = None, user_id: int | None = None
             ) -> UserRecord | None:
    with connect(db) as con:
        if username is not None:
            row = con.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        else:
            row = con.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return UserRecord.from_row(row) if row else None


def list_users(db: Path, text: str = "", branch_id: int | None = None,
               templates: bool | None = None) -> list[UserRecord]:
    sql, args = "SELECT * FROM users WHERE 1 = 1", []
    if text:
        sql += " AND (username LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\')"
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        args += [like, like]
    if branch_id is not None:
        sql += " AND branch_id = ?"
        args.append(branch_id)
    if templates is not None:
        sql += " AND is_template = ?"
        args.append(int(templates))
    with connect(db) as con:
        rows = con.execute(sql + " ORDER BY username", args).fetchall()
    return [UserRecord.from_row(r) for r in rows]


class UserError(ValueError):
    """A change to users that is refused, with a message for the administrator."""


def validate_pages(pages: set[str] | frozenset[str]) -> list[str]:
    unknown = sorted(p for p in pages if p not in PAGE_BY_SLUG)
    if unknown:
        raise UserError(f"未知页面: {', '.join(unknown)}")
    return sorted(pages)


def create_user(db: Path, *, username: str, display_name: str, password: str, scope: str,
                pages: set[str] | frozenset[str], role: str = "", branch_id: int | None = None,
                dept_id: int | None = None, staff_id: int | None = None,
                personal_data: bool = False, is_admin: bool = False,
                must_change_password: bool = True, is_template: bool = False) -> UserRecord:
    username = username.strip()
    if not username:
        raise UserError("员工代码不能为空")
    DataScope(scope, branch_id, dept_id, staff_id)  # type: ignore[arg-type]
    with connect(db) as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise UserError(f"员工代码 {username} 已存在")
        con.execute(
            "INSERT INTO users (username, display_name, role, branch_id, dept_id, staff_id, "
            "scope, pages, personal_data, is_admin, enabled, password_hash, "
            "must_change_password, is_template, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (username, display_name.strip() or username, role, branch_id, dept_id, staff_id,
             scope, json.dumps(validate_pages(pages)), int(personal_data), int(is_admin),
             hash_password(password), int(must_change_password), int(is_template), now_iso()),
        )
    user = get_user(db, username=username)
    assert user is not None
    return user


def enabled_admins(con: sqlite3.Connection) -> list[int]:
    rows = con.execute(
        "SELECT user_id FROM users WHERE is_admin = 1 AND enabled = 1 AND is_template = 0"
    ).fetchall()
    return [r[0] for r in rows]


def _guard_last_admin(con: sqlite3.Connection, user_id: int, stays_admin: bool) -> None:
    admins = enabled_admins(con)
    if not stays_admin and admins == [user_id]:
        raise UserError("不能删除、停用或撤销最后一位系统管理员")


def update_user(db: Path, user_id: int, **changes: object) -> UserRecord:
    unknown = set(changes) - set(USER_FIELDS) - {"password_hash"}
    if unknown:
        raise UserError(f"不能修改字段: {', '.join(sorted(unknown))}")
    current = get_user(db, user_id=user_id)
    if current is None:
        raise UserError("用户不存在")
    if "pages" in changes:
        changes["pages"] = json.dumps(validate_pages(set(changes["pages"])))  # type: ignore[arg-type]
    merged = {**current.__dict__, **{k: v for k, v in changes.items() if k != "pages"}}
    DataScope(merged["scope"], merged["branch_id"], merged["dept_id"], merged["staff_id"])
    with connect(db) as con:
        stays = bool(merged["is_admin"]) and bool(merged["enabled"])
        if current.is_admin and current.enabled:
            _guard_last_admin(con, user_id, stays)
        sets = ", ".join(f"{k} = ?" for k in changes)
        values = [int(v) if isinstance(v, bool) else v for v in changes.values()]
        con.execute(f"UPDATE users SET {sets} WHERE user_id = ?", [*values, user_id])
    updated = get_user(db, user_id=user_id)
    assert updated is not None
    return updated


def delete_user(db: Path, user_id: int) -> None:
    with connect(db) as con:
        row = con.execute("SELECT is_admin, enabled FROM users WHERE user_id = ?",
                          (user_id,)).fetchone()
        if row is None:
            raise UserError("用户不存在")
        if row["is_admin"] and row["enabled"]:
            _guard_last_admin(con, user_id, stays_admin=False)
        con.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
