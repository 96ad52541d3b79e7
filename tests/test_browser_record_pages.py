"""Links between lists, clicked through in headless Chromium: a policy number in a claims
list opens the policy's page, its claim opens the claim's page, whose policy links back;
a policy outside the viewer's scope says 无权查看或不存在 and shows none of its data."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from data.settings import Settings
from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser


def _path_is(page: Any, prefix: str) -> None:
    # The app navigates inside the page (history.pushState): read the location itself.
    page.wait_for_function(f"() => location.pathname.startsWith('{prefix}')")


def test_policy_behind_a_claim_in_clicks(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "claims01")
    page.goto(f"{base_url}/reports/claims-open?run=1&level=detail")
    link = page.locator(".ag-row[row-index='0'] [col-id=policy_no] a.record-link")
    policy_no = link.inner_text()
    claim_no = page.locator(".ag-row[row-index='0'] [col-id=claim_no]").inner_text()
    link.click()
    _path_is(page, f"/policy/{policy_no}")
    page.get_by_text(f"保单详情: {policy_no}").wait_for()
    claims = page.locator("[id*='record-section'][id*='\"claims\"']")
    claims.get_by_text(claim_no).wait_for()
    # A claims supervisor sees the policy, its vehicle or insured, claims and payments,
    # not the premium ledger (no receivable page is theirs).
    assert page.locator("[id*='record-section'][id*='receivables']").count() == 0
    claims.locator(f"a.record-link:text-is('{claim_no}')").click()
    _path_is(page, f"/claim/{claim_no}")
    page.get_by_text(f"赔案详情: {claim_no}").wait_for()
    page.get_by_text("赔款支付").first.wait_for()
    policy = page.locator("[id*='record-section'][id*='claim-policy']")
    policy.locator(f"a.record-link:text-is('{policy_no}')").click()
    _path_is(page, f"/policy/{policy_no}")
    page.get_by_text(f"保单详情: {policy_no}").wait_for()
    # Back returns through the claim to the list.
    page.go_back()
    _path_is(page, f"/claim/{claim_no}")
    assert not page.errors
    page.close()


def test_a_policy_outside_the_scope_shows_nothing_of_it(browser: Any, base_url: str,
                                                        settings: Settings) -> None:
    con = duckdb.connect(str(settings.store_path), read_only=True)
    try:
        policy_no, insured = con.execute(
            "SELECT p.policy_no, c.customer_name FROM policy_pnl p JOIN customer c "
            "ON c.customer_id = p.insured_id WHERE p.branch_id <> 1 LIMIT 1").fetchall()[0]
    finally:
        con.close()
    page = sign_in(browser, base_url, "branch01", (1024, 768))
    page.goto(f"{base_url}/policy/{policy_no}")
    page.get_by_text("无权查看或不存在").wait_for()
    assert page.get_by_text(insured).count() == 0
    assert page.get_by_text("保单详情").count() == 0
    gm = sign_in(browser, base_url, "gm", (1024, 768))
    gm.goto(f"{base_url}/policy/{policy_no}")
    gm.get_by_text(f"保单详情: {policy_no}").wait_for()
    gm.get_by_text(insured).first.wait_for()
    page.close()
    gm.close()
