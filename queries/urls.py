"""The URL grammar of reports, in one place: every page, API and export address is built
and read here.

A report's state lives in its query string, so a view can be bookmarked and shared:

- a filter's own keys (``queries.filter_kinds`` says which): ``branch=3,4``,
  ``start_from=2026-01-01&start_to=2026-06-30``, ``risk=Q*&risk_op=$``,
  ``score_min=60&score_max=90``;
- a drill-down's dimension values, ``d_<dim>=<value>`` (``__null__`` for none);
- control keys: ``run``, ``level``, ``summary``, ``group_by``, ``chart_by``, and the
  detail grid's ``sort``, ``filter``, ``cols``, ``ssort`` (``layouts.grid_state``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

DRILL_PREFIX = "d_"
NULL_VALUE = "__null__"  # a drill-down on the group without a value
GRID_KEYS = frozenset({"sort", "filter", "cols", "ssort"})
CONTROL_KEYS = frozenset({"run", "level", "summary", "group_by", "chart_by", *GRID_KEYS})


# --- a filter's keys ----------------------------------------------------------------------

def range_keys(key: str) -> tuple[str, str]:
    """The two keys of a range filter: its start and its end."""
    return f"{key}_from", f"{key}_to"


def bound_keys(key: str) -> tuple[str, str]:
    """The two keys of a number range: its lower and its upper bound."""
    return f"{key}_min", f"{key}_max"


def op_key(key: str) -> str:
    """The key of a filter's operator (``=`` exact, ``$`` pattern)."""
    return f"{key}_op"


# --- drill-downs ----------------------------------------------------------------------------

def drill_key(dim_key: str) -> str:
    return f"{DRILL_PREFIX}{dim_key}"


def drill_dim(url_key: str) -> str | None:
    """The dimension a ``d_<dim>`` key drills into; None for any other key."""
    return url_key[len(DRILL_PREFIX):] if url_key.startswith(DRILL_PREFIX) else None


def drill_value(value: Any) -> str:
    return NULL_VALUE if value is None else str(value)


def drill_args(dims: Iterable[str], row: Mapping[str, Any]) -> dict[str, str]:
    """The ``d_<dim>`` keys that drill into one summary row."""
    return {drill_key(k): drill_value(row.get(k)) for k in dims}


def without_drill(args: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if drill_dim(k) is None}


# --- what a URL holds -----------------------------------------------------------------------

def filter_args(query: Mapping[str, Any] | None) -> dict[str, Any]:
    """The filters and drill-down of a page's query, without its controls."""
    return {k: v for k, v in (query or {}).items() if k not in CONTROL_KEYS}


def summary_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """A detail page's way back to its summary: no drill-down, level or grid state."""
    return {k: v for k, v in without_drill(args).items()
            if k != "level" and k not in GRID_KEYS}


def grid_args(sort: list[tuple[str, str]], column_filters: Mapping[str, Any]
              ) -> dict[str, str]:
    """A detail grid's sort and column filters as the API and exports read them."""
    out: dict[str, str] = {}
    if sort:
        out["sort"] = ",".join(f"{key}:{direction}" for key, direction in sort)
    if column_filters:
        out["filter"] = json.dumps(column_filters, ensure_ascii=False, separators=(",", ":"))
    return out


# --- addresses ------------------------------------------------------------------------------

def page_url(slug: str, args: Mapping[str, Any]) -> str:
    """A report page; empty values are left out."""
    clean = {k: v for k, v in args.items() if v not in (None, "")}
    return f"/reports/{slug}" + (f"?{urlencode(clean)}" if clean else "")


def run_url(slug: str, args: Mapping[str, Any]) -> str:
    """A report page that runs its query on opening."""
    return f"/reports/{slug}?{urlencode({**args, 'run': '1'})}"


def export_url(slug: str, fmt: str, args: Mapping[str, Any] | Sequence[tuple[str, Any]]
               ) -> str:
    """A download (``csv`` or ``xlsx``) of what ``args`` select (pairs keep repeated keys)."""
    pairs = dict(args) if isinstance(args, Mapping) else list(args)
    return f"/export/{slug}.{fmt}?{urlencode(pairs, doseq=True)}"


def api_url(slug: str, args: Mapping[str, Any]) -> str:
    query = urlencode(dict(args), doseq=True)
    return f"/api/reports/{slug}" + (f"?{query}" if query else "")


def export_jobs_url(slug: str) -> str:
    return f"/api/reports/{slug}/exports"


def download_url(job_id: str) -> str:
    return f"/api/exports/{job_id}/download"
