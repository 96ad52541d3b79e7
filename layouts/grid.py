"""AG Grid column definitions from the catalog's column types (Chinese, formatted)."""

from __future__ import annotations

from typing import Any

from layouts.grid_locale import LOCALE_TEXT
from queries.engine import ColumnMeta
from queries.spec import DECIMALS

__all__ = ["LOCALE_TEXT", "column_defs"]

# assets/dashAgGridFunctions.js (fmtNumber): empty for NULL, text (合计) passes through.
NUMERIC = set(DECIMALS)


def column_defs(columns: list[ColumnMeta], *, sortable: bool = False,
                filterable: set[str] | None = None, hidden: set[str] | None = None
                ) -> list[dict[str, Any]]:
    defs = []
    for c in columns:
        d: dict[str, Any] = {"field": c.key, "headerName": c.label, "sortable": sortable,
                             "resizable": True, "minWidth": 90,
                             "hide": bool(hidden and c.key in hidden)}
        if c.type == "year":
            # Not inferred as a number: the totals row puts 合计 in this column.
            d.update(type="rightAligned", cellDataType=False)
        elif c.type in NUMERIC:
            # Decimals as the catalog declares them for the type (queries.spec.DECIMALS).
            fmt = f"fmtNumber(params.value, {DECIMALS[c.type]})"
            d.update(type="rightAligned", valueFormatter={"function": fmt})
            if filterable and c.key in filterable:
                d["filter"] = "agNumberColumnFilter"
        elif filterable and c.key in filterable:
            d["filter"] = "agTextColumnFilter"
            d["filterParams"] = {"filterOptions": ["contains", "equals"], "maxNumConditions": 1}
        if c.type == "date":
            d["minWidth"] = 110
        defs.append(d)
    return defs
