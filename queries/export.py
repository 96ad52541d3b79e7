"""Exports of any grid: CSV streamed (UTF-8 with BOM, opens right in Excel) and xlsx
written in constant memory with Chinese headers, number formats, frozen header and
autofilter. Excel's own row limit is the only limit; past it we offer CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from queries.engine import ColumnMeta

EXCEL_MAX_ROWS = 1_048_576 - 1  # one row is the header


class TooManyRowsForExcel(ValueError):
    """More rows than a sheet holds: the file is never cut, the user is offered CSV."""

    def __init__(self, rows: int, limit: int = EXCEL_MAX_ROWS, at_least: bool = False) -> None:
        count = f"至少 {rows:,}" if at_least else f"共 {rows:,}"
        super().__init__(f"查询结果{count} 行, 超过 Excel 单个工作表的上限 {limit:,} 行, "
                         "无法导出为 Excel。请改为导出 CSV (不限行数, 可用 Excel 打开), "
                         "或增加查询条件缩小范围。")
        self.rows, self.limit = rows, limit


def _cell(value: Any) -> Any:
    return "" if value is None else value


def csv_chunks(columns: list[ColumnMeta], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([c.label for c in columns])
    yield "\ufeff" + buf.getvalue()
    buf.seek(0)
    buf.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(c.key)) for c in columns])
        if i % 2000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def write_xlsx(path: Path, title: str, columns: list[ColumnMeta],
               rows: Iterable[dict[str, Any]], totals: dict[str, Any] | None = None, *,
               max_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write rows to ``path``; returns the row count. Raises ``TooManyRowsForExcel``
    (the caller removes the partial file) rather than cut the rows past ``max_rows``."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        ws = wb.add_worksheet(title[:31])
        head = wb.add_format({"bold": True, "bg_color": "#E7F0FA", "border": 1})
        formats = {
            "money": wb.add_format({"num_format": "#,##0.00"}),
            "number": wb.add_format({"num_format": "#,##0.00"}),
            "percent": wb.add_format({"num_format": "#,##0.00"}),
            "ratio": wb.add_format({"num_format": "0.0000"}),
            "int": wb.add_format({"num_format": "#,##0"}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        }
        for j, c in enumerate(columns):
            ws.write(0, j, c.label, head)
            ws.set_column(j, j, 14 if c.type != "text" else 18, formats.get(c.type))
        n = 0
        for n, row in enumerate(rows, 1):
            if n > max_rows:
                raise TooManyRowsForExcel(n, max_rows, at_least=True)
            _write_row(ws, n, columns, row, formats)
        if totals:
            n += 1
            _write_row(ws, n, columns, totals, formats)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
    finally:
        wb.close()
    return n


def _write_row(ws: Any, i: int, columns: list[ColumnMeta], row: dict[str, Any],
               formats: dict[str, Any]) -> None:
    for j, c in enumerate(columns):
        value = row.get(c.key)
        if value is None:
            continue
        if c.type == "date" and isinstance(value, str):
            ws.write_datetime(i, j, _to_datetime(value), formats["date"])
        else:
            ws.write(i, j, value, formats.get(c.type))


def _to_datetime(text: str) -> Any:
    from datetime import datetime

    d = date.fromisoformat(text[:10])
    return datetime(d.year, d.month, d.day)
