"""The policy and claim pages: every section a list of the store filtered to the record,
valid against the schema, scoped and masked for the viewer; a record outside the scope
answers exactly like one that does not exist."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from data.settings import Settings
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG, check_report
from queries.grants import resolve, tag_grant
from queries.record_data import may_open_record, record_view
from queries.records import RECORD_PAGES
from queries.store import table_columns
from tests.test_engines_same_figures import GM

SECTIONS = [(p.kind, s) for p in RECORD_PAGES.values() for s in p.sections]


def _one(settings: Settings, sql: str) -> tuple[Any, ...]:
    con = duckdb.connect(str(settings.store_path), read_only=True)
    try:
        return con.execute(sql).fetchall()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def claimed(settings: Settings) -> tuple[str, str, int, int]:
    """A policy with a closed claim paid twice: (policy_no, claim_no, branch, handler)."""
    return _one(settings, """
        SELECT policy_no, claim_no, branch_id, handler_id FROM claim_fact
        WHERE close_date IS NOT NULL AND claim_id IN (
            SELECT claim_id FROM claim_payment GROUP BY 1 HAVING count(*) > 1)
        ORDER BY claim_id LIMIT 1""")


@pytest.mark.parametrize(("kind", "section"), SECTIONS, ids=lambda x: getattr(x, "key", x))
def test_sections_read_columns_the_store_has(kind: str, section: Any,
                                             engine: Engine) -> None:
    assert check_report(section.list, table_columns(engine)) == []
    # Rows of a source without scope columns are reached only through a scoped section.
    assert section.list.scoped or section.value_from is not None
    assert section.value_from is None or section.value_from[0] in {
        s.key for s in RECORD_PAGES[kind].sections}


def test_a_policy_page_shows_everything_about_it(engine: Engine,
                                                 claimed: tuple[str, str, int, int]) -> None:
    policy_no, claim_no, _, _ = claimed
    view = record_view(engine, "policy", policy_no, GM)
    assert view is not None
    sections = {s.section.key: s for s in view.sections}
    assert {"policy", "insured", "receivables", "receipts", "claims", "payments",
            "pnl"} <= set(sections)
    assert sections["policy"].rows[0]["policy_no"] == policy_no
    assert "policy_id" not in sections["policy"].rows[0]  # read to link, not shown
    assert claim_no in {r["claim_no"] for r in sections["claims"].rows}
    paid = sum(r["amount_cny"] for r in sections["payments"].rows
               if r["claim_no"] == claim_no)
    claim_paid = next(r["paid_cny"] for r in sections["claims"].rows
                      if r["claim_no"] == claim_no)
    assert paid == pytest.approx(claim_paid)


def test_a_claim_page_shows_its_payments_and_policy(engine: Engine,
                                                    claimed: tuple[str, str, int, int]
                                                    ) -> None:
    policy_no, claim_no, _, _ = claimed
    view = record_view(engine, "claim", claim_no, GM)
    assert view is not None
    sections = {s.section.key: s for s in view.sections}
    assert sections["claim"].rows[0]["policy_no"] == policy_no
    assert len(sections["claim-payments"].rows) >= 2
    assert sections["claim-policy"].rows[0]["policy_no"] == policy_no
    assert claim_no in {r["claim_no"] for r in sections["policy-claims"].rows}


def test_outside_the_scope_is_the_same_as_missing(engine: Engine,
                                                  claimed: tuple[str, str, int, int]) -> None:
    policy_no, claim_no, branch, handler = claimed
    other = Viewer(5, "b", "b", frozenset(CATALOG), DataScope("branch", branch_id=branch + 1),
                   True)
    own = Viewer(6, "b", "b", frozenset(CATALOG), DataScope("branch", branch_id=branch), True)
    assert record_view(engine, "policy", policy_no, other) is None
    assert record_view(engine, "claim", claim_no, other) is None
    assert record_view(engine, "policy", "P-NO-SUCH-POLICY", GM) is None
    assert record_view(engine, "policy", "x" * 65, GM) is None
    assert record_view(engine, "policy", policy_no, own) is not None
    # A salesperson sees their own policy, but no claims: no claims page is theirs.
    sales_pages = resolve([tag_grant("sales")])
    sales = Viewer(7, "s", "s", sales_pages, DataScope("self", staff_id=handler), True)
    view = record_view(engine, "policy", policy_no, sales)
    assert view is not None
    assert "claims" not in {s.section.key for s in view.sections}
    assert not may_open_record(sales, "claim")
    assert record_view(engine, "claim", claim_no, sales) is None


def test_personal_fields_are_masked_without_the_flag(engine: Engine,
                                                     claimed: tuple[str, str, int, int]
                                                     ) -> None:
    policy_no, claim_no, _, _ = claimed
    plain = Viewer(8, "f", "f", frozenset(CATALOG), DataScope("company"), False)
    masked = {s.section.key: s for s in record_view(engine, "policy", policy_no,
                                                    plain).sections}
    full = {s.section.key: s for s in record_view(engine, "policy", policy_no,
                                                  GM).sections}
    assert "*" in masked["insured"].rows[0]["insured_id_no"]
    assert "*" not in full["insured"].rows[0]["insured_id_no"]
    claim = record_view(engine, "claim", claim_no, plain).sections[0].rows[0]
    assert claim["reporter_phone"] is None or "****" in claim["reporter_phone"]


def test_a_claim_not_yet_registered_opens_by_its_report_number(engine: Engine) -> None:
    report_no, policy_no = _one(engine.settings, "SELECT report_no, policy_no FROM claim_fact "
                                          "WHERE claim_no IS NULL ORDER BY claim_id LIMIT 1")
    view = record_view(engine, "claim", report_no, GM)
    assert view is not None
    head = view.sections[0].rows[0]
    assert head["report_no"] == report_no and head["claim_no"] is None
    assert head["policy_no"] == policy_no
