"""What one import file may cost: an .xlsx within its bounds, read without test-only
packages; a file of junk stops after the most problems listed, and the report goes
beside the load history, not into the folder loaded."""

from __future__ import annotations

import csv
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from data.load import load
from tests.test_import_real import Book, book, copy, count, read, refused, write
from tests.test_store_generate import table_checksums

__all__ = ["book"]  # the module's fixture, shared


def _xlsx(work: Path, name: str, rows: list[list[str]] | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet()
    for row in rows or read(work / f"{name}.csv"):
        sheet.append(row)
    target = work / f"{name}.xlsx"
    wb.save(target)
    (work / f"{name}.csv").unlink()
    return target


def test_xlsx_is_read_by_a_runtime_package(book: Book, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    settings, files = book
    work = copy(book, tmp_path)
    _xlsx(work, "agent")
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # a production install has none
    store = tmp_path / "s.duckdb"
    result = load(work, store, settings)
    assert result.ok, result.rejects[:3]
    assert table_checksums(store)["agent"] == \
        table_checksums(files.parent / "loaded.duckdb")["agent"]
    pinned = (Path(__file__).parent.parent / "requirements.txt").read_text()
    assert "fastexcel==" in pinned


def test_xlsx_sheet_reaching_the_last_excel_row_is_refused_cheaply(book: Book,
                                                                    tmp_path: Path) -> None:
    from openpyxl import Workbook

    settings, _ = book
    work = copy(book, tmp_path)
    rows = read(work / "agent.csv")
    wb = Workbook()
    sheet = wb.active
    for i, row in enumerate(rows[:3], start=1):
        for j, value in enumerate(row, start=1):
            sheet.cell(row=i, column=j, value=value)
    sheet.cell(row=1_048_576, column=4, value="x")  # A1:D1048576, a few KB on disk
    wb.save(work / "agent.xlsx")
    (work / "agent.csv").unlink()
    assert (work / "agent.xlsx").stat().st_size < 20_000
    started = time.perf_counter()
    result = load(work, tmp_path / "s.duckdb", settings)
    assert time.perf_counter() - started < 30
    refused(result, "agent.xlsx", "", "工作表有第 1,048,576 行, 超过上限 500,000 行",
            row=None)


def test_xlsx_unpacking_beyond_the_bound_is_refused(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    plain = _xlsx(work, "agent")
    bomb = work / "bomb.zip"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(b"</worksheet>", b" " * (8 << 20) + b"</worksheet>")
            dst.writestr(info.filename, data)
    bomb.replace(plain)
    assert plain.stat().st_size < 200_000
    small = replace(settings, import_xlsx_max_bytes=2 << 20)
    refused(load(work, tmp_path / "s.duckdb", small), "agent.xlsx", "",
            "超过上限 2 MB (设置 IMPORT_XLSX_MAX_BYTES)", row=None)


def test_xlsx_cell_too_long_is_refused_with_its_row(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    rows = read(work / "agent.csv")
    rows[3][rows[0].index("agent_name")] = "名" * 2_001
    _xlsx(work, "agent", rows)
    refused(load(work, tmp_path / "s.duckdb", settings), "agent.xlsx", "",
            "agent_name 超过 2,000 个字符", row=4)


def test_junk_stops_after_the_most_problems_and_reports_beside_the_history(
        book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    header = read(work / "policy.csv")[0]
    write(work / "policy.csv", [header] + [[f"junk{i}"] * len(header) for i in range(300)])
    limited = replace(settings, import_max_errors=25)
    result = load(work, tmp_path / "s.duckdb", limited)
    assert not result.ok
    policy = [r for r in result.rejects if r.file == "policy.csv"]
    listed, more = [r for r in policy if r.row], [r for r in policy if not r.row]
    assert len(listed) == 25 and len(more) == 1
    found = int(more[0].reason.split(" ")[1].replace(",", ""))
    assert found > 300 * 10  # each junk row fails many checks: all counted, few listed
    assert result.problems >= 25 + found and "处错误" in result.message
    assert result.rejects_path is not None
    assert result.rejects_path.parent == limited.users_db.with_name("load-rejects")
    assert not (work / "rejects.csv").exists()
    with result.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        report = list(csv.reader(f))
    assert report[0] == ["文件", "行", "列", "值", "原因"]
    in_report = [r for r in report[1:] if r[0] == "policy.csv"]
    assert len(in_report) == 26 and in_report[-1][4] == more[0].reason
    assert len(report) - 1 == len(result.rejects) <= 25 * 18 + 18


def test_partial_load_refuses_a_file_beyond_the_most_problems(book: Book,
                                                              tmp_path: Path) -> None:
    """--partial must list every row it leaves out: past the bound it loads nothing."""
    settings, _ = book
    work = copy(book, tmp_path)
    rows = read(work / "customer.csv")
    col = rows[0].index("customer_kind")
    for row in rows[1:40]:
        row[col] = "?"
    write(work / "customer.csv", rows)
    store = tmp_path / "s.duckdb"
    result = load(work, store, replace(settings, import_max_errors=10), partial=True)
    assert not result.ok and not store.exists()
    assert any("另有" in r.reason for r in result.rejects if r.file == "customer.csv")
    ok = load(work, store, replace(settings, import_max_errors=10_000), partial=True)
    assert ok.ok and count(store, "SELECT count(*) FROM customer") <= len(rows) - 40


def test_xlsx_part_holding_more_than_it_declares_is_refused(book: Book,
                                                            tmp_path: Path) -> None:
    """A zip whose directory understates a part's size: the reader stops at the declared
    size and the part fails its check, so nothing unpacks beyond the bound."""
    import struct

    settings, _ = book
    work = copy(book, tmp_path)
    plain = _xlsx(work, "agent")
    padded = work / "padded.zip"
    with zipfile.ZipFile(plain) as src, \
            zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(b"</worksheet>", b" " * (8 << 20) + b"</worksheet>")
            dst.writestr(info.filename, data)
    raw = bytearray(padded.read_bytes())
    with zipfile.ZipFile(padded) as z:
        sheet = next(i for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
    struct.pack_into("<I", raw, sheet.header_offset + 22, 1_000)  # local header
    central = raw.find(b"PK\x01\x02" + raw[sheet.header_offset + 4:sheet.header_offset + 6])
    name = sheet.filename.encode()
    while raw[central + 46:central + 46 + len(name)] != name:
        central = raw.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", raw, central + 24, 1_000)  # central directory
    plain.write_bytes(bytes(raw))
    with zipfile.ZipFile(plain) as z:
        assert sum(i.file_size for i in z.infolist()) < 2 << 20
    small = replace(settings, import_xlsx_max_bytes=2 << 20)
    refused(load(work, tmp_path / "s.duckdb", small), "agent.xlsx", "",
            "不是有效的 Excel 文件 (xl/worksheets/", row=None)
