"""Filters that say what they do and charts that read as the users count: defaults
declared per report, open ranges, presets, codes in upper case, messages with labels,
money ticks in 万 / 亿, months in order, 上年同期 over the same days, missing agents."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from data.settings import Settings
from engines.base import Engine
from layouts.charts import chart, value_axis
from layouts.notices import late_date_notice, scope_notice
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import SummaryResult
from queries.filters import FilterError, parse_filters, previous_year
from queries.periods import named_range

TODAY = date(2026, 11, 20)
REQUIRED_RANGES = [(s, f.key) for s, r in CATALOG.items() for f in r.filters
                   if f.kind == "date_range" and f.required]


@pytest.mark.parametrize(("slug", "key"), REQUIRED_RANGES)
def test_every_required_range_has_a_default(slug: str, key: str) -> None:
    values = parse_filters(CATALOG[slug], {}, TODAY)
    assert values.query[f"{key}_to"] == TODAY.isoformat()
    assert values.query[f"{key}_from"] <= TODAY.isoformat()


def test_claims_open_opens_on_all_open_claims() -> None:
    values = parse_filters(CATALOG["claims-open"], {}, TODAY)
    assert not any(c.column == "register_date" for c in values.conditions)


def test_an_open_range_means_from_or_until() -> None:
    report = CATALOG["lapsed-auto"]
    start_only = parse_filters(report, {"end_from": "2026-03-01"}, TODAY)
    cond = next(c for c in start_only.conditions if c.column == "end_date")
    assert cond.value == (date(2026, 3, 1), None)
    end_only = parse_filters(report, {"end_to": "2026-03-01"}, TODAY)
    cond = next(c for c in end_only.conditions if c.column == "end_date")
    assert cond.value == (None, date(2026, 3, 1))


def test_a_mistyped_date_is_refused_naming_the_filter() -> None:
    with pytest.raises(FilterError) as err:
        parse_filters(CATALOG["receivable-branch"], {"stat_date": "2026-13-45"}, TODAY)
    assert err.value.message.startswith("统计日期: “2026-13-45” 不是有效日期")


def test_messages_name_the_field_by_its_label(settings: Settings) -> None:
    # (``settings`` names the store whose schema types 归属支公司 as an integer code)
    with pytest.raises(FilterError) as err:
        parse_filters(CATALOG["proposal-status"], {"applicant_name": "x" * 300}, TODAY)
    assert err.value.message.startswith("投保人名称: 输入过长")
    with pytest.raises(FilterError) as err:
        parse_filters(CATALOG["proposal-status"], {"status": "1,w"}, TODAY)
    assert "“w 核保通过但未转保单” 只能单独选择" in err.value.message
    with pytest.raises(FilterError) as err:
        parse_filters(CATALOG["pnl-auto-cube"], {"branch": "abc"}, TODAY)
    assert err.value.message.startswith("归属支公司: “abc” 不是有效的代码")


def test_codes_are_matched_in_upper_case() -> None:
    values = parse_filters(CATALOG["premium-received-monthly"], {"risk": "qa*", "risk_op": "$"},
                           TODAY)
    assert values.query["risk"] == "QA*"


def test_notes_speak_to_users() -> None:
    text = " ".join(n for r in CATALOG.values() for n in r.notes)
    for developer_text in ("核保状态 w", "P10", "docs/", "IMPORT.md"):
        assert developer_text not in text


@pytest.mark.parametrize(("name", "expected"), [
    ("this-month", (date(2026, 11, 1), TODAY)),
    ("last-month", (date(2026, 10, 1), date(2026, 10, 31))),
    ("this-quarter", (date(2026, 10, 1), TODAY)),
    ("this-year", (date(2026, 1, 1), TODAY)),
    ("last-30-days", (date(2026, 10, 22), TODAY)),
    ("year-earlier", (date(2025, 1, 1), date(2025, 11, 20))),
])
def test_presets_are_relative_to_the_data_date(name: str, expected: Any) -> None:
    assert named_range(name, TODAY) == expected


def test_year_earlier_moves_the_chosen_range() -> None:
    chosen = (date(2024, 2, 29), date(2024, 3, 31))
    assert named_range("year-earlier", TODAY, chosen) == (date(2023, 2, 28), date(2023, 3, 31))


def test_previous_year_compares_the_same_days() -> None:
    """1.6 for November on 20 November: last year's November up to 20 November."""
    report = CATALOG["premium-received-monthly"]
    values = parse_filters(report, {"month": "2026-11"}, TODAY)
    earlier = previous_year(report, values, TODAY)
    cond = next(c for c in earlier.conditions if c.column == "receipt_date")
    assert cond.value == (date(2025, 1, 1), date(2025, 11, 20))
    assert earlier.periods["month"][1:] == (date(2025, 11, 1), date(2025, 11, 20))
    # A month wholly before the data date compares whole months.
    june = previous_year(report, parse_filters(report, {"month": "2026-06"}, TODAY), TODAY)
    assert june.periods["month"][1:] == (date(2025, 6, 1), date(2025, 6, 30))


def test_money_ticks_in_wan_and_yi_counts_in_whole_numbers() -> None:
    wan = value_axis([0, 48_000_000], "money")
    assert wan["ticktext"][-1] == "5,000万" and "0" in wan["ticktext"]
    yi = value_axis([350_000_000], "money")
    assert yi["ticktext"][-1].endswith("亿")
    counts = value_axis([0, 1, 2], "int")
    assert all(float(v).is_integer() for v in counts["tickvals"])
    assert counts["ticktext"] == [str(int(v)) for v in counts["tickvals"]]
    assert value_axis([12.5, 80], "percent")["ticktext"][-1].endswith("%")


def test_months_in_order_with_the_same_days_a_year_earlier() -> None:
    report = CATALOG["premium-received-monthly"]
    summary = next(s for s in report.summaries if s.key == "by-month")
    rows = [{"month_no": m, "net_cny": float(m)} for m in (1, 10, 11, 12, 2)]
    result = SummaryResult([], rows, {}, ("month_no",),
                           previous_year=[{"month_no": 2, "net_cny": 5.0}])
    graph = chart(summary, result, report)
    assert graph is not None
    now, before = graph.figure.data
    assert list(now.x) == ["1月", "2月", "10月", "11月", "12月"]
    assert list(before.y) == [0, 5.0, 0, 0, 0]
    assert "(单位: 元)" in graph.figure.layout.title.text
    # The legend sits between the title and the plot, never on the title.
    assert graph.figure.layout.legend.yanchor == "bottom"


def test_business_without_an_agent_is_labelled() -> None:
    report = CATALOG["pnl-auto-agent"]
    rows = [{"agent": None, "agent_label": None, "premium": 10.0, "paid_closed": 1.0},
            {"agent": 7, "agent_label": "嘉和", "premium": 5.0, "paid_closed": 0.0}]
    graph = chart(report.summaries[0], SummaryResult([], rows, {}, ("agent",)), report)
    assert graph is not None
    assert "无代理人" in list(graph.figure.data[0].x)
    assert "None" not in str(graph.figure.data[0].x)


def test_the_cube_chart_follows_a_chosen_group_by() -> None:
    from queries.spec import Chart, Summary

    report = CATALOG["pnl-auto-cube"]
    rows = [{"use_nature": "家庭自用", "use_years": y, "premium": 1.0, "received": 1.0}
            for y in ("01 1年以内", "02 1-2年")]
    summary = Summary("free", "", ("use_nature", "use_years"),
                      Chart("bar", "use_nature", ("premium", "received")))
    result = SummaryResult([], rows, {}, ("use_nature", "use_years"))
    by_years = chart(summary, result, report, chart_by="use_years")
    assert by_years is not None
    assert list(by_years.figure.data[0].x) == ["1年以内", "1-2年"]  # bands without ordinals


def test_a_shared_link_narrowed_by_scope_says_so(app_server: Any, engine: Engine) -> None:
    report = CATALOG["pnl-auto-cube"]
    branch01 = Viewer(2, "branch01", "支公司经理", frozenset(CATALOG), DataScope("branch", 1),
                      True)
    with app_server.test_request_context():
        notice = scope_notice(engine, report, branch01, {"branch": "1,2", "run": "1"})
        assert notice is not None
        text = str(notice.children)
        assert text.startswith("按您的数据范围只显示") and "不在您的数据范围内" in text
        assert scope_notice(engine, report, branch01, {"branch": "1"}) is None


def test_a_statistics_date_after_the_data_date_is_flagged() -> None:
    report = CATALOG["receivable-branch"]
    assert late_date_notice(report, {"stat_date": "2026-12-31"}, TODAY) is not None
    assert late_date_notice(report, {"stat_date": "2026-11-20"}, TODAY) is None


def test_options_show_codes_and_only_what_the_scope_holds(engine: Engine) -> None:
    from queries.options import scoped_options

    report = CATALOG["pnl-auto-cube"]
    branch, dept = (next(f for f in report.filters if f.key == k) for k in ("branch", "dept"))
    gm = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
    branch01 = Viewer(2, "branch01", "支公司经理", frozenset(CATALOG), DataScope("branch", 1),
                      True)
    everything = scoped_options(engine, report, branch, gm)
    assert len(everything) > 1
    assert all(re.fullmatch(r"\d{4} \S+支公司", o["label"]) for o in everything)
    assert [o["value"] for o in scoped_options(engine, report, branch, branch01)] == ["1"]
    own_depts = scoped_options(engine, report, dept, branch01)
    all_depts = scoped_options(engine, report, dept, gm)
    assert 0 < len(own_depts) < len(all_depts)
    other = everything[1]["value"]
    narrowed = scoped_options(engine, report, dept, gm, [other])
    assert narrowed and not {o["value"] for o in narrowed} & {o["value"] for o in own_depts}


def test_highlights_are_declared_in_the_catalog() -> None:
    from layouts.grid import column_defs
    from queries.engine import detail_columns, summary_columns

    report = CATALOG["pnl-auto-agent"]
    alerts = {m.key: m.alert for m in report.measures if m.alert}
    defs = {d["field"]: d for d in column_defs(summary_columns(report, list(report.dims[:1])),
                                               alerts=alerts)}
    assert defs["settled_ratio"]["cellStyle"]["function"] == "alertStyle(params, 70.0, 100.0)"
    assert defs["premium"]["cellStyle"]["function"] == "negativeStyle(params)"
    claims = CATALOG["claims-open"]
    detail = {d["field"]: d for d in column_defs(
        detail_columns(claims), alerts={c.key: c.alert for c in claims.detail if c.alert})}
    assert "alertStyle" in detail["days_open"]["cellStyle"]["function"]
