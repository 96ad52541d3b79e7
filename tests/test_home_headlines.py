"""The home page's figures, for the user's scope, match the store."""

from __future__ import annotations

from datetime import date

import duckdb

from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.headlines import headlines


def test_headlines_follow_scope_and_grants(engine: Engine, as_of: date) -> None:
    branch = Viewer(2, "branch01", "支公司经理", frozenset(CATALOG), DataScope("branch", 1), True)
    claims_only = Viewer(3, "c", "理赔", frozenset({"claims-open"}), DataScope("branch", 1), True)
    figures = {h.title: h for h in headlines(engine, branch)}
    assert set(figures) == {"本月实收保费 (折人民币)", "已立案未结案件",
                            "未到款应收保费 (折人民币)", "本年车险已决赔付率",
                            "30天内到期未续保车险"}
    con = duckdb.connect(str(engine.settings.store_path), read_only=True)
    open_claims = con.execute(
        "SELECT count(*) FROM claim_fact WHERE stage = 'open' AND line IN ('auto', 'property') "
        "AND branch_id = 1 AND register_date <= ?", [as_of]).fetchone()[0]
    received = con.execute(
        "SELECT sum(received_in_cny) FROM receipt_fact WHERE branch_id = 1 "
        "AND receipt_date BETWEEN ? AND ?", [as_of.replace(day=1), as_of]).fetchone()[0]
    assert figures["已立案未结案件"].value == f"{open_claims:,} 件"
    assert figures["本月实收保费 (折人民币)"].value == f"{received:,.2f}"
    assert figures["已立案未结案件"].href.startswith("/reports/claims-open?")
    assert [h.title for h in headlines(engine, claims_only)] == ["已立案未结案件"]


def test_a_salesperson_sees_his_own_figures(engine: Engine, as_of: date) -> None:
    """业务员 may open neither 1.7 nor 4.1: his premium comes from 1.6, his receivable from
    4.5, his renewals due from 1.2, all in his own scope."""
    from auth.templates import SALES_PAGES
    from queries.grants import resolve

    con = duckdb.connect(str(engine.settings.store_path), read_only=True)
    staff = con.execute("SELECT handler_id FROM receipt_fact WHERE receipt_date BETWEEN ? AND ?"
                        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
                        [as_of.replace(day=1), as_of]).fetchone()[0]
    sales = Viewer(4, "s", "业务员", resolve(SALES_PAGES), DataScope("self", staff_id=staff),
                   True)
    figures = {h.title: h for h in headlines(engine, sales)}
    assert set(figures) == {"我的本月实收保费 (折人民币)", "我的未到款应收保费 (折人民币)",
                            "我的30天内到期未续保车险"}
    received = con.execute(
        "SELECT sum(received_in_cny) FROM receipt_fact WHERE handler_id = ? "
        "AND receipt_date BETWEEN ? AND ?", [staff, as_of.replace(day=1), as_of]).fetchone()[0]
    assert figures["我的本月实收保费 (折人民币)"].value == f"{received:,.2f}"
    assert figures["我的30天内到期未续保车险"].href.startswith("/reports/lapsed-auto?")
