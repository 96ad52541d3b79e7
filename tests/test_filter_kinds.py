"""Filter kinds are classes: a new kind is one class, every declared kind is used, each
kind reads back the URL keys it writes, and value types come from the store's schema."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from data.settings import Settings
from engines.base import Engine
from queries import store_types
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG, check_report
from queries.engine import run_summary
from queries.filter_kinds import KINDS, FilterError, FilterKind, Parsed, kind_of, one_value
from queries.filters import parse_filters, previous_year
from queries.spec import Filter, Report
from queries.sql import Condition
from queries.urls import bound_keys, drill_key, range_keys
from tests.catalog_args import wide_args

AS_OF = date(2026, 11, 20)
GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


class AtLeast(FilterKind):
    """A kind a test adds: the column at least the number typed (``key_min`` in the URL)."""

    name = "at_least"
    placeholder = "不少于"

    def url_keys(self, f: Filter) -> dict[str, str]:
        return {f"{f.key}_min": f"{f.label}下限"}

    def parse(self, report: Report, f: Filter, args: Mapping[str, Any], out: Parsed
              ) -> list[Condition]:
        text = one_value(args, f"{f.key}_min", f.label)
        if not text:
            return []
        try:
            number = int(text)
        except ValueError as exc:
            raise FilterError(f.key, f"{f.label}: 请输入整数") from exc
        out.query[f"{f.key}_min"] = text
        return [Condition(f.column, ">=", number)]

    def from_widget(self, f: Filter, value: Any) -> dict[str, str]:
        return {f"{f.key}_min": str(value).strip()}

    def test_args(self, f: Filter, as_of: date) -> dict[str, str]:
        return {f"{f.key}_min": "0"}


@pytest.fixture
def at_least() -> Iterator[Report]:
    """claims-open with a 等待天数 filter of the new kind, the kind registered for the test."""
    KINDS[AtLeast.name] = AtLeast()
    base = CATALOG["claims-open"]
    waiting = Filter("waiting", "等待天数", "at_least", "days_open", required=True)
    try:
        yield replace(base, slug="claims-open-waiting", filters=(*base.filters, waiting))
    finally:
        del KINDS[AtLeast.name]


def test_a_new_filter_kind_is_one_class(engine: Engine, at_least: Report) -> None:
    assert check_report(at_least) == []
    flt = at_least.filters[-1]
    kind = kind_of(flt)
    assert kind.from_widget(flt, " 30 ") == {"waiting_min": "30"}
    assert kind.url_keys(flt) == {"waiting_min": "等待天数下限"}
    args = wide_args(at_least, AS_OF)
    assert args["waiting_min"] == "0"
    every = run_summary(engine, at_least, parse_filters(at_least, args, AS_OF), GM)
    waiting = parse_filters(at_least, {**args, "waiting_min": "60"}, AS_OF)
    assert Condition("days_open", ">=", 60) in waiting.conditions
    assert waiting.query["waiting_min"] == "60"
    fewer = run_summary(engine, at_least, waiting, GM)
    assert 0 < fewer.totals["claims"] < every.totals["claims"]
    assert previous_year(at_least, waiting).query["waiting_min"] == "60"  # not a date
    with pytest.raises(FilterError, match="等待天数: 请输入整数"):
        parse_filters(at_least, {"waiting_min": "many"}, AS_OF)


def test_a_report_naming_an_unknown_kind_is_refused() -> None:
    base = CATALOG["claims-open"]
    odd = replace(base, filters=(*base.filters, Filter("x", "某值", "no_such_kind", "stage")))
    assert any("unknown kind 'no_such_kind'" in p for p in check_report(odd))


def test_every_declared_kind_is_used_by_a_report() -> None:
    used = {f.kind for r in ALL_REPORTS for f in r.filters}
    assert set(KINDS) == used


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: r.slug)
def test_each_kind_reads_back_what_it_writes(settings: Settings, report: Report) -> None:
    """A parsed query, written to the URL and read again, is the same query; its keys are
    the ones the kinds (and the drill-down) own."""
    values = parse_filters(report, wide_args(report, AS_OF), AS_OF)
    again = parse_filters(report, values.query, AS_OF)
    assert again.query == values.query and again.conditions == values.conditions
    owned = {k for f in report.filters for k in kind_of(f).url_keys(f)}
    assert set(values.query) <= owned


def test_widget_values_become_the_keys_the_parser_reads() -> None:
    kinds = {f.kind: f for r in ALL_REPORTS for f in r.filters}
    rng = kinds["date_range"]
    assert kind_of(rng).from_widget(rng, ("2026-01-01", "")) == \
        {range_keys(rng.key)[0]: "2026-01-01"}
    code = kinds["code_pattern"]
    assert kind_of(code).from_widget(code, " q* ") == {code.key: "Q*", f"{code.key}_op": "$"}
    multi = kinds["multi"]
    assert kind_of(multi).from_widget(multi, ["3", "4"]) == {multi.key: "3,4"}
    month = kinds["month"]
    assert kind_of(month).from_widget(month, "2026-03-01") == {month.key: "2026-03"}
    bounds = kinds["number_range"]
    lo, hi = bound_keys(bounds.key)
    assert kind_of(bounds).from_widget(bounds, " 0.6 ~ ") == {lo: "0.6", hi: ""}


def test_a_number_range_is_open_at_either_end() -> None:
    report = next(r for r in ALL_REPORTS if any(f.kind == "number_range" for f in r.filters))
    flt = next(f for f in report.filters if f.kind == "number_range")
    lo, hi = bound_keys(flt.key)
    values = parse_filters(report, {lo: "2"}, AS_OF)
    assert Condition(flt.column, "between", (2.0, None)) in values.conditions
    with pytest.raises(FilterError, match="上限小于下限"):
        parse_filters(report, {lo: "5", hi: "1"}, AS_OF)
    with pytest.raises(FilterError, match="请输入数字"):
        parse_filters(report, {hi: "many"}, AS_OF)


def test_previous_year_moves_only_dates_and_months() -> None:
    report = CATALOG["premium-received-monthly"]
    values = parse_filters(report, {"month": "2024-02"}, AS_OF)
    assert previous_year(report, values).query["month"] == "2023-02"
    ranged = CATALOG["pnl-auto-cube"]
    lo, hi = range_keys("start")
    values = parse_filters(ranged, {lo: "2024-02-29", hi: "2024-03-31", "branch": "1",
                                    drill_key("branch"): "1"}, AS_OF)
    earlier = previous_year(ranged, values).query
    assert (earlier[lo], earlier[hi], earlier["branch"]) == ("2023-02-28", "2023-03-31", "1")
    assert earlier[drill_key("branch")] == "1"


def test_value_types_come_from_the_schema_not_the_name(engine: Engine) -> None:
    """A text column named like a key stays text; an integer column becomes an int."""
    report = CATALOG["claims-open"]
    store_types.capture_tables({"claim_fact": {"branch_id": "VARCHAR"}})
    try:
        assert parse_filters(report, {"branch": "0044"}, AS_OF).conditions[0].value == ["0044"]
    finally:
        store_types.capture(engine)
    assert parse_filters(report, {"branch": "0044"}, AS_OF).conditions[0].value == [44]
    assert store_types.value_type("Nullable(Int32)") == "int"
    assert store_types.value_type("DECIMAL(18,2)") == "decimal"
    assert store_types.value_type("Date32") == "date"
    assert store_types.value_type("VARCHAR") == "text"
