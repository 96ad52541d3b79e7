"""AG Grid column definitions from the catalog's column types (Chinese, formatted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layouts.grid_locale import LOCALE_TEXT
from queries.links import KEY_SUFFIX, RECORD_PATHS
from queries.spec import DECIMALS

if TYPE_CHECKING:  # a type only: layouts/ does not call the engine
    from queries.engine import ColumnMeta

__all__ = ["LOCALE_TEXT", "column_defs"]

# assets/dashAgGridFunctions.js (fmtNumber): empty for NULL, text (合计) passes through.
NUMERIC = set(DECIMALS)


# The filters the server implements (queries/grid_filters.py); ranges include both ends.
TEXT_FILTER = {"filterOptions": ["contains", "notContains", "equals", "notEqual", "startsWith",
                                 "endsWith", "blank", "notBlank"], "maxNumConditions": 2}
NUMBER_FILTER = {"filterOptions": ["equals", "notEqual", "lessThan", "lessThanOrEqual",
                                   "greaterThan", "greaterThanOrEqual", "inRange", "blank",
                                   "notBlank"], "inRangeInclusive": True,
                 "maxNumConditions": 2}
# A text box taking ISO dates (the browser picker shows the locale's order, e.g. mm/dd/yyyy).
DATE_FILTER = {**NUMBER_FILTER, "browserDatePicker": False}
LINK_HINTS = {"policy": "查看保单详情", "claim": "查看赔案详情", "customer": "查看客户360"}


def _typed(c: ColumnMeta, filters: bool) -> dict[str, Any]:
    """Alignment, number format and (``filters``) the grid filter of a column's type."""
    number_filter = ({"filter": "agNumberColumnFilter", "filterParams": NUMBER_FILTER}
                     if filters else {})
    if c.type == "year":
        # Not inferred as a number: the totals row puts 合计 in this column.
        return {"type": "rightAligned", "cellDataType": False, **number_filter}
    if c.type in NUMERIC:
        # Decimals as the catalog declares them for the type (queries.spec.DECIMALS).
        fmt = f"fmtNumber(params.value, {DECIMALS[c.type]})"
        return {"type": "rightAligned", "valueFormatter": {"function": fmt}, **number_filter}
    if not filters:
        return {}
    if c.type == "date":
        return {"filter": "agDateColumnFilter", "filterParams": DATE_FILTER}
    return {"filter": "agTextColumnFilter", "filterParams": TEXT_FILTER}


def _min_width(c: ColumnMeta, widths: dict[str, int] | None) -> int:
    if widths and c.key in widths:
        return widths[c.key]
    return 110 if c.type == "date" else 90


def _cell_style(c: ColumnMeta, alerts: dict[str, tuple[float, float]] | None
                ) -> dict[str, str] | None:
    # assets/dashAgGridFunctions.js: declared thresholds amber / red, negative money red.
    if alerts and c.key in alerts:
        amber, red = alerts[c.key]
        return {"function": f"alertStyle(params, {amber}, {red})"}
    if c.type == "money":
        return {"function": "negativeStyle(params)"}
    return None


def _record_link(key: str, kind: str) -> dict[str, Any]:
    params = {"path": RECORD_PATHS[kind], "hint": LINK_HINTS[kind]}
    if kind == "customer":
        # A name links by the customer's code, which the row carries beside it.
        params["keyField"] = key + KEY_SUFFIX
    return {"cellRenderer": "RecordLink", "cellRendererParams": params}


def column_defs(columns: list[ColumnMeta], *, sortable: bool | set[str] = False,
                filterable: set[str] | None = None, hidden: set[str] | None = None,
                alerts: dict[str, tuple[float, float]] | None = None,
                links: Mapping[str, str] | None = None,
                widths: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """``sortable``: every column, or those in the set (a detail list offers sort and
    filter only where the server allows them for the viewer); ``links``: columns whose
    value opens a record's page (column key → "policy" / "claim"); ``widths``: the
    catalog's declared widths (``Col.width``) of long text columns."""
    defs = []
    for c in columns:
        sorts = sortable if isinstance(sortable, bool) else c.key in sortable
        d: dict[str, Any] = {"field": c.key, "headerName": c.label, "sortable": sorts,
                             "resizable": True, "minWidth": _min_width(c, widths),
                             "hide": bool(hidden and c.key in hidden),
                             **_typed(c, bool(filterable and c.key in filterable))}
        style = _cell_style(c, alerts)
        if style is not None:
            d["cellStyle"] = style
        if links and c.key in links:
            d.update(_record_link(c.key, links[c.key]))
        defs.append(d)
    return defs
