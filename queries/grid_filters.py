"""The detail grid's column filters and sort (AG Grid's models) → validated conditions.

Every type and operator AG Grid's text, number and date filters can send is given the
meaning the grid gives it (text matches ignore case; a blank text cell passes
"不等于"/"不包含"; ranges include both ends, as the grid is told with
``inRangeInclusive``); anything else is refused with a ``FilterError`` naming the
column, never read as something else. Values are bound parameters. A personal column
can be neither filtered nor sorted by a user who sees it masked: the count of rows
matching a guess would give the masked digits away.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from queries import borrowed
from queries.access import Viewer
from queries.filter_kinds import MAX_TEXT, FilterError
from queries.spec import DECIMALS, Col, Report
from queries.sql import Condition, escape_like

NUMERIC = frozenset({"year", *DECIMALS})
INTEGER = frozenset({"int", "year"})
TEXT_TYPES = ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
              "blank", "notBlank")
COMPARISONS = ("equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
               "greaterThanOrEqual", "inRange", "blank", "notBlank")
MAX_CONDITIONS = 10
# Far beyond any amount of the book, and inside every engine's number types.
MAX_NUMBER = 1e15
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_COMPARE_OPS = {"equals": "=", "notEqual": "<>", "lessThan": "<", "lessThanOrEqual": "<=",
                "greaterThan": ">", "greaterThanOrEqual": ">="}


def filter_kind(col: Col) -> str:
    """The grid filter a detail column gets: number, date or text."""
    return "number" if col.type in NUMERIC else "date" if col.type == "date" else "text"


def masked_for(viewer: Viewer, col: Col) -> bool:
    return bool(col.personal) and not viewer.personal_data


def _own(report: Report, col: Col) -> Col | None:
    """``col`` as a column of the report's source to filter and sort on: itself, or for
    a borrowed column (queries/borrowed.py) the column by its name; None for a name
    looked up per page."""
    if col.lookup is None:
        return col
    b = borrowed.of_column(report.source, col)
    return None if b is None else replace(col, column=b.name, lookup=None)


def filterable_columns(report: Report, viewer: Viewer) -> set[str]:
    """The detail columns the viewer may filter and sort on (not a looked-up name, not a
    personal column the viewer sees masked)."""
    return {c.key for c in report.detail
            if _own(report, c) is not None and not masked_for(viewer, c)}


def _refuse_masked(col: Col, what: str, key: str) -> FilterError:
    return FilterError(key, f"{col.label}: 个人信息已脱敏, 不能按此列{what}")


def _text_value(col: Col, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FilterError(col.key, f"{col.label}: 筛选值应为文字")
    text = str(value)
    if len(text) > MAX_TEXT:
        raise FilterError(col.key, f"{col.label}: 筛选值过长 (最多 {MAX_TEXT} 个字符)")
    return text


def _number_value(col: Col, value: Any) -> int | float:
    number: float
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FilterError(col.key, f"{col.label}: 请输入数字")
    try:
        number = float(value)
    except (ValueError, OverflowError) as exc:
        raise FilterError(col.key, f"{col.label}: {str(value)[:30]!r} 不是数字") from exc
    if not math.isfinite(number) or abs(number) > MAX_NUMBER:
        raise FilterError(col.key, f"{col.label}: 数值超出范围 (绝对值最大 {MAX_NUMBER:,.0f})")
    if col.type in INTEGER:
        if number != int(number):
            raise FilterError(col.key, f"{col.label}: 请输入整数")
        return int(number)
    return number


def _date_value(col: Col, value: Any) -> date:
    # The grid sends "YYYY-MM-DD hh:mm:ss"; the API may send the date alone.
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise FilterError(col.key, f"{col.label}: {str(value)[:30]!r} 不是有效日期 "
                                   "(格式 YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise FilterError(col.key, f"{col.label}: {value.strip()[:10]} 不是有效日期") from exc


def _text_condition(col: Col, kind: str, model: Mapping[str, Any]) -> Condition | None:
    column = f"CAST({col.source_column} AS VARCHAR)"
    if kind == "blank":
        return Condition(column, "blank")
    if kind == "notBlank":
        return Condition(column, "not_blank")
    value = model.get("filter")
    if value is None or value == "":
        return None  # an empty box filters nothing, as on the grid
    text = escape_like(_text_value(col, value))
    pattern = {"contains": f"%{text}%", "notContains": f"%{text}%", "equals": text,
               "notEqual": text, "startsWith": f"{text}%", "endsWith": f"%{text}"}[kind]
    return Condition(column, "not_ilike" if kind.startswith("not") else "ilike", pattern)


def _compared_condition(col: Col, kind: str, model: Mapping[str, Any], read: Any,
                        keys: tuple[str, str]) -> Condition | None:
    column = col.source_column
    if kind == "blank":
        return Condition(column, "is_null")
    if kind == "notBlank":
        return Condition(column, "not_null")
    lo_raw, hi_raw = model.get(keys[0]), model.get(keys[1])
    if lo_raw is None or lo_raw == "":
        return None
    lo = read(col, lo_raw)
    if kind == "inRange":
        if hi_raw is None or hi_raw == "":
            raise FilterError(col.key, f"{col.label}: 范围筛选需要填写上下限")
        hi = read(col, hi_raw)
        if lo > hi:
            raise FilterError(col.key, f"{col.label}: 上限小于下限")
        return Condition(column, "between", (lo, hi))
    return Condition(column, _COMPARE_OPS[kind], lo)


def _simple_condition(col: Col, model: Mapping[str, Any]) -> Condition | None:
    kind = filter_kind(col)
    sent = model.get("filterType")
    if sent is not None and sent != kind:
        raise FilterError(col.key, f"{col.label}: 此列只能用{_KIND_LABELS[kind]}筛选")
    allowed = TEXT_TYPES if kind == "text" else COMPARISONS
    op = model.get("type", "contains" if kind == "text" else "equals")
    if op not in allowed:
        raise FilterError(col.key, f"{col.label}: 不支持的筛选方式 {str(op)[:30]!r}")
    if kind == "text":
        return _text_condition(col, op, model)
    if kind == "number":
        return _compared_condition(col, op, model, _number_value, ("filter", "filterTo"))
    keys = ("dateFrom", "dateTo") if "dateFrom" in model else ("filter", "filterTo")
    return _compared_condition(col, op, model, _date_value, keys)


_KIND_LABELS = {"text": "文字", "number": "数字", "date": "日期"}


def column_condition(col: Col, model: Any) -> Condition | None:
    """One column's filter model: a simple one, or AND/OR of up to ``MAX_CONDITIONS``."""
    if not isinstance(model, Mapping):
        raise FilterError(col.key, f"{col.label}: 列筛选应为 JSON 对象")
    if "operator" not in model and "conditions" not in model:
        return _simple_condition(col, model)
    operator, conditions = model.get("operator"), model.get("conditions")
    if operator not in {"AND", "OR"}:
        raise FilterError(col.key, f"{col.label}: 组合条件只能是 AND 或 OR")
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise FilterError(col.key, f"{col.label}: 组合条件应为 1 到 {MAX_CONDITIONS} 个条件")
    parts = []
    for part in conditions:
        if not isinstance(part, Mapping) or "conditions" in part or "operator" in part:
            raise FilterError(col.key, f"{col.label}: 组合条件中的每一项应为单个条件")
        inherited = {"filterType": model["filterType"]} if "filterType" in model else {}
        condition = _simple_condition(col, {**inherited, **part})
        if condition is not None:
            parts.append(condition)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Condition("", operator.lower(), tuple(parts))


def column_conditions(report: Report, column_filters: Mapping[str, Any] | None,
                      viewer: Viewer) -> list[Condition]:
    """AG Grid's filter model (column key → model) as conditions of the detail."""
    if column_filters is None:
        return []
    if not isinstance(column_filters, Mapping):
        raise FilterError("filter", "列筛选参数无效: 应为 JSON 对象")
    cols = {c.key: c for c in report.detail}
    out: list[Condition] = []
    for key, model in column_filters.items():
        col = cols.get(key)
        if col is None:
            raise FilterError(str(key)[:40], f"列 {str(key)[:40]} 不能筛选")
        if masked_for(viewer, col):
            raise _refuse_masked(col, "筛选", col.key)
        own = _own(report, col)
        if own is None:  # a name fetched per page, not a column of the source
            raise FilterError(col.key, f"{col.label}: 此列不能筛选")
        condition = column_condition(own, model)
        if condition is not None:
            out.append(condition)
    return out


def detail_order(report: Report, sort: Sequence[tuple[str, str]], viewer: Viewer | None
                 ) -> list[tuple[str, str]]:
    """The grid's sort as (source column, direction); the report's order when empty.
    ``viewer`` None only where the sort was checked for that viewer already (a job)."""
    cols = {c.key: c for c in report.detail}
    order = []
    for key, direction in sort:
        col = cols.get(key)
        if col is None:
            raise FilterError("sort", f"不能按 {str(key)[:40]} 排序")
        if viewer is not None and masked_for(viewer, col):
            raise _refuse_masked(col, "排序", "sort")
        own = _own(report, col)
        if own is None:
            raise FilterError("sort", f"{col.label}: 此列不能排序")
        if direction not in {"asc", "desc"}:
            raise FilterError("sort", f"{col.label}: 排序方向只能是 asc 或 desc")
        order.append((own.source_column, direction))
    return [(borrowed.order_column(report.source, c), d)
            for c, d in order or report.order]


def grid_sort(sort_model: Any) -> list[tuple[str, str]]:
    """AG Grid's sortModel ([{"colId", "sort"}]) as (key, direction) pairs."""
    if sort_model in (None, ""):
        return []
    if not isinstance(sort_model, list) or len(sort_model) > 20 or not all(
            isinstance(s, Mapping) and isinstance(s.get("colId"), str)
            and s.get("sort") in {"asc", "desc"} for s in sort_model):
        raise FilterError("sortModel", "排序参数无效")
    return [(s["colId"], s["sort"]) for s in sort_model]
