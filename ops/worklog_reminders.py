"""What a user is reminded of at sign-in (seed 000: 用户登录系统后, 系统会提醒展业人员本周将要
开展的工作): this week's planned work, plans returned for changes, renewals due of their
customers in the next 30 days, and claims their customers reported since they last
signed in (the store's claims, T+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from data.settings import Settings
from engines.base import Engine
from ops import db as ops_db
from ops import worklog_plans as plans
from ops.tables import audit
from ops.worklog_entries import local_today
from queries.access import Viewer
from queries.worklog_store import NewClaim, Renewal, claims_since, renewals_due

RENEWAL_DAYS = 30
CLAIMS_AT_LEAST_DAYS = 7  # a store behind the clock still shows its latest week


@dataclass(frozen=True)
class Reminders:
    week: tuple[date, date]
    planned: list[dict[str, Any]]
    returned: list[dict[str, Any]]
    renewals_total: int
    renewals: list[Renewal]
    claims_since: date
    claims_total: int
    claims: list[NewClaim]


def previous_sign_in(settings: Settings, username: str) -> date | None:
    """The local day of the sign-in before the current one, if any."""
    with ops_db.read(settings.users_db) as con:
        found = con.execute(select(audit.c.at).where(
            audit.c.username == username, audit.c.event == "login")
            .order_by(audit.c.audit_id.desc()).limit(2)).all()
    if len(found) < 2:
        return None
    at = datetime.fromisoformat(found[1].at).replace(tzinfo=ZoneInfo("UTC"))
    return at.astimezone(ZoneInfo(settings.time_zone)).date()


def reminders(engine: Engine, viewer: Viewer) -> Reminders:
    today = local_today(engine.settings)
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    planned = [p for p in plans.list_plans(engine, viewer, monday, sunday, mine=True)
               if p["status"] != "returned"]
    planned.sort(key=lambda p: (p["kind"] != "日常工作计划", p["start_date"]))
    returned = plans.list_plans(engine, viewer, status="returned", mine=True, limit=20)
    due_total, due = renewals_due(engine, viewer.scope, today, RENEWAL_DAYS)
    last = previous_sign_in(engine.settings, viewer.username)
    floor = today - timedelta(days=CLAIMS_AT_LEAST_DAYS - 1)
    since = min(last, floor) if last else floor
    claims_total, claims = claims_since(engine, viewer.scope, since)
    return Reminders((monday, sunday), planned, returned, due_total, due, since,
                     claims_total, claims)
