"""Who writes, who sees, who approves in the 工作日志, and what every write does besides
its own rows (the change counter, the audit row) in the same transaction.

Seeing follows the data scope of the server-side session, as the reports do: 本人 sees
their own rows (``user_id``), 科室 the department's, 支公司 the branch's, 公司 all.
Approving follows the organisation: a plan goes to the 科长 of its author's department,
else the 支公司经理 of the branch, else a 总经理.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Table, select, true, update

from ops.audit import now_iso, record_in
from ops.tables import users
from ops.worklog_fields import WorklogError
from ops.worklog_tables import worklog_changes
from queries.access import Viewer

SECTION_HEAD, BRANCH_MANAGER, GENERAL_MANAGER = "科长", "支公司经理", "总经理"
# Above each role, the roles a plan goes to, nearest first.
CHAIN: dict[str, tuple[str, ...]] = {
    SECTION_HEAD: (BRANCH_MANAGER, GENERAL_MANAGER),
    BRANCH_MANAGER: (GENERAL_MANAGER,),
    GENERAL_MANAGER: (),
}
STAFF_CHAIN = (SECTION_HEAD, BRANCH_MANAGER, GENERAL_MANAGER)


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the 工作日志 needs them: the session's viewer, the role of
    their user row, and the client address for the audit."""

    viewer: Viewer
    role: str
    ip: str | None = None

    @property
    def user_id(self) -> int:
        return self.viewer.user_id

    def author(self) -> dict[str, Any]:
        """The author columns of a row this user writes (copied now, kept forever)."""
        s = self.viewer.scope
        return {"user_id": self.viewer.user_id, "author_name": self.viewer.display_name,
                "staff_id": s.staff_id, "dept_id": s.dept_id, "branch_id": s.branch_id}


def actor_of(con: Connection, viewer: Viewer, ip: str | None = None) -> Actor:
    role = con.execute(select(users.c.role).where(users.c.user_id == viewer.user_id)
                       ).scalar_one_or_none()
    return Actor(viewer, role or "", ip)


def in_scope(table: Table, viewer: Viewer) -> ColumnElement[bool]:
    """The rows of ``table`` the viewer may see (by its author columns)."""
    s = viewer.scope
    c: Any = table.c
    if s.level == "company":
        return true()
    if s.level == "branch":
        return c.branch_id == s.branch_id
    if s.level == "department":
        return c.dept_id == s.dept_id
    return c.user_id == viewer.user_id


def row_in_scope(row: Any, viewer: Viewer) -> bool:
    s = viewer.scope
    return {"company": True, "branch": row.branch_id == s.branch_id,
            "department": row.dept_id == s.dept_id,
            "self": row.user_id == viewer.user_id}[s.level]


def one_in_scope(con: Connection, table: Table, key: Column[int], value: int,
                 viewer: Viewer, *, what: str) -> Any:
    """The row ``key = value`` if the viewer may see it; 404 otherwise (a row outside
    the scope is not told apart from one that does not exist)."""
    row = con.execute(select(table).where(key == value, in_scope(table, viewer))).first()
    if row is None:
        raise WorklogError(key.name, f"没有这条{what} (编号 {value})", 404)
    return row


def reviewer_for(con: Connection, role: str, user_id: int, dept_id: int | None,
                 branch_id: int | None) -> tuple[int, str]:
    """(user_id, name) of the user a plan of this author goes to."""
    for wanted in CHAIN.get(role, STAFF_CHAIN):
        where = [users.c.role == wanted, users.c.enabled == 1, users.c.is_template == 0,
                 users.c.user_id != user_id]
        if wanted == SECTION_HEAD:
            if dept_id is None:
                continue
            where.append(users.c.dept_id == dept_id)
        elif wanted == BRANCH_MANAGER:
            if branch_id is None:
                continue
            where.append(users.c.branch_id == branch_id)
        found = con.execute(select(users.c.user_id, users.c.display_name).where(*where)
                            .order_by(users.c.user_id).limit(1)).first()
        if found is not None:
            return int(found.user_id), str(found.display_name)
    raise WorklogError("plan_id", "找不到审批人: 本科室没有科长, 本支公司没有经理, "
                                  "也没有总经理账号, 请联系系统管理员", 409)


def may_review(actor: Actor, plan: Any) -> bool:
    """The user the plan went to decides; the branch's manager and a 总经理 may decide in
    their place. Nobody decides on their own plan."""
    if plan.user_id == actor.user_id:
        return False
    if plan.reviewer_user_id == actor.user_id:
        return True
    if actor.role == GENERAL_MANAGER:
        return True
    return actor.role == BRANCH_MANAGER and plan.branch_id == actor.viewer.scope.branch_id


def wrote(con: Connection, actor: Actor, event: str, page: str,
          detail: dict[str, Any]) -> None:
    """What every 工作日志 write does in its own transaction: bump the change counter
    (readers of copies notice) and write its audit row."""
    con.execute(update(worklog_changes).where(worklog_changes.c.counter_id == 1)
                .values(version=worklog_changes.c.version + 1, changed_at=now_iso()))
    record_in(con, event, username=actor.viewer.username, page=page, detail=detail,
              ip=actor.ip)
