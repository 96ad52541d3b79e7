"""Failed sign-ins lock a 员工代码, and a client address, for a while.

An attempt is counted *before* its password is checked, in the same write transaction
as the count it is checked against: of any number of simultaneous attempts (in any
worker) at most the limit are evaluated. A successful sign-in clears the user's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select

from auth.users import now_iso
from data.settings import OpsDb
from ops import db as ops_db
from ops.tables import login_failures


@dataclass(frozen=True)
class Limits:
    per_user: int
    per_address: int
    minutes: int


@dataclass(frozen=True)
class Locked:
    until: datetime  # UTC
    by_address: bool


def reserve_attempt(db: OpsDb, username: str, ip: str | None, limits: Limits
                    ) -> Locked | None:
    """Count one attempt as failed and return None, or refuse it (``Locked``) when the
    user or the address already has too many failures in the window."""
    since = (datetime.now(UTC) - timedelta(minutes=limits.minutes)).replace(tzinfo=None)
    since_iso = since.isoformat(timespec="seconds")
    counted = select(func.min(login_failures.c.at), func.count())
    # The ``users`` lock row serialises the count and the insert on PostgreSQL as the
    # write lock does on SQLite.
    with ops_db.write(db, lock="users") as con:
        first_user, n_user = con.execute(counted.where(
            login_failures.c.username == username, login_failures.c.at >= since_iso)).one()
        if n_user >= limits.per_user:
            return Locked(_until(first_user, limits), by_address=False)
        if ip:
            first_ip, n_ip = con.execute(counted.where(
                login_failures.c.ip == ip, login_failures.c.at >= since_iso)).one()
            if n_ip >= limits.per_address:
                return Locked(_until(first_ip, limits), by_address=True)
        con.execute(insert(login_failures).values(username=username, at=now_iso(), ip=ip))
    return None


def _until(first: str, limits: Limits) -> datetime:
    return datetime.fromisoformat(first).replace(tzinfo=UTC) + timedelta(minutes=limits.minutes)


def clear_failures(db: OpsDb, username: str) -> None:
    with ops_db.write(db) as con:
        con.execute(delete(login_failures).where(login_failures.c.username == username))
