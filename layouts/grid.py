"""AG Grid column definitions from the catalog's column types (Chinese, formatted)."""

from __future__ import annotations

from typing import Any

from queries.engine import ColumnMeta
from queries.spec import DECIMALS

# assets/dashAgGridFunctions.js (fmtNumber): empty for NULL, text (合计) passes through.
LOCALE_TEXT = {
    "noRowsToShow": "没有符合条件的数据", "loadingOoo": "正在加载…", "page": "页",
    "contains": "包含", "equals": "等于", "notEqual": "不等于", "startsWith": "开头是",
    "endsWith": "结尾是", "lessThan": "小于", "greaterThan": "大于", "filterOoo": "筛选…",
    "applyFilter": "应用", "resetFilter": "重置", "andCondition": "并且", "orCondition": "或者",
    "blank": "为空", "notBlank": "不为空", "notContains": "不包含",
}
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
