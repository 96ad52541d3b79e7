"""New customers entered on the spot in the work log (间接客户、代理客户、集团客户): what
customer resolution reads of them, and the 客户代码 under which each is a record of the
source system 工作日志 in the analytical store.

One record per author and name: the prospect a salesperson plans to visit and then
writes notes about is one record, whatever the plans and notes repeat of it, and its
code is derived from those two, so the same prospect keeps its code (and so its
统一客户号) from load to load. Light on imports: the store build reads it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ops.worklog_tables import worklog_entries, worklog_plan_customers, worklog_plans

SOURCE_SYSTEM = "工作日志"
_SPACE = re.compile(r"\s+")


def prospect_name(name: str | None) -> str:
    """The name as the code reads it: without spaces at the ends, inner runs as one."""
    return _SPACE.sub(" ", (name or "").strip())


def prospect_code(user_id: int, name: str | None) -> str:
    """The 客户代码 of the author's prospect of this name (e.g. ``WL5-3F9A1C2B7D``)."""
    digest = hashlib.sha1(prospect_name(name).encode("utf-8")).hexdigest()[:10].upper()
    return f"WL{int(user_id)}-{digest}"


@dataclass(frozen=True)
class Prospect:
    """One prospect as a customer record, with its author's organisation (the scope of
    the master customer it joins)."""

    customer_code: str
    customer_name: str
    prospect_kind: str
    phone: str | None
    id_no: str | None
    user_id: int
    staff_id: int | None
    dept_id: int | None
    branch_id: int | None


def _merge(found: dict[str, dict[str, Any]], row: Any, phone: Any, id_no: Any) -> None:
    """Later rows win for kind and organisation; a phone or ID once given stays."""
    name = prospect_name(row.customer_name)
    if not name:
        return
    code = prospect_code(row.user_id, name)
    was = found.get(code, {})
    found[code] = {"customer_code": code, "customer_name": name,
                   "prospect_kind": row.prospect_kind, "user_id": int(row.user_id),
                   "staff_id": row.staff_id, "dept_id": row.dept_id, "branch_id": row.branch_id,
                   "phone": (phone or "").strip() or was.get("phone"),
                   "id_no": (id_no or "").strip() or was.get("id_no")}


def read_prospects(con: Connection) -> list[Prospect]:
    """Every prospect of the plans and of the notes that count (not deleted, not
    replaced), oldest first so the latest word wins, in code order."""
    pc, p, e = worklog_plan_customers, worklog_plans, worklog_entries
    found: dict[str, dict[str, Any]] = {}
    planned = con.execute(
        select(pc.c.user_id, pc.c.staff_id, pc.c.dept_id, pc.c.branch_id, pc.c.customer_name,
               pc.c.prospect_kind, pc.c.prospect_phone, pc.c.prospect_id_no)
        .select_from(pc.join(p, p.c.plan_id == pc.c.plan_id))
        .where(pc.c.customer_code.is_(None), pc.c.prospect_kind.is_not(None))
        .order_by(p.c.updated_at, pc.c.plan_customer_id)).all()
    for row in planned:
        _merge(found, row, row.prospect_phone, row.prospect_id_no)
    noted = con.execute(
        select(e.c.user_id, e.c.staff_id, e.c.dept_id, e.c.branch_id, e.c.customer_name,
               e.c.prospect_kind)
        .where(e.c.customer_code.is_(None), e.c.prospect_kind.is_not(None),
               e.c.deleted_at.is_(None), e.c.superseded_by.is_(None))
        .order_by(e.c.entry_id)).all()
    for note in noted:
        code = prospect_code(note.user_id, note.customer_name)
        if code in found:  # the plan's record already says more (phone, ID)
            continue
        _merge(found, note, None, None)
    return [Prospect(**found[c]) for c in sorted(found)]
