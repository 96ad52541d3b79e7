"""A summary as one statement: the groups and the grand total from one scan, in the
requested order, the top groups only when the leading dimension has very many values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from queries.access import Viewer
from queries.spec import Dim, Measure, Report
from queries.sql_measures import Periods, measure_sql
from queries.sql_parts import Condition, Params, Statement, where_sql

TOTAL_FLAG = "grand_total__"
OPENING = "opening__"  # queries.openings: which opening a kept row is of


def summary_statement(report: Report, dims: list[Dim], conditions: list[Condition],
                      viewer: Viewer, settings_values: dict[str, Any],
                      *, periods: Periods | None = None, with_totals: bool = False,
                      max_groups: int | None = None,
                      sort: Sequence[tuple[str, str]] = ()) -> Statement:
    """The groups of ``dims``; ``with_totals`` adds the grand total from the same scan
    (a row whose ``grand_total__`` is 1, via GROUPING SETS). ``sort``: (dimension or
    measure key, asc/desc) pairs ordering the groups before ``max_groups`` cuts them, so
    the first groups are the top ones over all groups (NULLs last); then dimension order."""
    params = Params()
    by_key = {m.key: m for m in report.measures}
    exprs = {m.key: measure_sql(m, by_key, periods, params) for m in report.measures}
    measures = [f"{_as_shown(m, exprs[m.key])} AS {m.key}" for m in report.measures]
    where = where_sql(report, conditions, viewer, params, settings_values)
    if dims and max_groups is not None and dims[0].many:
        sql = _top_groups_sql(report, dims, exprs, where, sort, measures=measures,
                              max_groups=max_groups, with_totals=with_totals) \
            if sort else _first_groups_sql(report, dims, measures, where, max_groups,
                                           with_totals=with_totals)
        return Statement(sql, params.values)
    select = [f"{d.column} AS {d.key}" for d in dims]
    if dims and with_totals:
        select.append(f"grouping({dims[0].column}) AS {TOTAL_FLAG}")
    select += measures
    sql = f"SELECT {', '.join(select)} FROM {report.source} WHERE {where}"
    if dims:
        # Group by the columns, not the aliases: an alias may equal a source column.
        columns = ", ".join(d.column for d in dims)
        positions = ", ".join(str(i + 1) for i in range(len(dims)))
        group = f"GROUPING SETS (({columns}), ())" if with_totals else columns
        sql += f" GROUP BY {group} ORDER BY "
        total_first = f"{TOTAL_FLAG} DESC, " if with_totals else ""
        ordered = _sort_positions(report, dims, sort, with_totals)
        if max_groups is not None:
            # The totals row first, then one group more than shown: it tells "more".
            sql += f"{total_first}{ordered}{positions} " \
                   f"LIMIT {int(max_groups) + 1 + int(with_totals)}"
        else:
            sql += f"{total_first if ordered else ''}{ordered}{positions}"
    return Statement(sql, params.values)


def _as_shown(m: Measure, expr: str) -> str:
    """A sum of amounts as the summary shows it: a DOUBLE (its rows hold floats), made by
    the engine; a DECIMAL would be read as a Python Decimal per value, then converted,
    most of a screen of groups' time."""
    return f"CAST({expr} AS DOUBLE)" if m.kind in {"sum", "diff"} \
        and m.type not in {"int", "year"} else expr


def _sort_positions(report: Report, dims: list[Dim], sort: Sequence[tuple[str, str]],
                    with_totals: bool) -> str:
    """``sort`` as ORDER BY positions of the summary's select list (positions, not
    aliases: a measure's alias may be a source column's name), each NULLS LAST, with a
    trailing ", " when there is any. Keys were checked by the engine."""
    where = {d.key: i + 1 for i, d in enumerate(dims)}
    first_measure = len(dims) + 1 + int(bool(dims) and with_totals)
    where.update({m.key: first_measure + i for i, m in enumerate(report.measures)})
    parts = [f"{where[key]} {'DESC' if direction == 'desc' else 'ASC'} NULLS LAST"
             for key, direction in sort]
    return "".join(f"{p}, " for p in parts)


def _top_groups_sql(report: Report, dims: list[Dim], exprs: dict[str, str], where: str,
                    sort: Sequence[tuple[str, str]], *, measures: list[str], max_groups: int,
                    with_totals: bool) -> str:
    """The top ``max_groups`` + 1 groups in ``sort`` order when the leading dimension has
    very many values: a first pass ranks every group by the sorted measures alone (a
    fraction of the work of all measures), the second computes every measure only for
    the rows whose value of each ``many`` dimension is one of the top groups' (a group
    passes whole or not at all, and every top group passes, so the same order picks
    them; a person's groups split by handler and currency still narrow to the top
    persons' rows); the totals come from a plain aggregate of every row."""
    n = int(max_groups) + 1
    keys = [f"{d.column} AS {d.key}" for d in dims]
    ranked = [f"{exprs[k]} AS sort_{i}" for i, (k, _) in enumerate(sort) if k in exprs]
    positions = {d.key: str(i + 1) for i, d in enumerate(dims)}
    rank_order = []
    for key, direction in sort:
        if key in exprs:
            key_position = str(len(dims) + 1 + [k for k, _ in sort if k in exprs].index(key))
        else:
            key_position = positions[key]
        rank_order.append(f"{key_position} {'DESC' if direction == 'desc' else 'ASC'} "
                          "NULLS LAST")
    columns = ", ".join(d.column for d in dims)
    top = f"SELECT {', '.join([*keys, *ranked])} FROM {report.source} WHERE {where} " \
          f"GROUP BY {columns} ORDER BY {', '.join([*rank_order, *positions.values()])} " \
          f"LIMIT {n}"
    # A NULL key is kept: IN never matches it, and the ranking saw its groups.
    among_top = " AND ".join(f"({d.column} IN (SELECT {d.key} FROM top_keys) "
                             f"OR {d.column} IS NULL)" for d in dims if d.many)
    groups = f"SELECT {', '.join(keys)}, 0 AS {TOTAL_FLAG}, {', '.join(measures)} " \
             f"FROM {report.source} WHERE {where} AND {among_top} GROUP BY {columns}"
    parts = [groups, *([_totals_row_sql(report, dims, measures, where)] if with_totals else [])]
    order = _sort_positions(report, dims, sort, True)
    total_first = f"{TOTAL_FLAG} DESC, " if with_totals else ""
    return f"WITH top_keys AS ({top}) SELECT * FROM ({' UNION ALL '.join(parts)}) AS top_groups " \
           f"ORDER BY {total_first}{order}{', '.join(positions.values())} " \
           f"LIMIT {n + int(with_totals)}"


def _first_groups_sql(report: Report, dims: list[Dim], measures: list[str], where: str,
                      max_groups: int, *, with_totals: bool) -> str:
    """The first ``max_groups`` + 1 groups when the leading dimension has very many values:
    in dimension order those groups lie within the rows of its first ``max_groups`` + 1
    values (NULL sorts last and is kept), so only those rows are aggregated; the totals
    come from a plain aggregate of every row."""
    first, n = dims[0].column, int(max_groups) + 1
    columns = ", ".join(d.column for d in dims)
    keys = f"SELECT DISTINCT {first} AS first_key FROM {report.source} WHERE {where} " \
           f"ORDER BY 1 LIMIT {n}"
    groups = f"SELECT {', '.join(f'{d.column} AS {d.key}' for d in dims)}, " \
             f"0 AS {TOTAL_FLAG}, {', '.join(measures)} FROM {report.source} " \
             f"WHERE {where} AND ({first} IN (SELECT first_key FROM ({keys}) AS first_keys) " \
             f"OR {first} IS NULL) GROUP BY {columns}"
    parts = [groups, *([_totals_row_sql(report, dims, measures, where)] if with_totals else [])]
    positions = ", ".join(str(i + 1) for i in range(len(dims)))
    total_first = f"{TOTAL_FLAG} DESC, " if with_totals else ""
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS first_groups " \
           f"ORDER BY {total_first}{positions} LIMIT {n + int(with_totals)}"


def _totals_row_sql(report: Report, dims: list[Dim], measures: list[str], where: str) -> str:
    """The grand-total row of a top-n summary: every measure over every row, the
    dimensions NULL and the total flag 1."""
    return f"SELECT {', '.join(f'NULL AS {d.key}' for d in dims)}, " \
           f"1 AS {TOTAL_FLAG}, {', '.join(measures)} FROM {report.source} WHERE {where}"


def stored_groups_statement(table: str, opening: int, *, report: Report, dims: list[Dim],
                            sort: Sequence[tuple[str, str]], max_groups: int) -> Statement:
    """The first ``max_groups`` + 1 groups and the totals row of a summary kept at load
    time (``queries.openings``): the rows of one opening of a table holding the answers
    of statements with totals, read in their order."""
    columns = [d.key for d in dims] + [TOTAL_FLAG] + [m.key for m in report.measures]
    positions = ", ".join(str(i + 1) for i in range(len(dims)))
    order = f"{TOTAL_FLAG} DESC, {_sort_positions(report, dims, sort, True)}{positions}"
    return Statement(f"SELECT {', '.join(columns)} FROM {table} "
                     f"WHERE {OPENING} = {int(opening)} ORDER BY {order} "
                     f"LIMIT {int(max_groups) + 2}", {})


def branch_tops_statement(report: Report, dims: list[Dim], conditions: list[Condition],
                          viewer: Viewer, settings_values: dict[str, Any], *,
                          periods: Periods | None, sort: Sequence[tuple[str, str]],
                          max_groups: int) -> Statement:
    """Every branch's answer of ``summary_statement`` with totals for a viewer of that
    branch (``viewer`` sees the whole company), in one scan: each branch's top
    ``max_groups`` + 1 groups in ``sort`` order, then by dimension, and its totals row,
    beside the branch (``branch__``)."""
    params = Params()
    by_key = {m.key: m for m in report.measures}
    exprs = {m.key: measure_sql(m, by_key, periods, params) for m in report.measures}
    measures = [f"{_as_shown(m, exprs[m.key])} AS {m.key}" for m in report.measures]
    where = where_sql(report, conditions, viewer, params, settings_values)
    branch, columns = report.scope.branch, ", ".join(d.column for d in dims)
    ranks = [f"{exprs[k]} AS sort_{i}" for i, (k, _) in enumerate(sort) if k in exprs]
    order = [f"sort_{i} {'DESC' if direction == 'desc' else 'ASC'} NULLS LAST"
             if key in exprs else f"{key} {'DESC' if direction == 'desc' else 'ASC'} NULLS LAST"
             for i, (key, direction) in enumerate(sort)]
    order += [f"{d.key} ASC NULLS LAST" for d in dims]
    shown = ", ".join([*(d.key for d in dims), TOTAL_FLAG, *(m.key for m in report.measures)])
    groups = f"SELECT {branch} AS branch__, {', '.join(f'{d.column} AS {d.key}' for d in dims)}, " \
             f"0 AS {TOTAL_FLAG}, {', '.join([*measures, *ranks])} FROM {report.source} " \
             f"WHERE {where} GROUP BY {branch}, {columns}"
    top = f"SELECT branch__, {shown} FROM ({groups}) AS branch_groups QUALIFY " \
          f"row_number() OVER (PARTITION BY branch__ ORDER BY {', '.join(order)}) " \
          f"<= {int(max_groups) + 1}"
    totals = f"SELECT {branch} AS branch__, {', '.join(f'NULL AS {d.key}' for d in dims)}, " \
             f"1 AS {TOTAL_FLAG}, {', '.join(measures)} FROM {report.source} " \
             f"WHERE {where} GROUP BY {branch}"
    return Statement(f"{top} UNION ALL {totals}", params.values)
