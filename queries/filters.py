"""Filter values from a URL query string or API call → validated conditions.

Every message names the filter, in the users' words, so bad input is never silent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from queries.compile import NULL_TOKEN, Condition, pattern_to_like
from queries.periods import default_range, year_earlier
from queries.spec import Filter, Report

INT_SUFFIXES = ("_id", "_year", "seats", "use_years", "claims_registered")
MAX_TEXT = 200
MAX_CHOICES = 500


class FilterError(ValueError):
    def __init__(self, filter_key: str, message: str) -> None:
        super().__init__(message)
        self.filter_key = filter_key
        self.message = message


@dataclass(frozen=True)
class FilterValues:
    conditions: list[Condition]
    query: dict[str, str] = field(default_factory=dict)  # canonical URL parameters
    drill: dict[str, str] = field(default_factory=dict)  # d_<dim> values of a drill-down
    # Month filters in 'ytd' mode: key → (column, first day, last day) of the chosen month.
    periods: dict[str, tuple[str, date | None, date]] = field(default_factory=dict)


def coerce(column: str, value: Any) -> Any:
    if column.endswith(INT_SUFFIXES) and not isinstance(value, int):
        try:
            return int(str(value))
        except ValueError as exc:
            raise FilterError(column, f"{value!r} 不是有效的代码") from exc
    return value


def _coerced(flt: Filter, value: Any) -> Any:
    try:
        return coerce(flt.column, value)
    except FilterError as exc:
        raise FilterError(flt.key, f"{flt.label}: “{value}” 不是有效的代码") from exc


def _one(args: Mapping[str, Any], key: str, label: str = "") -> str:
    value = args.get(key)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT:
        raise FilterError(key, f"{label or key}: 输入过长 (最多 {MAX_TEXT} 个字符)")
    return text


def _many(args: Mapping[str, Any], key: str, label: str = "") -> list[str]:
    value = args.get(key)
    items: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        out += [p.strip() for p in str(item).split(",") if p.strip()]
    if len(out) > MAX_CHOICES:
        raise FilterError(key, f"{label or key}: 选择过多 (最多 {MAX_CHOICES} 项)")
    return list(dict.fromkeys(out))


def _date(flt: Filter, key: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FilterError(flt.key, f"{flt.label}: “{text}” 不是有效日期, 请按 YYYY-MM-DD "
                                   "填写 (如 2026-01-31)") from exc


def _parse_one(flt: Filter, args: Mapping[str, Any], query: dict[str, str],
               today: date, periods: dict[str, tuple[str, date | None, date]]
               ) -> list[Condition]:
    k, col = flt.key, flt.column
    if flt.kind == "date_range":
        lo, hi = _one(args, f"{k}_from", flt.label), _one(args, f"{k}_to", flt.label)
        if not lo and not hi:
            lo, hi = default_range(flt.default, today) or ("", "")
        if not lo and not hi:
            if flt.required:
                raise FilterError(k, f"{flt.label}: 必须填写开始日期或结束日期")
            return []
        # Only a start means "from", only an end "until".
        d_lo = _date(flt, k, lo) if lo else None
        d_hi = _date(flt, k, hi) if hi else None
        if d_lo and d_hi and d_lo > d_hi:
            raise FilterError(k, f"{flt.label}: 结束日期 {hi} 早于开始日期 {lo}")
        query.update({f"{k}_from": lo, f"{k}_to": hi})
        return [Condition(col, "between", (d_lo, d_hi))]
    if flt.kind == "month":
        text = _one(args, k, flt.label) or ("" if not flt.default else today.strftime("%Y-%m"))
        if not text:
            if flt.required:
                raise FilterError(k, f"{flt.label}: 必须选择月份")
            return []
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise FilterError(k, f"{flt.label}: {text!r} 不是有效月份 (格式 YYYY-MM)")
        first = date(int(text[:4]), int(text[5:]), 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        query[k] = text
        if flt.op == "ytd":
            periods[k] = (col, first, last)
            return [Condition(col, "between", (first.replace(month=1), last))]
        return [Condition(col, "between", (first, last))]
    if flt.kind == "date":
        text = _one(args, k, flt.label) or ("" if not flt.default else today.isoformat())
        if not text:
            if flt.required:
                raise FilterError(k, f"{flt.label}: 必须填写日期")
            return []
        query[k] = text
        chosen = _date(flt, k, text)
        if flt.op == "<=":
            periods[k] = (col, None, chosen)
        return [Condition(col, flt.op, chosen)]
    if flt.kind in {"multi", "choice"}:
        values = _many(args, k, flt.label) if flt.kind == "multi" \
            else [v for v in [_one(args, k, flt.label)] if v]
        if not values:
            if flt.required:
                raise FilterError(k, f"{flt.label}: 必须选择")
            return []
        alone = [v for v in values if v in flt.exclusive]
        if alone and len(values) > 1:
            shown = dict(flt.options.static if flt.options else ()).get(alone[0], alone[0])
            raise FilterError(k, f"{flt.label}: “{shown}” 只能单独选择, 不能与其他值同时选择")
        query[k] = ",".join(values)
        return [Condition(col, "in", [_coerced(flt, v) for v in values])]
    if flt.kind == "text":
        text = _one(args, k, flt.label)
        if not text:
            if flt.required:
                raise FilterError(k, f"{flt.label}: 必须填写")
            return []
        query[k] = text
        return [Condition(col, "=", _coerced(flt, text))]
    if flt.kind == "contains":
        text = _one(args, k, flt.label)
        if not text:
            return []
        query[k] = text
        from queries.compile import escape_like

        return [Condition(col, "like", "%" + escape_like(text) + "%")]
    if flt.kind == "code_pattern":
        # Codes are upper case in the store: 'qaa' finds QAA.
        text = _one(args, k, flt.label).upper()
        op = _one(args, f"{k}_op", flt.label) or "="
        if op not in {"=", "$"}:
            raise FilterError(k, f"{flt.label}: 查询符只能是 = 或 $")
        if not text:
            if flt.required:
                raise FilterError(k, f"{flt.label}: 必须填写")
            return []
        query.update({k: text, f"{k}_op": op})
        if op == "=":
            return [Condition(col, "=", text)]
        return [Condition(col, "like", pattern_to_like(text))]
    if flt.kind == "number_range":
        lo, hi = _one(args, f"{k}_min", flt.label), _one(args, f"{k}_max", flt.label)
        try:
            n_lo = float(lo) if lo else None
            n_hi = float(hi) if hi else None
        except ValueError as exc:
            raise FilterError(k, f"{flt.label}: 请输入数字") from exc
        if n_lo is None and n_hi is None:
            return []
        if n_lo is not None and n_hi is not None and n_lo > n_hi:
            raise FilterError(k, f"{flt.label}: 上限小于下限")
        query.update({f"{k}_min": lo, f"{k}_max": hi})
        return [Condition(col, "between", (n_lo, n_hi))]
    raise FilterError(k, f"未知的筛选类型 {flt.kind}")


def parse_filters(report: Report, args: Mapping[str, Any], today: date | None = None
                  ) -> FilterValues:
    today = today or date.today()
    query: dict[str, str] = {}
    conditions: list[Condition] = []
    periods: dict[str, tuple[str, date | None, date]] = {}
    for flt in report.filters:
        conditions += _parse_one(flt, args, query, today, periods)
    drill: dict[str, str] = {}
    dims = {d.key: d for d in report.dims}
    for key in args:
        if not key.startswith("d_"):
            continue
        dim = dims.get(key[2:])
        if dim is None:
            raise FilterError(key, f"未知的下钻维度 {key[2:]}")
        text = _one(args, key, dim.label)
        drill[key] = text
        if text == NULL_TOKEN:
            conditions.append(Condition(dim.column, "is_null"))
        else:
            value: Any = text
            if dim.type in {"int", "year"}:
                try:
                    value = int(text)
                except ValueError as exc:
                    raise FilterError(key, f"{dim.label}: {text!r} 不是整数") from exc
            conditions.append(Condition(dim.column, "=", value))
    return FilterValues(conditions, {**query, **drill}, drill, periods)


def _year_earlier(text: str) -> str:
    """'2026-03' → '2025-03'; '2024-02-29' → '2023-02-28'."""
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{int(text[:4]) - 1:04d}{text[4:]}"
    d = date.fromisoformat(text)
    try:
        return d.replace(year=d.year - 1).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28).isoformat()


def previous_year(report: Report, values: FilterValues, today: date | None = None
                  ) -> FilterValues:
    """The same filters with every month and date moved one year earlier, ending no later
    than the data date a year earlier: this year's period holds data only up to the data
    date, so 上年同期 compares the same days (a whole December is not set against one day)."""
    args: dict[str, Any] = dict(values.query)
    for flt in report.filters:
        keys = {"month": [flt.key], "date": [flt.key],
                "date_range": [f"{flt.key}_from", f"{flt.key}_to"]}.get(flt.kind, [])
        for k in keys:
            if args.get(k):
                args[k] = _year_earlier(str(args[k]))
    # ``values.query`` already holds the drill-down (its d_<dim> keys, as given).
    earlier = parse_filters(report, args, today)
    if today is None:
        return earlier
    cap = year_earlier(today)

    def capped(hi: Any) -> Any:
        return cap if isinstance(hi, date) and hi > cap else hi

    conditions = [Condition(c.column, c.op, (c.value[0], capped(c.value[1])))
                  if c.op == "between" and isinstance(c.value, tuple) else c
                  for c in earlier.conditions]
    periods = {k: (col, lo, capped(hi)) for k, (col, lo, hi) in earlier.periods.items()}
    return FilterValues(conditions, earlier.query, earlier.drill, periods)
