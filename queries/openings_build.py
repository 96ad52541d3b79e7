"""Keeping each opening screen of a summary of one group per person, policy or receipt
at load time (``queries.openings``): run on the store being built, after its rollups."""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from data.settings import Settings
from data.steps import run_step
from queries import openings
from queries import sql as C
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.filters import FilterError, FilterValues, parse_filters
from queries.results import settings_values
from queries.spec import Report, Summary
from queries.sql_summary import OPENING, branch_tops_statement
from queries.summary import default_summary_sort, every_group_statement, summary_dims
from queries.warm import default_args

log = logging.getLogger(__name__)
# Whoever sees the whole company, or one branch: the scopes openings are kept for.
COMPANY = Viewer(0, "build", "build", frozenset(), DataScope("company"), False)
BRANCH_OPENINGS = 1_000_000  # a branch's opening number: this × (variant + 1) + branch id
WHOLE_OPENINGS = 500_000  # an opening kept whole: this + variant
# A report over fewer rows answers any order from its rollup about as fast as from kept
# groups: its openings are not kept whole.
WHOLE_MIN_ROWS = 100_000


def branch_viewer(branch_id: int) -> Viewer:
    return Viewer(0, "build", "build", frozenset(), DataScope("branch", branch_id=branch_id),
                  False)


def opening_values(report: Report, settings: Settings) -> list[FilterValues]:
    """The filters as a page or the API opens the report: none, and the required ones
    filled as the page fills them (once when they agree)."""
    out: dict[str, FilterValues] = {}
    for args in ({}, default_args(report, settings)):
        try:
            values = parse_filters(report, args, settings.today)
        except FilterError:  # a required filter without a default
            continue
        out.setdefault(repr((values.conditions, sorted(values.periods.items()))), values)
    return list(out.values())


def opening_statement(report: Report, summary: Summary, values: FilterValues,
                      settings: Settings, viewer: Viewer = COMPANY) -> C.Statement:
    """The statement of ``summary``'s top groups as ``viewer`` opens it."""
    dims = summary_dims(report, summary.key, None)
    return C.summary_statement(report, dims, values.conditions, viewer,
                               settings_values(report, settings), periods=values.periods,
                               with_totals=True, max_groups=openings.OPENING_GROUPS,
                               sort=default_summary_sort(report, dims))


def kept_summaries() -> list[tuple[Report, Summary]]:
    """The summaries a page of the store's reports opens on that are led by a dimension
    of very many values (another summary chosen runs its statement)."""
    return [(r, r.summaries[0]) for r in CATALOG.values() if r.store == "analytical"
            and r.summaries and next(d for d in r.dims
                                     if d.key == r.summaries[0].dimensions[0]).many]


def kept_per_branch(report: Report) -> bool:
    """Kept for each branch's head too, when a branch scope is a plain column."""
    return report.scoped and not report.scope.many


def whole_summaries() -> list[tuple[Report, Summary]]:
    """The summaries a page opens on that are not ranked at load time: each is kept whole
    when its groups are few enough, for a sort a user asks for."""
    ranked = set(kept_summaries())
    return [(r, r.summaries[0]) for r in CATALOG.values() if r.store == "analytical"
            and r.summaries and r.summaries[0].dimensions and (r, r.summaries[0]) not in ranked]


def build_openings(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)write each summary's table of openings and the index of them all."""
    index: list[tuple[Any, ...]] = []
    kinds = [(r, s, _keep) for r, s in kept_summaries()] + \
        [(r, s, _keep_whole_only) for r, s in whole_summaries()]
    for report, summary, keep in kinds:
        table = openings.table_name(report, summary)
        con.execute(f"DROP TABLE IF EXISTS {table}")
        try:
            index += keep(con, table, report, summary, settings)
        except Exception:  # a load never fails for want of a kept opening
            log.exception("the opening of %s %s is not kept", report.slug, summary.key)
            con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"CREATE OR REPLACE TABLE {openings.INDEX} (fingerprint VARCHAR NOT NULL, "
                "table_name VARCHAR NOT NULL, opening INTEGER NOT NULL, "
                "groups INTEGER NOT NULL, report VARCHAR NOT NULL, summary VARCHAR NOT NULL)")
    if index:
        con.executemany(f"INSERT INTO {openings.INDEX} VALUES (?, ?, ?, ?, ?, ?)", index)


def _keep(con: duckdb.DuckDBPyConnection, table: str, report: Report, summary: Summary,
          settings: Settings) -> list[tuple[Any, ...]]:
    """Write ``summary``'s openings into ``table``; their index rows."""
    index: list[tuple[Any, ...]] = []
    for variant, values in enumerate(opening_values(report, settings)):
        st = opening_statement(report, summary, values, settings)
        keep = f"INSERT INTO {table} " if variant else f"CREATE TABLE {table} AS "
        run_step(con, f"{keep}SELECT {variant} AS {OPENING}, * FROM ({st.sql('duckdb')})",
                 st.params)
        index.append((openings.fingerprint(st), table, variant, openings.OPENING_GROUPS,
                      report.slug, summary.key))
        index += _keep_whole(con, table, report=report, summary=summary, values=values,
                             settings=settings, number=WHOLE_OPENINGS + variant)
        if kept_per_branch(report):
            index += _keep_branches(con, table, report=report, summary=summary,
                                    values=values, settings=settings,
                                    first=BRANCH_OPENINGS * (variant + 1))
    return index


def _keep_branches(con: duckdb.DuckDBPyConnection, table: str, *, report: Report,
                   summary: Summary, values: FilterValues, settings: Settings,
                   first: int) -> list[tuple[Any, ...]]:
    """Every branch's opening from one scan; indexed under the statement a head of that
    branch runs."""
    dims = summary_dims(report, summary.key, None)
    st = branch_tops_statement(report, dims, values.conditions, COMPANY,
                               settings_values(report, settings), periods=values.periods,
                               sort=default_summary_sort(report, dims),
                               max_groups=openings.OPENING_GROUPS)
    shown = ", ".join([*(d.key for d in dims), C.TOTAL_FLAG, *(m.key for m in report.measures)])
    run_step(con, f"INSERT INTO {table} SELECT {int(first)} + branch__ AS {OPENING}, {shown} "
                  f"FROM ({st.sql('duckdb')})", st.params)
    branches = con.execute(f"SELECT DISTINCT {OPENING} - {int(first)} FROM {table} "
                           f"WHERE {OPENING} >= {int(first)} "
                           f"AND {OPENING} < {int(first) + BRANCH_OPENINGS}").fetchall()
    return [(openings.fingerprint(opening_statement(report, summary, values, settings,
                                                    branch_viewer(int(b)))),
             table, int(first) + int(b), openings.OPENING_GROUPS, report.slug, summary.key)
            for (b,) in branches]


def _keep_whole_only(con: duckdb.DuckDBPyConnection, table: str, report: Report,
                     summary: Summary, settings: Settings) -> list[tuple[Any, ...]]:
    """A summary's every group for each opening's filters, when they are few enough."""
    index: list[tuple[Any, ...]] = []
    for variant, values in enumerate(opening_values(report, settings)):
        index += _keep_whole(con, table, report=report, summary=summary, values=values,
                             settings=settings, number=WHOLE_OPENINGS + variant)
    return index


def _keep_whole(con: duckdb.DuckDBPyConnection, table: str, *, report: Report,
                summary: Summary, values: FilterValues, settings: Settings,
                number: int) -> list[tuple[Any, ...]]:
    """The company's every group, when there are at most ``COMPLETE_GROUPS``: kept as
    opening ``number``, indexed under the statement of every group in no order."""
    rows = con.execute(f"SELECT count(*) FROM {report.source}").fetchall()[0][0]
    if int(rows) < WHOLE_MIN_ROWS:
        return []
    dims = summary_dims(report, summary.key, None)
    st = every_group_statement(report, dims, values, COMPANY,
                               settings_values(report, settings))
    shown = ", ".join([*(d.key for d in dims), C.TOTAL_FLAG, *(m.key for m in report.measures)])
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                         [table]).fetchall()[0][0]
    keep = f"INSERT INTO {table} ({OPENING}, {shown}) " if exists else \
        f"CREATE TABLE {table} AS "
    # One run of the statement: at most one group too many (and the totals row) written,
    # taken out again when the opening has more groups than are kept whole.
    run_step(con, f"{keep}SELECT {int(number)} AS {OPENING}, {shown} "
                  f"FROM ({st.sql('duckdb')}) LIMIT {openings.COMPLETE_GROUPS + 2}", st.params)
    kept = con.execute(f"SELECT count(*) FROM {table} WHERE {OPENING} = ?",
                       [int(number)]).fetchall()[0][0]
    if int(kept) - 1 > openings.COMPLETE_GROUPS:  # less the totals row
        con.execute(f"DELETE FROM {table} WHERE {OPENING} = ?", [int(number)])
        return []
    return [(openings.fingerprint(st), table, number, openings.EVERY_GROUP, report.slug,
             summary.key)]
