"""Names, not codes: every detail list shows the name beside each code (支公司, 部门,
经办人, 业务员, 代理人, 险种, 险类) on the page and in its exports, looked up for the
rows shown; 2.2 and 2.3 name whom to chase (the insured and the handler); each
report's key columns follow its identifying first column."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import duckdb
import pytest

from data.settings import Settings
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import parse_filters, run_detail
from queries.export_stream import arrow_reader
from queries.reports.common import NAME_OF_CODE
from tests.catalog_args import wide_args

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
# code column → (lookup table, its code column, its name column)
TRUTH = {"branch_code": ("branch", "branch_code", "branch_name"),
         "dept_code": ("department", "dept_code", "dept_name"),
         "handler_code": ("staff", "staff_code", "staff_name"),
         "salesman_code": ("staff", "staff_code", "staff_name"),
         "agent_code": ("agent", "agent_code", "agent_name"),
         "risk_code": ("risk", "risk_code", "risk_name"),
         "class_code": ("risk_class", "class_code", "class_name")}


def _names(settings: Settings) -> dict[str, dict[str, str]]:
    con = duckdb.connect(str(settings.store_path), read_only=True)
    try:
        return {code: dict(con.execute(f"SELECT {c}, {n} FROM {t}").fetchall())
                for code, (t, c, n) in TRUTH.items()}
    finally:
        con.close()


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_every_code_has_its_name_beside_it(slug: str) -> None:
    keys = [c.key for c in CATALOG[slug].detail]
    for i, key in enumerate(keys):
        if key in NAME_OF_CODE:
            assert keys[i + 1] == key.removesuffix("_code") + "_name", (slug, key)
    labels = [c.label for c in CATALOG[slug].detail]
    assert len(labels) == len(set(labels)), slug


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_the_page_and_the_export_show_the_right_names(engine: Engine, as_of: date,
                                                      slug: str) -> None:
    report = CATALOG[slug]
    pairs = [(c.key, c.key.removesuffix("_code") + "_name") for c in report.detail
             if c.key in NAME_OF_CODE]
    if not pairs:
        pytest.skip("no code column")
    truth = _names(engine.settings)
    values = parse_filters(report, wide_args(report, as_of), as_of)
    page = run_detail(engine, report, values, GM, limit=200).rows
    with arrow_reader(engine, report, values, GM, batch_rows=200) as reader:
        batch = next(iter(reader))
    exported = [dict(zip([c.key for c in report.detail], row, strict=True))
                for row in zip(*(col.to_pylist() for col in batch.columns), strict=True)]
    for rows in (page, exported):
        assert rows
        for code, name in pairs:
            with_code = [r for r in rows if r[code]]
            assert with_code, (slug, code)
            for r in with_code:
                assert r[name] == truth[code][r[code]], (slug, code, r[code], r[name])


@pytest.mark.parametrize("slug", ["claims-unregistered", "claims-open"])
def test_open_claims_name_whom_to_chase(login: Any, as_of: date, slug: str) -> None:
    report = CATALOG[slug]
    key = report.key_columns[0]
    keys = [c.key for c in report.detail]
    assert keys[:5] == [keys[0], key, "insured_name", "handler_code", "handler_name"]
    query = "&".join(f"{k}={v}" for k, v in wide_args(report, as_of).items())
    resp = login("claims01").get(f"/export/{slug}.csv?level=detail&{query}")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    head = rows[0]
    assert head[:5] == [report.detail[0].label, report.detail[1].label, "被保险人名称",
                        "经办人代码", "经办人名称"]
    assert len(rows) > 2
    assert all(r[2] and r[3].startswith("E") and r[4] for r in rows[1:])


@pytest.mark.parametrize(("slug", "key"), [
    ("pnl-auto-policy", "settled_loss_ratio_pct"), ("pnl-auto-agent", "settled_loss_ratio_pct"),
    ("pnl-auto-cube", "settled_loss_ratio_pct"), ("pnl-property-policy",
                                                  "settled_loss_ratio_pct"),
    ("pnl-property-agent", "settled_loss_ratio_pct"), ("claims-unregistered", "days_waiting"),
    ("claims-open", "days_open")])
def test_the_key_measure_follows_the_identifying_column(slug: str, key: str) -> None:
    report = CATALOG[slug]
    assert report.key_columns[0] == key
    assert report.detail[1].key == key
