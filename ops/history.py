"""Load history: one row per import, from the command line or the 6.6 page alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from data.settings import OpsDb
from ops import db as ops_db
from ops.tables import load_history


def record_load(db: OpsDb, *, username: str, source: str, files: list[str], rows_read: int,
                rows_loaded: int, rows_rejected: int, ok: bool, seconds: float,
                message: str) -> None:
    with ops_db.write(db) as con:
        con.execute(insert(load_history).values(
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"), username=username,
            source=source, files=", ".join(sorted(files)), rows_read=rows_read,
            rows_loaded=rows_loaded, rows_rejected=rows_rejected, ok=int(ok),
            seconds=round(seconds, 2), message=message))


def recent_loads(db: OpsDb, limit: int = 200) -> list[dict[str, Any]]:
    with ops_db.read(db) as con:
        rows = con.execute(select(load_history).order_by(load_history.c.id.desc())
                           .limit(limit))
        return [dict(r._mapping) for r in rows]
