"""Report spec + filter values + the viewer's scope → one SQL statement and its parameters.

Every SQL name comes from the catalog; every value a user typed is a named parameter
(``$p0``, ``$p1`` …). The statement is parsed into a sqlglot expression, so the same
query can be rendered for another engine (``engines``) without string surgery.

The parts live in ``queries.sql_parts`` (parameters, conditions, WHERE),
``queries.sql_measures``, ``queries.sql_summary`` and ``queries.sql_detail``; this module
is the one name callers import them by.
"""

from __future__ import annotations

from queries.sql_detail import (
    MAX_CURSOR_VALUES,
    MAX_OFFSET,
    Cursor,
    count_statement,
    detail_statement,
    keyset_branches,
    lookup_statement,
    options_statement,
)
from queries.sql_measures import COLUMN_AGGREGATES, Periods, measure_sql
from queries.sql_parts import (
    COLUMN_PREDICATES,
    NULL_TOKEN,
    Condition,
    Params,
    Statement,
    _parse,
    column_sql,
    escape_like,
    pattern_to_like,
    predicate_sql,
    scope_sql,
    where_sql,
)
from queries.sql_summary import TOTAL_FLAG, stored_groups_statement, summary_statement

__all__ = [
    "COLUMN_AGGREGATES", "COLUMN_PREDICATES", "MAX_CURSOR_VALUES", "MAX_OFFSET", "NULL_TOKEN",
    "TOTAL_FLAG", "Condition", "Cursor", "Params", "Periods", "Statement", "_parse",
    "column_sql", "count_statement", "detail_statement", "escape_like", "keyset_branches",
    "lookup_statement", "measure_sql", "options_statement", "pattern_to_like",
    "predicate_sql", "scope_sql", "stored_groups_statement", "summary_statement",
    "where_sql",
]
