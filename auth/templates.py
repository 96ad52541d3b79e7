"""Role templates of ACCESS.md and the demo users created with the demo store.

Templates are users flagged ``is_template`` (they cannot sign in); a new user is made
by copying one (seed 6.1) and adjusting. Demo users map to generated staff who have
real business, found in the store rather than hard-coded.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth.passwords import one_time_password
from auth.users import UserRecord, create_user, get_user, update_user
from data.settings import OpsDb
from engines.base import Engine
from queries.areas import REPORT_AREAS, WORKLOG_AREA
from queries.demo_people import find_demo_people
from queries.grants import area_grant, tag_grant
from queries.menu import ADMIN_SLUGS

DEMO_PASSWORD = "demo-pass-2026"

# Roles grant page sets (queries/grants.py), so a report added to an area reaches every
# role covering that area; explicit slugs only where a role takes one page of an area.
# The customer-data area is the 客户信息管理员's work (decisions on customers): of the
# managers only the 总经理 holds it, others are granted it one by one.
ALL_REPORTS = tuple(area_grant(a) for a in REPORT_AREAS if a != "customer_data")
CLAIMS_PAGES = (area_grant("claims"), "property-risk")
FINANCE_PAGES = (area_grant("receivable"), area_grant("commission"),
                 "premium-received-monthly", "premium-received-daily")
SALES_PAGES = (tag_grant("sales"), area_grant(WORKLOG_AREA))
# 客户信息管理员: the customer-data lists and the review and rule pages of that area.
STEWARD_PAGES = (area_grant("customer_data"),)


@dataclass(frozen=True)
class Template:
    key: str  # template user's code
    role: str  # Chinese role name
    scope: str
    pages: tuple[str, ...]  # grants: page sets and slugs
    personal_data: bool
    is_admin: bool = False


TEMPLATES: tuple[Template, ...] = (
    Template("tpl-gm", "总经理", "company", (*ALL_REPORTS, STEWARD_PAGES[0]), True),
    Template("tpl-branch", "支公司经理", "branch", ALL_REPORTS, True),
    Template("tpl-section", "科长", "department", ALL_REPORTS, False),
    Template("tpl-sales", "业务员", "self", SALES_PAGES, True),
    Template("tpl-claims", "理赔主管", "branch", CLAIMS_PAGES, True),
    Template("tpl-finance", "财务", "company", FINANCE_PAGES, False),
    Template("tpl-admin", "系统管理员", "company", ADMIN_SLUGS, False, is_admin=True),
    Template("tpl-steward", "客户信息管理员", "branch", STEWARD_PAGES, True),
)
TEMPLATE_BY_ROLE = {t.role: t for t in TEMPLATES}


def ensure_templates(db: OpsDb) -> None:
    """The templates exist, each with its scope level, no concrete branch and the grants
    declared above (re-synchronised at every start); templates of earlier versions (all
    公司, enabled) are corrected in place."""
    for t in TEMPLATES:
        found = get_user(db, username=t.key)
        if found is None:
            create_user(db, username=t.key, display_name=f"{t.role}(模板)",
                        password=one_time_password(), scope=t.scope, pages=set(t.pages),
                        role=t.role, personal_data=t.personal_data, is_admin=t.is_admin,
                        must_change_password=False, is_template=True)
        elif found.is_template:
            wrong_level = found.branch_id is None and found.scope == "company" != t.scope
            if found.enabled or wrong_level:
                update_user(db, found.user_id, scope=t.scope if wrong_level else found.scope,
                            enabled=False)
            if found.pages != frozenset(t.pages):
                update_user(db, found.user_id, pages=set(t.pages))


def template_for(db: OpsDb, key: str) -> UserRecord | None:
    """The template user named ``key`` (as 6.2 shows it, e.g. tpl-branch), if any."""
    user = get_user(db, username=key)
    return user if user is not None and user.is_template else None


def ensure_demo_users(engine: Engine) -> None:
    """Templates plus, on a generated demo store only, one demo user per template
    (idempotent). An imported store gets none: its first administrator comes from
    ``auth.admin create-admin``."""
    db: OpsDb = engine.settings.users_db
    ensure_templates(db)
    people = find_demo_people(engine)
    if people is None:
        return
    demo: tuple[tuple[str, str, str, dict[str, int]], ...] = (
        ("admin", "系统管理员", "系统管理员", {}),
        ("gm", "总经理", "总经理", {}),
        ("branch01", "支公司经理", "支公司经理", {"branch_id": people.branch_id}),
        ("section01", "科长", "科长", {"branch_id": people.branch_id,
                                       "dept_id": people.dept_id}),
        ("sales01", "业务员", people.sales_name, {
            "branch_id": people.branch_id, "dept_id": people.dept_id,
            "staff_id": people.sales_staff_id}),
        ("claims01", "理赔主管", "理赔主管", {"branch_id": people.branch_id,
                                           "staff_id": people.claims_staff_id}),
        ("finance01", "财务", "财务", {"branch_id": people.branch_id,
                                       "staff_id": people.finance_staff_id}),
        ("steward01", "客户信息管理员", "客户信息管理员", {"branch_id": people.branch_id}),
    )
    for username, role, name, org in demo:
        if get_user(db, username=username) is not None:
            continue
        t = TEMPLATE_BY_ROLE[role]
        create_user(db, username=username, display_name=name, password=DEMO_PASSWORD,
                    scope=t.scope, pages=set(t.pages), role=role,
                    personal_data=t.personal_data, is_admin=t.is_admin,
                    must_change_password=False, branch_id=org.get("branch_id"),
                    dept_id=org.get("dept_id"), staff_id=org.get("staff_id"))
    from auth.worklog_demo import ensure_worklog_demo

    ensure_worklog_demo(engine, people, DEMO_PASSWORD)
