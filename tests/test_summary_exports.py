"""Every summary of every report exports to xlsx and CSV, its totals row labelled 合计."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from queries.catalog import CATALOG
from tests.catalog_args import wide_args
from tests.conftest import AS_OF

CASES = [(slug, {"summary": s.key}) for slug, r in CATALOG.items() for s in r.summaries]
CASES += [(slug, {"group_by": key}) for slug, r in CATALOG.items() for key in r.free_dims]


@pytest.mark.parametrize(("slug", "choice"), CASES,
                         ids=[f"{slug}-{next(iter(c.values()))}" for slug, c in CASES])
def test_summary_exports_end_with_the_totals(login: Any, slug: str,
                                             choice: dict[str, str]) -> None:
    # A department: every page, a small share of the rows; the customer-data lists are
    # the data steward's (a branch).
    client = login("steward01" if CATALOG[slug].area == "customer_data" else "section01")
    args = {**wide_args(CATALOG[slug], AS_OF), **choice}
    api = client.get(f"/api/reports/{slug}?{urlencode({**args, 'limit': 25000})}").get_json()
    query = urlencode({**args, "level": "summary"})
    resp = client.get(f"/export/{slug}.xlsx?{query}")
    assert resp.status_code == 200, resp.data[:300]
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(c["label"] for c in api["columns"])
    assert len(rows) == 1 + len(api["rows"]) + 1
    assert rows[-1][0] == "合计"
    keys = [c["key"] for c in api["columns"]]
    for key, value in api["totals"].items():
        cell = rows[-1][keys.index(key)]
        assert cell == value or (value is not None and cell == pytest.approx(value)), key
    resp = client.get(f"/export/{slug}.csv?{query}")
    assert resp.status_code == 200
    lines = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert len(lines) == len(rows) and lines[-1][0] == "合计"
