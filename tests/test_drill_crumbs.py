"""The detail page's breadcrumb: each drilled value as users know it, worked out in
queries/ (layouts/ only draws the words)."""

from __future__ import annotations

from queries.catalog import CATALOG
from queries.filters import FilterValues
from queries.page_data import drill_crumbs, drill_label
from queries.spec import Dim, Lookup
from queries.sql import NULL_TOKEN


def test_crumbs_name_looked_up_values_bands_and_missing_values() -> None:
    report = next(r for r in CATALOG.values()
                  if any(d.lookup is not None for d in r.dims)
                  and any(d.column.endswith("_band") for d in r.dims))
    named = next(d for d in report.dims if d.lookup is not None)
    band = next(d for d in report.dims if d.column.endswith("_band"))
    values = FilterValues([], drill={f"d_{named.key}": "3", f"d_{band.key}": "02 31-60天"})
    assert drill_crumbs(report, values, {named.key: "4401 广州分公司"}) == [
        f"{named.label}: 4401 广州分公司", f"{band.label}: 31-60天"]
    # A name the viewer may not see stays the value; a missing value is called so.
    hidden = FilterValues([], drill={f"d_{named.key}": "3", f"d_{band.key}": NULL_TOKEN})
    assert drill_crumbs(report, hidden, {}) == [f"{named.label}: 3", f"{band.label}: 空"]


def test_a_missing_agent_reads_no_agent() -> None:
    agent = Dim("agent", "代理人", "agent_id", Lookup("agent", "agent_id", "agent_name"))
    assert drill_label(agent, NULL_TOKEN, {}) == "无代理人"
    assert drill_label(agent, "12", {"agent": "A00012 张三"}) == "A00012 张三"
