"""Writing an audit row: what a request (``auth/audit.py``) and a background job (an
import finishing in its own process) both do, without the web around it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from data.settings import OpsDb
from ops import db as ops_db
from ops.tables import audit


def now_iso() -> str:
    """The store's timestamp (UTC, seconds); here, not in auth/, because a job process
    must write audit rows without importing the web side."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def record_to(db: OpsDb, event: str, *, username: str | None = None, page: str | None = None,
              detail: dict[str, Any] | None = None, rows: int | None = None,
              ip: str | None = None) -> None:
    with ops_db.write(db) as con:
        record_in(con, event, username=username, page=page, detail=detail, rows=rows, ip=ip)


def record_in(con: Connection, event: str, *, username: str | None = None,
              page: str | None = None, detail: dict[str, Any] | None = None,
              rows: int | None = None, ip: str | None = None) -> None:
    """The audit row inside the caller's transaction: written with the change it tells
    of, or not at all."""
    con.execute(insert(audit).values(
        at=now_iso(), username=username, event=event, page=page,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        rows=rows, ip=ip))
