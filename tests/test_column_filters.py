"""The detail grid's column filters mean what AG Grid says they mean: every text, number
and date operator and the combined AND/OR model, checked row by row against the same
rows filtered in Python; anything else is a 400 naming the column; exports hold the
rows the filters leave."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import engine as reporting
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG

# What AG Grid's text, number and date filters can send (its filterOptions).
TEXT_TYPES = ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
              "blank", "notBlank")
COMPARISONS = ("equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
               "greaterThanOrEqual", "inRange", "blank", "notBlank")
GM = Viewer(1, "gm", "总经理", frozenset(), DataScope("company"), True)
SLUG = "pnl-auto-cube"
QUARTER = {"start_from": "2024-01-01", "start_to": "2024-03-31"}  # ~1,800 rows


@pytest.fixture(scope="module")
def quarter(engine: Engine) -> list[dict[str, Any]]:
    report = CATALOG[SLUG]
    rows = list(reporting.iter_detail_rows(engine, report, reporting.parse_filters(report, QUARTER),
                                        GM))
    assert len(rows) > 1000
    return rows


def _text(op: str, cell: Any, value: str) -> bool:
    # AG Grid's text filter: case ignored; an empty cell passes "not equal"/"not contains".
    if op == "blank":
        return cell in (None, "")
    if op == "notBlank":
        return cell not in (None, "")
    if cell is None:
        return op in {"notEqual", "notContains"}
    c, v = str(cell).lower(), value.lower()
    tests: dict[str, Callable[[], bool]] = {
        "contains": lambda: v in c, "notContains": lambda: v not in c,
        "equals": lambda: c == v, "notEqual": lambda: c != v,
        "startsWith": lambda: c.startswith(v), "endsWith": lambda: c.endswith(v)}
    return tests[op]()


def _compare(op: str, cell: Any, lo: Any, hi: Any = None) -> bool:
    if op == "blank":
        return cell is None
    if op == "notBlank":
        return cell is not None
    if cell is None:
        return False  # AG Grid's number and date filters leave blanks out
    tests: dict[str, Callable[[], bool]] = {
        "equals": lambda: cell == lo, "notEqual": lambda: cell != lo,
        "lessThan": lambda: cell < lo, "lessThanOrEqual": lambda: cell <= lo,
        "greaterThan": lambda: cell > lo, "greaterThanOrEqual": lambda: cell >= lo,
        "inRange": lambda: lo <= cell <= hi}
    return tests[op]()


def _simple(key: str, model: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    op, kind = model["type"], model["filterType"]
    if kind == "text":
        return lambda r: _text(op, r[key], model.get("filter", ""))
    if kind == "number":
        return lambda r: _compare(op, r[key], model.get("filter"), model.get("filterTo"))
    lo, hi = (str(model.get(k) or "")[:10] for k in ("dateFrom", "dateTo"))
    return lambda r: _compare(op, r[key], lo, hi)


def expected(key: str, model: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    if "conditions" not in model:
        return _simple(key, model)
    parts = [_simple(key, {"filterType": model["filterType"], **c})
             for c in model["conditions"]]
    if model["operator"] == "AND":
        return lambda r: all(p(r) for p in parts)
    return lambda r: any(p(r) for p in parts)


def text(op: str, value: str = "") -> dict[str, Any]:
    return {"filterType": "text", "type": op, **({"filter": value} if value else {})}


def number(op: str, lo: float | str | None = None, hi: float | None = None
           ) -> dict[str, Any]:
    return {"filterType": "number", "type": op,
            **({"filter": lo} if lo is not None else {}),
            **({"filterTo": hi} if hi is not None else {})}


def day(op: str, lo: str | None = None, hi: str | None = None) -> dict[str, Any]:
    # As the grid sends them: "YYYY-MM-DD hh:mm:ss".
    return {"filterType": "date", "type": op, "dateFrom": lo and f"{lo} 00:00:00",
            "dateTo": hi and f"{hi} 00:00:00"}


CASES: list[tuple[str, dict[str, Any]]] = [
    # Lower case on purpose: the grid's text filter ignores case.
    ("plate_no", text("contains", "d3")), ("plate_no", text("notContains", "d3")),
    ("plate_no", text("equals", "@plate")), ("plate_no", text("notEqual", "@plate")),
    ("plate_no", text("startsWith", "闽d")), ("plate_no", text("endsWith", "0")),
    ("plate_no", text("blank")), ("plate_no", text("notBlank")),
    ("policy_no", text("contains", "_")),  # typed wildcards are literal: nothing matches
    *[("premium_cny", number(op, "@premium")) for op in COMPARISONS
      if op not in {"inRange", "blank", "notBlank"}],
    ("premium_cny", number("inRange", 3000, 6000)),
    ("settled_loss_ratio_pct", number("blank")), ("settled_loss_ratio_pct", number("notBlank")),
    ("settled_loss_ratio_pct", number("notEqual", 0)),
    ("claims_registered", number("greaterThanOrEqual", 1)),
    *[("start_date", day(op, "2024-02-15")) for op in COMPARISONS
      if op not in {"inRange", "blank", "notBlank"}],
    ("start_date", day("inRange", "2024-02-01", "2024-02-29")),
    ("start_date", day("blank")), ("start_date", day("notBlank")),
    ("plate_no", {"filterType": "text", "operator": "AND", "conditions": [
        {"type": "contains", "filter": "闽"}, {"type": "notContains", "filter": "8"}]}),
    ("plate_no", {"filterType": "text", "operator": "OR", "conditions": [
        {"type": "startsWith", "filter": "沪"}, {"type": "blank"}]}),
    ("premium_cny", {"filterType": "number", "operator": "OR", "conditions": [
        {"type": "lessThan", "filter": 1000}, {"type": "greaterThan", "filter": 8000}]}),
    ("start_date", {"filterType": "date", "operator": "AND", "conditions": [
        {"type": "greaterThan", "dateFrom": "2024-01-10 00:00:00"},
        {"type": "notEqual", "dateFrom": "2024-02-01 00:00:00"}]}),
]


def test_every_operator_of_the_grid_is_covered() -> None:
    seen = {(m["filterType"], c.get("type", m.get("type")))
            for _, m in CASES for c in m.get("conditions", [m])}
    for kind, ops in (("text", TEXT_TYPES), ("number", COMPARISONS), ("date", COMPARISONS)):
        assert {(kind, op) for op in ops} <= seen, kind


@pytest.mark.parametrize(("key", "model"), CASES,
                         ids=[f"{k}-{json.dumps(m, ensure_ascii=False)}" for k, m in CASES])
def test_a_column_filter_selects_the_rows_the_grid_means(engine: Engine,
                                                         quarter: list[dict[str, Any]],
                                                         key: str, model: dict[str, Any]
                                                         ) -> None:
    report = CATALOG[SLUG]
    # "@column": a value of the first row (an equality that matches something).
    model = json.loads(json.dumps(model).replace('"@plate"', json.dumps(quarter[0]["plate_no"]
                                                                         .lower()))
                       .replace('"@premium"', str(quarter[0]["premium_cny"])))
    wanted = sorted(r["policy_no"] for r in quarter if expected(key, model)(r))
    got = reporting.run_detail(engine, report, reporting.parse_filters(report, QUARTER), GM,
                            limit=reporting.MAX_PAGE, column_filters={key: model})
    assert got.total == len(wanted)
    assert sorted(r["policy_no"] for r in got.rows) == wanted
    if key == "policy_no":
        assert wanted == []
    elif key != "start_date" or "lank" not in model.get("type", ""):  # no dates are blank
        assert 0 < len(wanted) < len(quarter)


def test_two_columns_filter_together(engine: Engine, quarter: list[dict[str, Any]]) -> None:
    report = CATALOG[SLUG]
    models = {"plate_no": text("contains", "闽"), "premium_cny": number("lessThan", 4000)}
    wanted = [r for r in quarter if all(expected(k, m)(r) for k, m in models.items())]
    got = reporting.run_detail(engine, report, reporting.parse_filters(report, QUARTER), GM,
                            limit=reporting.MAX_PAGE, column_filters=models)
    assert 0 < got.total == len(wanted)


REFUSED: list[tuple[str, Any]] = [
    ("plate_no", {"filterType": "text", "type": "fuzzy", "filter": "x"}),
    ("plate_no", {"filterType": "set", "values": ["x"]}),
    ("plate_no", {"filterType": "number", "type": "equals", "filter": 1}),
    ("plate_no", {"filterType": "text", "type": "lessThan", "filter": "x"}),
    ("plate_no", {"filterType": "text", "type": "contains", "filter": ["a", "b"]}),
    ("plate_no", {"filterType": "text", "type": "contains", "filter": {"a": 1}}),
    ("plate_no", {"filterType": "text", "type": "contains", "filter": "x" * 201}),
    ("plate_no", {"filterType": "text", "operator": "XOR", "conditions": [text("blank")]}),
    ("plate_no", {"filterType": "text", "operator": "AND", "conditions": []}),
    ("plate_no", {"filterType": "text", "operator": "AND", "conditions": "x"}),
    ("plate_no", {"filterType": "text", "operator": "OR", "conditions": [
        {"operator": "AND", "conditions": [text("blank")]}]}),
    ("plate_no", {"filterType": "text", "operator": "OR",
                  "conditions": [text("blank")] * 11}),
    ("plate_no", "contains 闽"),
    ("premium_cny", {"filterType": "number", "type": "contains", "filter": 1}),
    ("premium_cny", {"filterType": "number", "type": "equals", "filter": "abc"}),
    ("premium_cny", {"filterType": "number", "type": "equals", "filter": [1]}),
    ("premium_cny", {"filterType": "number", "type": "equals", "filter": True}),
    ("premium_cny", {"filterType": "number", "type": "equals", "filter": 1e30}),
    ("premium_cny", {"filterType": "number", "type": "equals", "filter": "nan"}),
    ("premium_cny", {"filterType": "number", "type": "inRange", "filter": 5}),
    ("premium_cny", {"filterType": "number", "type": "inRange", "filter": 5, "filterTo": 1}),
    ("claims_registered", {"filterType": "number", "type": "equals", "filter": 1e30}),
    ("claims_registered", {"filterType": "number", "type": "equals", "filter": 10 ** 30}),
    ("claims_registered", {"filterType": "number", "type": "equals", "filter": 1.5}),
    ("start_date", {"filterType": "date", "type": "equals", "dateFrom": "abc"}),
    ("start_date", {"filterType": "date", "type": "equals", "dateFrom": "2026-02-30"}),
    ("start_date", {"type": "equals", "filter": "2026-02-30"}),
    ("start_date", {"filterType": "date", "type": "equals", "dateFrom": 20260101}),
    ("start_date", {"filterType": "date", "type": "contains", "dateFrom": "2024-01-01"}),
    ("start_date", {"filterType": "text", "type": "contains", "filter": "2024"}),
]


@pytest.mark.parametrize(("key", "model"), REFUSED,
                         ids=[f"{k}-{json.dumps(m, ensure_ascii=False)[:60]}"
                              for k, m in REFUSED])
def test_a_filter_the_server_does_not_implement_is_refused(engine: Engine, key: str,
                                                           model: Any) -> None:
    report = CATALOG[SLUG]
    label = next(c.label for c in report.detail if c.key == key)
    with pytest.raises(reporting.FilterError) as err:
        reporting.run_detail(engine, report, reporting.parse_filters(report, QUARTER), GM,
                          column_filters={key: model})
    assert err.value.filter_key == key and err.value.message.startswith(label)


def test_api_and_exports_honour_the_filters(login: Any) -> None:
    """The CSV and the Excel file of a filtered grid hold exactly the rows the API gives."""
    client = login("gm")
    models = {"plate_no": {"filterType": "text", "operator": "OR", "conditions": [
        {"type": "notContains", "filter": "闽"}, {"type": "blank"}]},
        "premium_cny": number("inRange", 2000, 7000),
        "start_date": day("notEqual", "2024-03-01")}
    query = {**QUARTER, "level": "detail", "filter": json.dumps(models, ensure_ascii=False),
             "sort": "premium_cny:asc"}
    api = client.get(f"/api/reports/{SLUG}", query_string={**query, "limit": "5000"})
    assert api.status_code == 200, api.get_json()
    wanted = [r["policy_no"] for r in api.get_json()["rows"]]
    everything = client.get(f"/api/reports/{SLUG}",
                            query_string={**QUARTER, "level": "detail", "limit": 1})
    assert 0 < len(wanted) < everything.get_json()["total"]
    assert all(not r["plate_no"] or "闽" not in r["plate_no"] for r in api.get_json()["rows"])
    assert all(2000 <= r["premium_cny"] <= 7000 for r in api.get_json()["rows"])
    resp = client.get(f"/export/{SLUG}.csv", query_string=query)
    assert resp.status_code == 200
    lines = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert [r[0] for r in lines[1:]] == wanted
    resp = client.get(f"/export/{SLUG}.xlsx", query_string=query)
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data), read_only=True).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == wanted
    bad = client.get(f"/export/{SLUG}.csv", query_string={**query, "filter": json.dumps(
        {"plate_no": {"filterType": "text", "type": "fuzzy", "filter": "闽"}})})
    assert bad.status_code == 400 and bad.get_json()["filter"] == "plate_no"


def test_the_grid_offers_the_filters_the_server_implements() -> None:
    from layouts.grid import column_defs

    report = CATALOG[SLUG]
    defs = {d["field"]: d for d in column_defs(reporting.detail_columns(report), sortable=True,
                                                filterable={"plate_no", "premium_cny",
                                                            "start_date"})}
    assert defs["plate_no"]["filter"] == "agTextColumnFilter"
    assert set(defs["plate_no"]["filterParams"]["filterOptions"]) == set(TEXT_TYPES)
    assert defs["premium_cny"]["filter"] == "agNumberColumnFilter"
    assert set(defs["premium_cny"]["filterParams"]["filterOptions"]) == set(COMPARISONS)
    assert defs["start_date"]["filter"] == "agDateColumnFilter"
    assert defs["start_date"]["filterParams"]["inRangeInclusive"] is True
    assert "filter" not in defs["policy_no"]


def test_dates_compare_as_dates(engine: Engine) -> None:
    report = CATALOG[SLUG]
    got = reporting.run_detail(engine, report, reporting.parse_filters(report, QUARTER), GM,
                            limit=reporting.MAX_PAGE,
                            column_filters={"start_date": {"type": "equals",
                                                           "filter": "2024-02-15"}})
    assert got.total > 0 and {r["start_date"] for r in got.rows} == {date(2024, 2, 15)
                                                                       .isoformat()}


@pytest.mark.parametrize(("key", "model"), CASES,
                         ids=[f"{k}-{json.dumps(m, ensure_ascii=False)}" for k, m in CASES])
def test_column_filters_give_the_same_rows_on_clickhouse(engine: Engine, clickhouse: Settings,
                                                         quarter: list[dict[str, Any]],
                                                         key: str, model: dict[str, Any]
                                                         ) -> None:
    report = CATALOG[SLUG]
    model = json.loads(json.dumps(model).replace('"@plate"', json.dumps(quarter[0]["plate_no"]
                                                                         .lower()))
                       .replace('"@premium"', str(quarter[0]["premium_cny"])))
    values = reporting.parse_filters(report, QUARTER)
    duck = reporting.run_detail(engine, report, values, GM, limit=reporting.MAX_PAGE,
                             column_filters={key: model})
    house = reporting.run_detail(engine_for(clickhouse), report, values, GM,
                                 limit=reporting.MAX_PAGE,
                              column_filters={key: model})
    assert house.total == duck.total
    assert [r["policy_no"] for r in house.rows] == [r["policy_no"] for r in duck.rows]
