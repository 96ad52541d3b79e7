"""客户360 and 综合查询 give the same answers on DuckDB and on ClickHouse (embedded, chdb):
their SQL is written here, not declared in the catalog, so it is run on both engines."""

from __future__ import annotations

from typing import Any

import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.customer360 import CustomerView, customer_view
from queries.search import search, store_rows
from tests.test_engines_same_figures import assert_same_rows

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
BRANCH = Viewer(2, "b", "支公司经理", frozenset(CATALOG), DataScope("branch", branch_id=1), False)


@pytest.fixture(scope="module")
def customers(engine: Engine) -> list[str]:
    """客户代码 of customers the 360 page has most to show for: business in branch 1 and
    elsewhere, several records, proposals, a change history."""
    picks = [
        """SELECT min(c.customer_code) AS code FROM customer_policy k
           JOIN customer c USING (customer_id) GROUP BY c.master_no
           HAVING count(*) FILTER (WHERE k.branch_id = 1) > 0
              AND count(*) FILTER (WHERE k.branch_id <> 1) > 0
           ORDER BY count(*) DESC, 1 LIMIT 1""",
        """SELECT min(c.customer_code) AS code FROM customer c
           JOIN customer_master m USING (master_id) WHERE m.records >= 3
           GROUP BY c.master_no ORDER BY 1 LIMIT 1""",
        """SELECT c.customer_code AS code FROM proposal p
           JOIN customer c ON c.customer_id = p.insured_id WHERE p.policy_id IS NULL
           GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""",
        """SELECT customer_code AS code FROM customer_change WHERE field <> '新增记录'
           ORDER BY change_id LIMIT 1""",
    ]
    return [store_rows(engine, sql, {})[0]["code"] for sql in picks]


def _sections(view: CustomerView) -> dict[str, Any]:
    return {s.key: r for s, r in view.sections}


@pytest.mark.parametrize("viewer", [GM, BRANCH], ids=["company", "branch-masked"])
def test_the_customer_page_is_the_same_on_both_engines(
        engine: Engine, clickhouse: Settings, customers: list[str], viewer: Viewer) -> None:
    shown = 0
    for code in customers:
        duck, ch = customer_view(engine, viewer, code), customer_view(engine_for(clickhouse),
                                                                      viewer, code)
        assert (duck is None) == (ch is None), code
        if duck is None or ch is None:
            continue
        shown += 1
        assert duck.master_no == ch.master_no
        assert_same_rows(duck.records, ch.records, f"{code} records")
        assert (duck.policies_in_scope, duck.policies_outside, duck.claims_outside) == (
            ch.policies_in_scope, ch.policies_outside, ch.claims_outside), code
        d, c = _sections(duck), _sections(ch)
        assert d.keys() == c.keys()
        for key, result in d.items():
            assert (result is None) == (c[key] is None), key
            if result is not None:
                assert result.total == c[key].total, f"{code} {key}"
                assert_same_rows(result.rows, c[key].rows, f"{code} {key}")
        assert_same_rows(duck.pnl.rows if duck.pnl else [], ch.pnl.rows if ch.pnl else [],
                         f"{code} P&L")
        assert_same_rows(duck.groups, ch.groups, f"{code} groups")
        assert_same_rows(duck.blacklist, ch.blacklist, f"{code} blacklist")
    assert shown >= (len(customers) if viewer is GM else 1)
    # What the comparison covered: every section has rows for some customer.
    if viewer is GM:
        filled = {key for code in customers
                  for key, r in _sections(customer_view(engine, GM, code)).items()
                  if r is not None and r.rows}
        assert {"policies", "proposals", "claims", "changes"} <= filled


def _hits(result: Any) -> dict[str, list[dict[str, Any]]]:
    return {"customers": result.customers, "policies": result.policies,
            "vehicles": result.vehicles, "claims": result.claims}


def test_search_is_the_same_on_both_engines(engine: Engine, clickhouse: Settings) -> None:
    row = store_rows(engine, """SELECT c.mobile, c.id_no, c.customer_name, c.address,
            p.policy_no, p.plate_no, cl.claim_no
        FROM claim_fact cl JOIN policy_pnl p USING (policy_id)
        JOIN customer c ON c.customer_id = p.insured_id
        WHERE p.plate_no IS NOT NULL AND c.mobile IS NOT NULL AND c.address IS NOT NULL
        ORDER BY cl.claim_no LIMIT 1""", {})[0]
    terms = [row["mobile"], row["id_no"], row["customer_name"], row["address"][:6],
             row["policy_no"], row["plate_no"], row["claim_no"]]
    found = 0
    for viewer in (GM, replace_scope(BRANCH)):
        for term in terms:
            duck, ch = search(engine, viewer, term), search(engine_for(clickhouse), viewer, term)
            for kind, hits in _hits(duck).items():
                assert_same_rows(hits, _hits(ch)[kind], f"{term!r} {kind} as {viewer.username}")
                found += len(hits)
            assert duck.notes == ch.notes
    assert found > len(terms)


def replace_scope(viewer: Viewer) -> Viewer:
    """The branch head with personal data shown: a personal lookup is answered."""
    from dataclasses import replace

    return replace(viewer, personal_data=True)
