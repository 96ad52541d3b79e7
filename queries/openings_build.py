"""Keeping each opening screen of a summary of one group per person, policy or receipt
at load time (``queries.openings``): run on the store being built, after its rollups."""

from __future__ import annotations

from typing import Any

import duckdb

from data.settings import Settings
from data.steps import run_step
from queries import openings
from queries import sql as C
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.filters import FilterError, parse_filters
from queries.results import settings_values
from queries.spec import Report, Summary
from queries.summary import default_summary_sort, summary_dims
from queries.warm import default_args

# Whoever sees the whole company: the scope the kept openings are of.
COMPANY = Viewer(0, "build", "build", frozenset(), DataScope("company"), False)


def opening_statements(report: Report, summary: Summary, settings: Settings
                       ) -> list[C.Statement]:
    """The statements of ``summary``'s top groups as a page or the API opens it: no
    filters, and the required ones filled as the page fills them (one when they agree)."""
    dims = summary_dims(report, summary.key, None)
    out: dict[str, C.Statement] = {}
    for args in ({}, default_args(report, settings)):
        try:
            values = parse_filters(report, args, settings.today)
        except FilterError:  # a required filter without a default
            continue
        st = C.summary_statement(report, dims, values.conditions, COMPANY,
                                 settings_values(report, settings), periods=values.periods,
                                 with_totals=True, max_groups=openings.OPENING_GROUPS,
                                 sort=default_summary_sort(report, dims))
        out.setdefault(openings.fingerprint(st), st)
    return list(out.values())


def many_summaries() -> list[tuple[Report, Summary]]:
    """The summaries of the store's reports led by a dimension of very many values."""
    return [(r, s) for r in CATALOG.values() if r.store == "analytical"
            for s in r.summaries
            if next(d for d in r.dims if d.key == s.dimensions[0]).many]


def build_openings(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)write each opening's table and the index of them all."""
    index: list[tuple[Any, ...]] = []
    for report, summary in many_summaries():
        for i, st in enumerate(opening_statements(report, summary, settings)):
            table = openings.table_name(report, summary) + (f"_{i}" if i else "")
            run_step(con, f"CREATE OR REPLACE TABLE {table} AS {st.sql('duckdb')}", st.params)
            index.append((openings.fingerprint(st), table, openings.OPENING_GROUPS,
                          report.slug, summary.key))
    con.execute(f"CREATE OR REPLACE TABLE {openings.INDEX} (fingerprint VARCHAR NOT NULL, "
                "table_name VARCHAR NOT NULL, groups INTEGER NOT NULL, report VARCHAR NOT NULL, "
                "summary VARCHAR NOT NULL)")
    if index:
        con.executemany(f"INSERT INTO {openings.INDEX} VALUES (?, ?, ?, ?, ?)", index)
