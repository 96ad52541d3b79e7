"""A detail grid's sort, column filters and columns (order, width, hidden) in the URL, so
a copied link reopens the list exactly as the user saw it.

URL parameters: ``sort=col:desc,col2:asc`` and ``filter=<AG Grid filterModel JSON>`` (as
the API and exports take them), ``cols=colA:140,!colB:120,…`` (in order; ``!`` hidden).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Keeps the address bar in step with the grid (no navigation: history.replaceState).
WRITE_GRID_STATE = """
function (state, filterModel, gridId) {
    const key = JSON.stringify(gridId);
    const cols = (state || []).map(
        (c) => (c.hide ? "!" : "") + c.colId + ":" + Math.round(c.width || 0)).join(",");
    window._gridColumnsAtStart = window._gridColumnsAtStart || {};
    if (window._gridColumnsAtStart[key] === undefined) {
        window._gridColumnsAtStart[key] = cols;
    }
    const url = new URL(window.location.href);
    const sort = (state || []).filter((c) => c.sort)
        .sort((a, b) => (a.sortIndex || 0) - (b.sortIndex || 0))
        .map((c) => c.colId + ":" + c.sort).join(",");
    const put = (name, value) => value ? url.searchParams.set(name, value)
                                      : url.searchParams.delete(name);
    put("sort", sort);
    put("filter", filterModel && Object.keys(filterModel).length
        ? JSON.stringify(filterModel) : "");
    if (cols && cols !== window._gridColumnsAtStart[key]) {
        put("cols", cols);
    }
    const next = url.pathname + "?" + url.searchParams.toString();
    if (next !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, "", next);
    }
    return window.dash_clientside.no_update;
}
"""


# A summary grid's sort is the server's (layouts/summary_sort.py): a header the user
# clicked (assets/summarySort.js) asks the page again with the sort in the URL
# (``ssort``, empty = dimension order); a sort by names only, which the browser does
# itself, is just written into the URL.
WRITE_SUMMARY_SORT = """
function (event, rendered) {
    const sort = event && typeof event.data === "string" ? event.data : null;
    if (sort === null || sort === (rendered || "")) {
        return window.dash_clientside.no_update;
    }
    const url = new URL(window.location.href);
    url.searchParams.set("ssort", sort);
    const next = url.pathname + "?" + url.searchParams.toString();
    const byName = sort !== "" && sort.split(",").every(
        (part) => part.split(":")[0].endsWith("_label"));
    if (byName) {
        window.history.replaceState(window.history.state, "", next);
        return window.dash_clientside.no_update;
    }
    return next;
}
"""


def sort_state(text: str | None, sortable: set[str]) -> dict[str, Any]:
    """``initialState`` of a sort given as ``col:desc,col2:asc``."""
    sort = []
    for part in filter(None, (text or "").split(",")):
        col, _, direction = part.partition(":")
        if col in sortable and direction in {"asc", "desc"}:
            sort.append({"colId": col, "sort": direction})
    return {"sort": {"sortModel": sort}} if sort else {}


def initial_state(args: Mapping[str, str], known: set[str], sortable: set[str]
                  ) -> dict[str, Any]:
    """AG Grid's ``initialState`` from the URL; unknown columns are left out."""
    state: dict[str, Any] = sort_state(args.get("sort"), sortable)
    try:
        model = json.loads(args.get("filter") or "{}")
    except ValueError:
        model = {}
    if isinstance(model, dict) and model:
        state["filter"] = {"filterModel": {k: v for k, v in model.items() if k in known}}
    order, hidden, sizes = [], [], []
    for part in filter(None, (args.get("cols") or "").split(",")):
        name, _, width = part.partition(":")
        col = name.removeprefix("!")
        if col not in known:
            continue
        order.append(col)
        if name.startswith("!"):
            hidden.append(col)
        if width.isdigit() and int(width) > 0:
            sizes.append({"colId": col, "width": int(width)})
    if order:
        state["columnOrder"] = {"orderedColIds": order}
        state["columnVisibility"] = {"hiddenColIds": hidden}
        state["columnSizing"] = {"columnSizingModel": sizes}
    return state
