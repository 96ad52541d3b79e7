"""Numbers and names a rollup borrows (queries/borrowed.py) instead of storing: the
store holds only their keys and order columns, and a list still shows, filters and
sorts by them exactly as by the values themselves — checked against the base tables."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import duckdb
import pytest

from data.settings import Settings
from engines.base import Engine
from queries import engine as reporting
from queries.access import DataScope, Viewer
from queries.borrowed import BORROWED
from queries.catalog import CATALOG
from queries.sql import Condition

GM = Viewer(1, "gm", "总经理", frozenset(), DataScope("company"), True)
SLUG = "proposal-status"
START = {"start_from": "2026-08-01", "start_to": "2026-09-30"}
# The 投保单 list's rows with their numbers and parties, from the base tables.
PROPOSALS = """
    SELECT x.proposal_id, x.proposal_no, p.policy_no, ap.customer_code AS applicant_code,
           ap.customer_name AS applicant_name, ins.customer_code AS insured_code,
           ins.customer_name AS insured_name
    FROM proposal x LEFT JOIN policy p USING (policy_id)
    JOIN customer ap ON ap.customer_id = x.applicant_id
    JOIN customer ins ON ins.customer_id = x.insured_id
    WHERE x.start_date BETWEEN DATE '2026-08-01' AND DATE '2026-09-30'"""


@pytest.fixture(scope="module")
def base(settings: Settings) -> dict[int, dict[str, Any]]:
    con = duckdb.connect(str(settings.store_path), read_only=True)
    try:
        cur = con.execute(PROPOSALS)
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    finally:
        con.close()


def _rows(engine: Engine, **kw: Any) -> list[dict[str, Any]]:
    report = CATALOG[SLUG]
    values = reporting.parse_filters(report, {**START, **kw.pop("args", {})})
    out: list[dict[str, Any]] = []
    cursor = None
    while True:  # pages of 500: the keyset cursor over the order columns is exercised
        page = reporting.run_detail(engine, report, values, GM, limit=500, cursor=cursor,
                                 with_total=False, **kw)
        out += page.rows
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def test_the_rollup_stores_keys_and_orders_not_the_values(settings: Settings) -> None:
    con = duckdb.connect(str(settings.store_path), read_only=True)
    try:
        for source, columns in BORROWED.items():
            have = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
            for b in columns:
                assert b.name not in have, f"{source}.{b.name} is still copied"
                assert {b.key, b.order} <= have, f"{source} lacks {b.key} or {b.order}"
    finally:
        con.close()


def test_the_list_shows_the_values_of_the_base_tables(engine: Engine,
                                                      base: dict[int, dict[str, Any]]) -> None:
    rows = _rows(engine)
    assert len(rows) == len(base) > 500
    by_no = {b["proposal_no"]: b for b in base.values()}
    for r in rows:
        b = by_no[r["proposal_no"]]
        assert (r["policy_no"], r["applicant_code"], r["applicant_name"], r["insured_code"],
                r["insured_name"]) == (b["policy_no"], b["applicant_code"], b["applicant_name"],
                                       b["insured_code"], b["insured_name"])
    assert any(r["policy_no"] is None for r in rows)  # not converted: no policy


@pytest.mark.parametrize("key", ["proposal_no", "policy_no", "insured_name", "applicant_code"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sorting_by_a_borrowed_column_sorts_by_its_value(
        engine: Engine, base: dict[int, dict[str, Any]], key: str, direction: str) -> None:
    rows = _rows(engine, sort=[(key, direction)])
    values = [r[key] for r in rows]
    present = sorted((v for v in values if v is not None), reverse=direction == "desc")
    # NULLS LAST either way, as every list sorts.
    assert values == present + [None] * (len(values) - len(present))
    assert len(rows) == len(base)


def test_a_report_filter_on_a_borrowed_column_is_the_base_tables_match(
        engine: Engine, base: dict[int, dict[str, Any]]) -> None:
    some = next(b for b in base.values() if b["policy_no"])
    rows = _rows(engine, args={"policy_no": some["policy_no"]})
    assert [r["proposal_no"] for r in rows] == [some["proposal_no"]]
    part = some["insured_name"][1:]
    rows = _rows(engine, args={"insured_name": part})
    assert {r["proposal_no"] for r in rows} == {
        b["proposal_no"] for b in base.values() if part in b["insured_name"]}


@pytest.mark.parametrize(("model", "keep"), [
    ({"filterType": "text", "type": "blank"}, lambda v: v in (None, "")),
    ({"filterType": "text", "type": "notContains", "filter": "2024"},
     lambda v: v is None or "2024" not in v.lower()),
    ({"filterType": "text", "operator": "OR", "conditions": [
        {"type": "startsWith", "filter": "p"}, {"type": "blank"}]},
     lambda v: v is None or v.lower().startswith("p")),
])
def test_a_grid_filter_on_a_nullable_borrowed_column_keeps_what_the_grid_would(
        engine: Engine, base: dict[int, dict[str, Any]], model: dict, keep: Any) -> None:
    rows = _rows(engine, column_filters={"policy_no": model})
    assert {r["proposal_no"] for r in rows} == {
        b["proposal_no"] for b in base.values() if keep(b["policy_no"])}


def test_either_party_of_a_customer_matches_across_two_borrowed_columns(
        engine: Engine, base: dict[int, dict[str, Any]]) -> None:
    """A customer's business: proposals where it is the applicant or the insured (one
    OR over two borrowed columns, as the customer page asks)."""
    one = next(b for b in base.values() if b["applicant_code"] != b["insured_code"])
    other = next(b for b in base.values() if b["insured_code"] != one["applicant_code"])
    either = Condition("", "or", (Condition("applicant_code", "in", [one["applicant_code"]]),
                                  Condition("insured_code", "in", [other["insured_code"]])))
    report = CATALOG[SLUG]
    values = reporting.parse_filters(report, START)
    values = replace(values, conditions=[*values.conditions, either])
    rows = reporting.run_detail(engine, report, values, GM, limit=1000, with_total=False).rows
    assert {r["proposal_no"] for r in rows} == {
        b["proposal_no"] for b in base.values()
        if b["applicant_code"] == one["applicant_code"]
        or b["insured_code"] == other["insured_code"]}
