"""Filter kinds, one class each (in the manner of datasette's ``filters.py``): a kind owns
its URL keys, how they parse into conditions, how its widget's value becomes URL keys,
how it moves one year earlier (上年同期), and the arguments a test (or a warm start) gives
it. A report's ``Filter`` names its kind; ``KINDS`` finds the class.

Adding a kind is one subclass of ``FilterKind`` with a new ``name`` (and a ``widget``
that ``layouts/report_page.filter_input`` draws: ``date_range``, ``month``, ``date``,
``select``, ``code``, ``number_range`` or ``text``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from queries.periods import default_range
from queries.spec import Filter, Report
from queries.sql import Condition, escape_like, pattern_to_like
from queries.store_types import column_type
from queries.urls import bound_keys, op_key, range_keys

MAX_TEXT = 200
MAX_CHOICES = 500
Period = tuple[str, date | None, date]  # column, first day (None: all before), last day


class FilterError(ValueError):
    def __init__(self, filter_key: str, message: str) -> None:
        super().__init__(message)
        self.filter_key = filter_key
        self.message = message


@dataclass
class Parsed:
    """What parsing a report's filters gathers besides the conditions."""

    today: date
    query: dict[str, str] = field(default_factory=dict)  # canonical URL parameters
    periods: dict[str, Period] = field(default_factory=dict)


def one_value(args: Mapping[str, Any], key: str, label: str = "") -> str:
    value = args.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_TEXT:
        raise FilterError(key, f"{label or key}: 输入过长 (最多 {MAX_TEXT} 个字符)")
    return text


def many_values(args: Mapping[str, Any], key: str, label: str = "") -> list[str]:
    value = args.get(key)
    items: Sequence[Any] = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        out += [p.strip() for p in str(item).split(",") if p.strip()]
    if len(out) > MAX_CHOICES:
        raise FilterError(key, f"{label or key}: 选择过多 (最多 {MAX_CHOICES} 项)")
    return list(dict.fromkeys(out))


def typed_value(report: Report, flt: Filter, text: str) -> Any:
    """``text`` as the value the filter's column holds (the store's type)."""
    if column_type(report.source, flt.column) != "int":
        return text
    try:
        return int(text)
    except ValueError as exc:
        raise FilterError(flt.key, f"{flt.label}: “{text}” 不是有效的代码") from exc


def iso_date(flt: Filter, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FilterError(flt.key, f"{flt.label}: “{text}” 不是有效日期, 请按 YYYY-MM-DD "
                                   "填写 (如 2026-01-31)") from exc


def year_earlier_text(text: str) -> str:
    """'2026-03' → '2025-03'; '2024-02-29' → '2023-02-28'."""
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{int(text[:4]) - 1:04d}{text[4:]}"
    d = date.fromisoformat(text)
    try:
        return d.replace(year=d.year - 1).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28).isoformat()


class FilterKind:
    name: ClassVar[str]
    widget: ClassVar[str] = "text"
    placeholder: ClassVar[str] = ""
    # A date picker whose typed text is kept (so 2026-13-45 reaches the server, refused).
    keeps_typed_text: ClassVar[bool] = False

    def url_keys(self, f: Filter) -> dict[str, str]:
        """The filter's URL keys and how the audit log names each."""
        return {f.key: f.label}

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        raise NotImplementedError

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        """The URL keys of the widget's value (never empty values)."""
        return {f.key: str(value).strip()}

    def year_earlier(self, f: Filter, query: Mapping[str, str]) -> dict[str, str]:
        """The filter's URL values one year earlier (only keys that move)."""
        return {}

    def test_args(self, f: Filter, as_of: date) -> dict[str, str]:
        """Values for a required filter that narrow the report as little as possible."""
        return {}

    def opening_args(self, f: Filter, today: date) -> dict[str, str]:
        """What a user fills in a required filter on opening the page (a warm start)."""
        return self.test_args(f, today)

    def _required(self, f: Filter, message: str) -> list[Condition]:
        if f.required:
            raise FilterError(f.key, f"{f.label}: {message}")
        return []


KINDS: dict[str, FilterKind] = {}


def register(kind: type[FilterKind]) -> type[FilterKind]:
    """Make ``kind`` available to reports (a class decorator)."""
    KINDS[kind.name] = kind()
    return kind


def kind_of(f: Filter) -> FilterKind:
    found = KINDS.get(f.kind)
    if found is None:
        raise FilterError(f.key, f"未知的筛选类型 {f.kind}")
    return found


# --- the kinds the catalog uses ---------------------------------------------------------------

@register
class DateRange(FilterKind):
    """Two ISO dates, inclusive; only a start means "from", only an end "until"."""

    name = "date_range"
    widget = "date_range"
    keeps_typed_text = True

    def url_keys(self, f: Filter) -> dict[str, str]:
        lo, hi = range_keys(f.key)
        return {lo: f"{f.label}从", hi: f"{f.label}至"}

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        lo_key, hi_key = range_keys(f.key)
        lo, hi = one_value(args, lo_key, f.label), one_value(args, hi_key, f.label)
        if not lo and not hi:
            lo, hi = default_range(f.default, out.today) or ("", "")
        if not lo and not hi:
            return self._required(f, "必须填写开始日期或结束日期")
        d_lo = iso_date(f, lo) if lo else None
        d_hi = iso_date(f, hi) if hi else None
        if d_lo and d_hi and d_lo > d_hi:
            raise FilterError(f.key, f"{f.label}: 结束日期 {hi} 早于开始日期 {lo}")
        out.query.update({lo_key: lo, hi_key: hi})
        return [Condition(f.column, "between", (d_lo, d_hi))]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        lo, hi = value  # the texts of the two date fields
        return {k: v for k, v in zip(range_keys(f.key), (lo, hi), strict=True) if v}

    def year_earlier(self, f: Filter, query: Mapping[str, str]) -> dict[str, str]:
        return {k: year_earlier_text(query[k]) for k in range_keys(f.key) if query.get(k)}

    def test_args(self, f: Filter, as_of: date) -> dict[str, str]:
        return dict(zip(range_keys(f.key), ("2000-01-01", "2099-12-31"), strict=True))

    def opening_args(self, f: Filter, today: date) -> dict[str, str]:
        return dict(zip(range_keys(f.key),
                        ((today - timedelta(days=365)).isoformat(), today.isoformat()),
                        strict=True))


@register
class Month(FilterKind):
    """YYYY-MM; ``op='ytd'`` selects 1 January to the month's end and makes the month a
    period measures with ``period`` sum over."""

    name = "month"
    widget = "month"

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        text = one_value(args, f.key, f.label) or \
            ("" if not f.default else out.today.strftime("%Y-%m"))
        if not text:
            return self._required(f, "必须选择月份")
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise FilterError(f.key, f"{f.label}: {text!r} 不是有效月份 (格式 YYYY-MM)")
        first = date(int(text[:4]), int(text[5:]), 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        out.query[f.key] = text
        if f.op == "ytd":
            out.periods[f.key] = (f.column, first, last)
            return [Condition(f.column, "between", (first.replace(month=1), last))]
        return [Condition(f.column, "between", (first, last))]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        return {f.key: str(value)[:7]}

    def year_earlier(self, f: Filter, query: Mapping[str, str]) -> dict[str, str]:
        return {f.key: year_earlier_text(query[f.key])} if query.get(f.key) else {}

    def test_args(self, f: Filter, as_of: date) -> dict[str, str]:
        return {f.key: as_of.strftime("%Y-%m")}


@register
class OneDate(FilterKind):
    """One ISO date compared by ``op`` ('<=' also makes it a period other measures are
    taken at, e.g. received as of a statistics date)."""

    name = "date"
    widget = "date"
    keeps_typed_text = True

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        text = one_value(args, f.key, f.label) or \
            ("" if not f.default else out.today.isoformat())
        if not text:
            return self._required(f, "必须填写日期")
        out.query[f.key] = text
        chosen = iso_date(f, text)
        if f.op == "<=":
            out.periods[f.key] = (f.column, None, chosen)
        return [Condition(f.column, f.op, chosen)]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        return {f.key: str(value).strip()[:10]}

    def year_earlier(self, f: Filter, query: Mapping[str, str]) -> dict[str, str]:
        return {f.key: year_earlier_text(query[f.key])} if query.get(f.key) else {}

    def test_args(self, f: Filter, as_of: date) -> dict[str, str]:
        return {f.key: as_of.isoformat()}


@register
class Multi(FilterKind):
    """Several codes from a list (options from the store or static); ``exclusive``
    values may only be chosen alone."""

    name = "multi"
    widget = "select"

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        values = many_values(args, f.key, f.label)
        if not values:
            return self._required(f, "必须选择")
        alone = [v for v in values if v in f.exclusive]
        if alone and len(values) > 1:
            shown = dict(f.options.static if f.options else ()).get(alone[0], alone[0])
            raise FilterError(f.key, f"{f.label}: “{shown}” 只能单独选择, 不能与其他值同时选择")
        out.query[f.key] = ",".join(values)
        return [Condition(f.column, "in", [typed_value(report, f, v) for v in values])]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        return {f.key: ",".join(str(v) for v in value)}


@register
class Exact(FilterKind):
    """An exact value of the column (a policy number, a code)."""

    name = "text"
    placeholder = "精确匹配"

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        text = one_value(args, f.key, f.label)
        if not text:
            return self._required(f, "必须填写")
        out.query[f.key] = text
        return [Condition(f.column, "=", typed_value(report, f, text))]


@register
class Contains(FilterKind):
    """Part of a name; the user's text is matched literally (% and _ are no wildcards)."""

    name = "contains"
    placeholder = "包含"

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        text = one_value(args, f.key, f.label)
        if not text:
            return []
        out.query[f.key] = text
        return [Condition(f.column, "like", "%" + escape_like(text) + "%")]


@register
class CodePattern(FilterKind):
    """险种 and other codes: ``=`` exact, or ``$`` a pattern with the user's * and ?;
    one field in the page, where a * or ? makes it a pattern."""

    name = "code_pattern"
    widget = "code"

    def url_keys(self, f: Filter) -> dict[str, str]:
        return {f.key: f.label, op_key(f.key): f"{f.label}查询符"}

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        # Codes are upper case in the store: 'qaa' finds QAA.
        text = one_value(args, f.key, f.label).upper()
        op = one_value(args, op_key(f.key), f.label) or "="
        if op not in {"=", "$"}:
            raise FilterError(f.key, f"{f.label}: 查询符只能是 = 或 $")
        if not text:
            return self._required(f, "必须填写")
        out.query.update({f.key: text, op_key(f.key): op})
        if op == "=":
            return [Condition(f.column, "=", text)]
        return [Condition(f.column, "like", pattern_to_like(text))]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        text = str(value).strip().upper()
        return {f.key: text, op_key(f.key): "$" if any(ch in text for ch in "*?") else "="}


@register
class NumberRange(FilterKind):
    """A number between a lower and an upper bound (either may be left open); one field
    in the page, ``下限~上限``."""

    name = "number_range"
    widget = "number_range"
    placeholder = "下限~上限"

    def url_keys(self, f: Filter) -> dict[str, str]:
        lo, hi = bound_keys(f.key)
        return {lo: f"{f.label}下限", hi: f"{f.label}上限"}

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        lo_key, hi_key = bound_keys(f.key)
        lo, hi = one_value(args, lo_key, f.label), one_value(args, hi_key, f.label)
        try:
            n_lo = float(lo) if lo else None
            n_hi = float(hi) if hi else None
        except ValueError as exc:
            raise FilterError(f.key, f"{f.label}: 请输入数字") from exc
        if n_lo is None and n_hi is None:
            return []
        if n_lo is not None and n_hi is not None and n_lo > n_hi:
            raise FilterError(f.key, f"{f.label}: 上限小于下限")
        out.query.update({lo_key: lo, hi_key: hi})
        return [Condition(f.column, "between", (n_lo, n_hi))]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        lo, _, hi = str(value).partition("~")
        return dict(zip(bound_keys(f.key), (lo.strip(), hi.strip()), strict=True))
