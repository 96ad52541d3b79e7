"""Warm a store when the app opens it: the first request after a start (or after a new
store is swapped in) should answer about as fast as the next one.

A cold process pays for the SQL parser's first use (about a second) and for the first
read of a rollup's column metadata: compiling each report's default summary and reading
one row of every table it names pays both before a user asks, in well under a second.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlglot

from data.settings import Settings
from queries import engine
from queries import sql as C
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.filter_kinds import kind_of
from queries.spec import Report
from queries.store import run

log = logging.getLogger(__name__)
WARM_VIEWER = Viewer(0, "warm", "warm", frozenset(CATALOG), DataScope("company"), False)


def default_args(report: Report, settings: Settings) -> dict[str, str]:
    """The required filters filled as a user would on opening the page: the last year."""
    args: dict[str, str] = {}
    for f in report.filters:
        if f.required:
            args.update(kind_of(f).opening_args(f, settings.today))
    return args


def warm(settings: Settings, budget_s: float = 3.0) -> dict[str, Any]:
    """Compile each report's default summary, read a row of each table; returns what
    was done."""
    started = time.perf_counter()
    done, tables = 0, set()
    for report in CATALOG.values():
        if time.perf_counter() - started > budget_s:
            break
        try:
            values = engine.parse_filters(report, default_args(report, settings),
                                          settings.today)
            dims = engine.summary_dims(report, None, None)
            st = C.summary_statement(report, dims, values.conditions, WARM_VIEWER,
                                     engine.settings_values(report, settings),
                                     values.periods, with_totals=True,
                                     max_groups=engine.SUMMARY_GROUPS_SHOWN)
            done += 1
            for table in {report.source, *(d.lookup.table for d in dims if d.lookup)}:
                if table not in tables:
                    tables.add(table)
                    one_row = sqlglot.parse_one(f"SELECT * FROM {table} LIMIT 1", read="duckdb")
                    run(settings, C.Statement(one_row, {}))
            del st
        except Exception:  # warming is best effort: a request will show the real error
            log.exception("warming %s failed", report.slug)
    seconds = round(time.perf_counter() - started, 2)
    log.info("store warmed: %d report(s) in %.2f s", done, seconds)
    return {"reports": done, "tables": len(tables), "seconds": seconds}
