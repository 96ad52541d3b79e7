"""Policy and claim numbers link to their record pages, from the catalog's declarations."""

from __future__ import annotations

from layouts.grid import column_defs
from queries.catalog import ALL_REPORTS
from queries.engine import ColumnMeta
from queries.links import claim_url, policy_url


def test_record_urls_quote_the_number() -> None:
    assert policy_url("PDAA202644010000123") == "/policy/PDAA202644010000123"
    assert claim_url(" C2026/01 ") == "/claim/C2026%2F01"
    assert policy_url("P 1?x=<b>") == "/policy/P%201%3Fx%3D%3Cb%3E"


def test_every_policy_and_claim_number_of_a_list_links() -> None:
    kinds = {"policy_no": "policy", "claim_no": "claim"}
    for report in ALL_REPORTS:
        for col in report.detail:
            # The number itself, not a name looked up by it.
            if col.lookup is None and col.source_column in kinds:
                assert col.link == kinds[col.source_column], (report.slug, col.key)


def test_a_linked_column_gets_the_record_renderer() -> None:
    cols = [ColumnMeta("policy_no", "保单号", "text"), ColumnMeta("x", "X", "text")]
    defs = column_defs(cols, links={"policy_no": "policy"})
    assert defs[0]["cellRenderer"] == "RecordLink"
    assert defs[0]["cellRendererParams"]["path"] == "/policy"
    assert "cellRenderer" not in defs[1]
