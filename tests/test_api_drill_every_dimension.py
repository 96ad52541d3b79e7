"""Every summary of every report, drilled by every dimension of that report, through the
JSON API: the summary and the detail list answer, and hold only the drilled value."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest

from engines.base import Engine
from queries import sql as C
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG
from queries.engine import parse_filters, settings_values
from queries.spec import Report
from queries.store import run
from tests.catalog_args import wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


def a_value(engine: Engine, report: Report, dim_key: str, args: dict[str, str]) -> Any:
    """A value of the dimension that some row within ``args`` has (the first, not NULL)."""
    values = parse_filters(report, args, engine.settings.today)
    dim = next(d for d in report.dims if d.key == dim_key)
    st = C.summary_statement(report, [dim], values.conditions, GM,
                             settings_values(report, engine.settings), periods=values.periods)
    found = [row[0] for row in run(engine, st)[1] if row[0] is not None]
    assert found, f"{report.slug}: no value of {dim_key}"
    value = found[0]
    return value.isoformat() if isinstance(value, date) else str(value)


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: r.slug)
def test_every_summary_drills_by_every_dimension(report: Report, engine: Engine,
                                                 login: Any) -> None:
    client = login("gm")
    args = wide_args(report, engine.settings.today)
    for dim in report.dims:
        value = a_value(engine, report, dim.key, args)
        drill = {**args, f"d_{dim.key}": value}
        for s in report.summaries:
            what = f"{report.slug} summary={s.key} d_{dim.key}={value}"
            resp = client.get(f"/api/reports/{report.slug}?"
                              + urlencode({**drill, "summary": s.key}))
            assert resp.status_code == 200, f"{what}: {resp.get_json()}"
            body = resp.get_json()
            assert body["rows"], what
            if dim.key in s.dimensions:
                assert {str(r[dim.key]) for r in body["rows"]} == {value}, what
        listed = client.get(f"/api/reports/{report.slug}?"
                            + urlencode({**drill, "level": "detail", "limit": 5}))
        assert listed.status_code == 200, f"{report.slug} d_{dim.key}: {listed.get_json()}"
        assert listed.get_json()["total"] > 0, f"{report.slug} d_{dim.key}={value}"
