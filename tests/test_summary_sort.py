"""Summaries sorted on the server: the first groups of a screen are the top of ALL
groups by the chosen measure (ratios by the ratio, NULLs last), the totals cover every
group, a summary of one group per person or policy opens ranked by its main measure,
and both engines give the same top groups."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import engine as reporting
from queries.catalog import CATALOG
from queries.spec import Report
from tests.catalog_args import wide_args
from tests.test_engines_same_figures import BRANCH, GM, assert_same_rows

PNL_API = "/api/reports/pnl-auto-handler?start_from=2020-01-01&start_to=2026-12-31"
# One group per insured: thousands of groups, some with nothing received (ratio NULL).
INSURED_API = "/api/reports/pnl-insured?summary=by-insured"


def ranked(rows: list[dict[str, Any]], key: str, desc: bool) -> list[Any]:
    """``key``'s values in the order a correct sort gives: by value, NULLs last."""
    values = [r[key] for r in rows]
    present = sorted((v for v in values if v is not None), reverse=desc)
    return present + [None] * (len(values) - len(present))


def test_api_top_n_by_a_ratio_is_over_all_groups(login: Any) -> None:
    client = login("gm")
    whole = client.get(f"{INSURED_API}&limit=25000&sort=").get_json()
    assert whole["truncated"] is False and len(whole["rows"]) > 5000
    assert any(r["settled_ratio"] is None for r in whole["rows"]), "needs a NULL ratio"
    for direction in ("desc", "asc"):
        top = client.get(f"{INSURED_API}&limit=20&sort=settled_ratio:{direction}"
                         ).get_json()
        assert top["truncated"] is True and len(top["rows"]) == 20
        assert top["sort"] == f"settled_ratio:{direction}"
        expected = ranked(whole["rows"], "settled_ratio", direction == "desc")[:20]
        assert [r["settled_ratio"] for r in top["rows"]] == expected
        # The totals are those of every group, not of the twenty shown.
        assert top["totals"] == whole["totals"]
    # NULL ratios come last in both directions.
    tail = client.get(f"{INSURED_API}&limit=25000&sort=settled_ratio:asc").get_json()["rows"]
    assert tail[-1]["settled_ratio"] is None and tail[0]["settled_ratio"] is not None


def test_api_sorts_by_a_dimension_and_refuses_an_unknown_key(login: Any) -> None:
    client = login("gm")
    rows = client.get(f"{PNL_API}&limit=25000&sort=handler:desc").get_json()["rows"]
    assert [r["handler"] for r in rows] == sorted((r["handler"] for r in rows), reverse=True)
    bad = client.get(f"{PNL_API}&sort=nope:desc")
    assert bad.status_code == 400 and bad.get_json()["filter"] == "sort"
    assert "不能按" in bad.get_json()["error"]
    wrong = client.get(f"{PNL_API}&sort=premium:down")
    assert wrong.status_code == 400 and "asc 或 desc" in wrong.get_json()["error"]


def _many(report: Report) -> str:
    return next(s.key for s in report.summaries
                if next(d for d in report.dims if d.key == s.dimensions[0]).many)


@pytest.mark.parametrize("slug", ["premium-received-monthly", "commission-list",
                                  "pnl-insured"])
def test_one_group_per_person_opens_ranked_by_its_main_measure(
        slug: str, engine: Engine, as_of: date) -> None:
    report = CATALOG[slug]
    values = reporting.parse_filters(report, wide_args(report, as_of), as_of)
    key = _many(report)
    main = reporting.main_measure(report)
    whole = reporting.run_summary(engine, report, values, GM, key, sort=[])
    head = reporting.run_summary(engine, report, values, GM, key, max_groups=25)
    assert head.truncated and head.sort == [(main, "desc")]
    assert [r[main] for r in head.rows] == ranked(whole.rows, main, True)[:25]
    # By code it would have been the first codes, not the largest amounts.
    by_code = reporting.run_summary(engine, report, values, GM, key, max_groups=25, sort=[])
    assert [r[main] for r in by_code.rows] != [r[main] for r in head.rows]
    assert head.totals == whole.totals == by_code.totals


def test_main_measures_are_amounts_in_cny() -> None:
    assert reporting.main_measure(CATALOG["premium-received-monthly"]) == "month_cny"
    assert reporting.main_measure(CATALOG["commission-list"]) == "amount"
    assert reporting.main_measure(CATALOG["pnl-insured"]) == "premium"


def test_sort_words_for_the_screen() -> None:
    report = CATALOG["pnl-auto-handler"]
    dims = reporting.summary_dims(report, None, None)
    assert reporting.sort_words(report, dims, [("settled_ratio", "desc")]) == "已决赔付率(%)降序"


@pytest.mark.parametrize(("slug", "sort"), [
    ("pnl-auto-handler", [("settled_ratio", "desc")]),
    ("pnl-auto-handler", [("premium", "asc")]),
    ("pnl-insured", None),
    ("premium-received-monthly", [("ytd_received", "desc")]),
])
def test_top_groups_same_on_both_engines(slug: str, sort: list[tuple[str, str]] | None,
                                         engine: Engine, clickhouse: Settings,
                                         as_of: date) -> None:
    report = CATALOG[slug]
    values = reporting.parse_filters(report, wide_args(report, as_of), as_of)
    key = _many(report) if any(d.many for d in report.dims) else None
    for viewer in (GM, BRANCH):
        d = reporting.run_summary(engine, report, values, viewer, key, max_groups=30, sort=sort)
        c = reporting.run_summary(engine_for(clickhouse), report, values, viewer, key,
                                  max_groups=30,
                               sort=sort)
        what = f"{slug} {sort} as {viewer.username}"
        assert d.rows, what
        assert_same_rows(d.rows, c.rows, what)
        assert_same_rows([d.totals], [c.totals], what + " totals")


def test_top_persons_measures_read_only_their_rows(settings: Settings, as_of: date) -> None:
    # 1.6 by person: groups of (经办人, 被保险人, 代理人, 币别). Narrowing the full pass by
    # the top groups' handlers alone kept every row (a handler has many insureds).
    from queries import sql as C

    report = CATALOG["premium-received-monthly"]
    values = reporting.parse_filters(report, wide_args(report, as_of), as_of)
    dims = reporting.summary_dims(report, "by-person", None)
    assert {d.type for d in dims if d.key != "currency"} == {"int"}  # ids, not text
    st = C.summary_statement(report, dims, values.conditions, GM,
                             reporting.settings_values(report, settings), periods=values.periods,
                             with_totals=True, max_groups=20, sort=[("month_cny", "desc")])
    sql = st.sql()
    for d in dims:
        narrowed = f"{d.column} IN (SELECT {d.key} FROM top_keys)"
        assert (narrowed in sql) == d.many, d.key
