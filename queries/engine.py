"""Running reports: parse filters, summaries with totals, keyset-paged details, drill-downs.

Called by the pages' callbacks, the JSON API and the exports alike, always with the
server-side ``Viewer``: its data scope goes into every statement, its personal-data
flag decides masking. The work is done in ``queries.summary``, ``queries.detail`` and
``queries.lookups``; this module is the one name callers import them by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engines.base import Engine
from queries import sql as C
from queries.access import Viewer
from queries.detail import (
    CACHED_PAGE_ROWS,
    MAX_PAGE,
    checked_cursor,
    detail_columns,
    detail_order,
    iter_detail_rows,
    run_detail,
    with_column_filters,
)
from queries.filters import FilterError, FilterValues, parse_filters
from queries.lookups import (
    LOOKUP_CHUNK,
    SMALL_LOOKUP_ROWS,
    filter_option_rows,
    filter_options,
    lookup_rows,
)
from queries.results import (
    ColumnMeta,
    DetailResult,
    SummaryResult,
    plain_rows,
    plain_value,
    settings_values,
    written_identity,
)
from queries.spec import Report
from queries.summary import (
    SUMMARY_GROUPS_SHOWN,
    default_summary_sort,
    main_measure,
    run_summary,
    sort_words,
    summary_columns,
    summary_dims,
    summary_sort,
)
from queries.urls import drill_args

__all__ = [
    "CACHED_PAGE_ROWS", "LOOKUP_CHUNK", "MAX_PAGE", "SMALL_LOOKUP_ROWS",
    "SUMMARY_GROUPS_SHOWN", "ColumnMeta", "DetailResult", "FilterError", "FilterValues",
    "SummaryResult", "checked_cursor", "default_summary_sort", "detail_columns",
    "detail_order", "drill_names", "drill_values", "filter_option_rows", "filter_options",
    "iter_detail_rows", "lookup_rows", "main_measure", "parse_filters", "plain_rows",
    "plain_value", "run_detail", "run_summary", "settings_values", "sort_words",
    "summary_columns", "summary_dims", "summary_sort", "with_column_filters",
    "written_identity",
]


def drill_values(report: Report, values: FilterValues, summary_row: Mapping[str, Any],
                 group_by: Sequence[str]) -> FilterValues:
    """The summary row's dimension values become equality filters of the detail."""
    return parse_filters(report, {**values.query, **drill_args(group_by, summary_row)})


def drill_names(engine: Engine, report: Report, values: FilterValues, viewer: Viewer
                ) -> dict[str, str]:
    """The names of the drilled dimensions that have one (dimension key → "code name"),
    for the breadcrumb. Looked up only when the viewer's own detail list holds rows: a
    value outside the scope gets no name, never that of another branch's customer or
    staff member."""
    dims = {d.key: d for d in report.dims}
    drilled = [(dims[key[2:]], value) for key, value in values.drill.items()
               if value != C.NULL_TOKEN and dims[key[2:]].lookup is not None]
    if not drilled or not run_detail(engine, report, values, viewer, limit=1,
                                     with_total=False).rows:
        return {}
    names = {}
    for dim, value in drilled:
        assert dim.lookup is not None
        key = int(value) if dim.type in {"int", "year"} else value
        code = [dim.lookup.code] if dim.lookup.code else []
        hit = lookup_rows(engine, dim.lookup.table, dim.lookup.key,
                          [*code, dim.lookup.column], [key]).get(key)
        if hit:
            # With a code: "C000000005 廖成", as the summary shows it.
            names[dim.key] = " ".join(str(v) for v in hit if v is not None)
    return names
