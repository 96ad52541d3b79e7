"""The demo's work-log staff besides sales01: a colleague in sales01's department
(sales02), the busiest 业务员 of each other department of branch 1 (sales03, sales04 …),
and a 科长 for the second department (section02), so approvals go to section01,
section02 and, where a department has no 科长 account, branch01. Then a year of their
plans, notes and expenses (``ops.worklog_demo``)."""

from __future__ import annotations

from auth.users import UserRecord, create_user, get_user
from engines.base import Engine
from ops.worklog_demo import seed_worklog
from queries.demo_people import DemoPeople
from queries.worklog_store import demo_colleagues

MAX_COLLEAGUES = 3


def ensure_worklog_demo(engine: Engine, people: DemoPeople, password: str) -> None:
    from auth.templates import TEMPLATE_BY_ROLE

    colleagues = demo_colleagues(engine, people.branch_id, people.dept_id,
                                 people.sales_staff_id)[:MAX_COLLEAGUES]
    wanted: list[tuple[str, str, str, dict[str, int]]] = [
        (f"sales{i:02d}", "业务员", c.name, {"branch_id": c.branch_id, "dept_id": c.dept_id,
                                            "staff_id": c.staff_id})
        for i, c in enumerate(colleagues, start=2)]
    other_dept = next((c.dept_id for c in colleagues if c.dept_id != people.dept_id), None)
    if other_dept is not None:
        wanted.append(("section02", "科长", "科长(二)", {"branch_id": people.branch_id,
                                                         "dept_id": other_dept}))
    db = engine.settings.users_db
    first = get_user(db, username="sales01")
    for username, role, name, org in wanted:
        if get_user(db, username=username) is None:
            t = TEMPLATE_BY_ROLE[role]
            create_user(db, username=username, display_name=name, password=password,
                        scope=t.scope, pages=set(t.pages), role=role,
                        personal_data=t.personal_data, is_admin=t.is_admin,
                        must_change_password=False, branch_id=org.get("branch_id"),
                        dept_id=org.get("dept_id"), staff_id=org.get("staff_id"),
                        password_hash=first.password_hash if first else None)
    staff: list[UserRecord] = [u for u in (get_user(db, username=n) for n in
                                           ("sales01", *(w[0] for w in wanted if w[1] == "业务员")))
                               if u is not None and u.role == "业务员"]
    seed_worklog(engine, staff)
