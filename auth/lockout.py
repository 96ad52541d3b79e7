"""Failed sign-ins lock a 员工代码, and a client address, for a while.

An attempt is counted *before* its password is checked, in the same write transaction
as the count it is checked against: of any number of simultaneous attempts (in any
worker) at most the limit are evaluated. A successful sign-in clears the user's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from auth.users import connect, now_iso, write_transaction


@dataclass(frozen=True)
class Limits:
    per_user: int
    per_address: int
    minutes: int


@dataclass(frozen=True)
class Locked:
    until: datetime  # UTC
    by_address: bool


def reserve_attempt(db: Path, username: str, ip: str | None, limits: Limits
                    ) -> Locked | None:
    """Count one attempt as failed and return None, or refuse it (``Locked``) when the
    user or the address already has too many failures in the window."""
    since = (datetime.now(UTC) - timedelta(minutes=limits.minutes)).replace(tzinfo=None)
    since_iso = since.isoformat(timespec="seconds")
    with write_transaction(db) as con:
        first_user, n_user = con.execute(
            "SELECT min(at), count(*) FROM login_failures WHERE username = ? AND at >= ?",
            (username, since_iso)).fetchone()
        if n_user >= limits.per_user:
            return Locked(_until(first_user, limits), by_address=False)
        if ip:
            first_ip, n_ip = con.execute(
                "SELECT min(at), count(*) FROM login_failures WHERE ip = ? AND at >= ?",
                (ip, since_iso)).fetchone()
            if n_ip >= limits.per_address:
                return Locked(_until(first_ip, limits), by_address=True)
        con.execute("INSERT INTO login_failures (username, at, ip) VALUES (?, ?, ?)",
                    (username, now_iso(), ip))
    return None


def _until(first: str, limits: Limits) -> datetime:
    return datetime.fromisoformat(first).replace(tzinfo=UTC) + timedelta(minutes=limits.minutes)


def clear_failures(db: Path, username: str) -> None:
    with connect(db) as con:
        con.execute("DELETE FROM login_failures WHERE username = ?", (username,))
