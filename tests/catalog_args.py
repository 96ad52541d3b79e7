"""Filter arguments that satisfy a report's required filters without narrowing it."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from data.settings import Settings
from queries import mirror
from queries.filter_kinds import kind_of
from queries.spec import Report


def wide_args(report: Report, as_of: date) -> dict[str, str]:
    args: dict[str, str] = {}
    for f in report.filters:
        if f.required:
            args.update(kind_of(f).test_args(f, as_of))
    return args


def source_rows(settings: Settings, report: Report, sql: str,
                params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of a direct query of the report's source: written data on the mirror (beside
    the store), the rest on the store file."""
    if report.store == "operational":
        cur = mirror.cursor(settings)
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()
    with duckdb.connect(str(settings.store_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
