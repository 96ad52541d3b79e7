"""A summary grid's sort: the server orders the groups (the first screenful is the top
of all groups, not of those shown), the browser only keeps that order.

``ssort`` in the URL holds the grid's sort (``premium:desc``); absent, the summary's
default order applies (a summary of one group per person or policy ranks by its main
measure), present but empty, dimension order. A dimension's name column sorts in the
browser, and only when every group is on the screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from queries.page_data import SummaryResult

# Rows stay in the order the server sent (AG Grid's sort keeps ties in place).
KEEP_SERVER_ORDER = {"function": "0"}


def parse_sort(text: str | None) -> list[tuple[str, str]]:
    out = []
    for part in filter(None, (text or "").split(",")):
        key, _, direction = part.partition(":")
        out.append((key, direction or "asc"))
    return out


def requested_sort(args: Mapping[str, str], group_by: Sequence[str]
                   ) -> tuple[list[tuple[str, str]] | None, list[tuple[str, str]]]:
    """(the sort the server applies — None for the summary's default —, the name columns
    the browser sorts)."""
    if "ssort" not in args:
        return None, []
    names = {f"{g}_label" for g in group_by}
    sort = parse_sort(args.get("ssort"))
    return [s for s in sort if s[0] not in names], [s for s in sort if s[0] in names]


def shown_sort(result: SummaryResult, by_name: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The grid's sort indicators: the server's order by the columns shown (a dimension
    known by a code shows its code column), then the name columns sorted here."""
    shown = {c.key for c in result.columns}
    out = [(f"{k}_code" if f"{k}_code" in shown else k, d) for k, d in result.sort]
    return out + ([] if result.truncated else by_name)


def server_sortable(result: SummaryResult) -> set[str]:
    return {c.key for c in result.columns if not c.key.endswith("_label")}


def sortable_columns(result: SummaryResult) -> set[str]:
    """Every column but the names, which sort only when all groups are shown."""
    keys = server_sortable(result)
    return keys | ({c.key for c in result.columns} if not result.truncated else set())


def server_order(defs: list[dict[str, Any]], result: SummaryResult) -> None:
    """Columns the server sorts keep its order; a measure sorts descending first (the
    worst 赔付率, the largest premium in one click)."""
    server = server_sortable(result)
    measures = {c.key for c in result.columns if c.type not in {"text", "code", "year"}}
    for d in defs:
        if d["field"] in server:
            d["comparator"] = KEEP_SERVER_ORDER
            if d["field"] in measures:
                d["sortingOrder"] = ["desc", "asc", None]


def state_of(sort: list[tuple[str, str]]) -> dict[str, Any]:
    """AG Grid's ``initialState`` showing ``sort``."""
    return {"sort": {"sortModel": [{"colId": k, "sort": d} for k, d in sort]}} if sort else {}
