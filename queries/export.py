"""Exports of any grid: CSV streamed (UTF-8 with BOM, opens right in Excel) and xlsx
written in constant memory with Chinese headers, number formats, frozen header and
autofilter. Excel's own row limit is the only limit; past it we offer CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from engines.base import Engine
from queries import engine as reporting
from queries import export_stream, export_xlsx
from queries.access import Viewer
from queries.engine import ColumnMeta, SummaryResult
from queries.export_stream import ColumnBatch, excel_dates
from queries.spec import Report

EXCEL_MAX_ROWS = 1_048_576 - 1  # one row is the header
TOTAL_LABEL = "合计"


class TooManyRowsForExcel(ValueError):
    """More rows than a sheet holds: the file is never cut, the user is offered CSV."""

    def __init__(self, rows: int, limit: int = EXCEL_MAX_ROWS, at_least: bool = False) -> None:
        count = f"至少 {rows:,}" if at_least else f"共 {rows:,}"
        super().__init__(f"查询结果{count} 行, 超过 Excel 单个工作表的上限 {limit:,} 行, "
                         "无法导出为 Excel。请改为导出 CSV (不限行数, 可用 Excel 打开), "
                         "或增加查询条件缩小范围。")
        self.rows, self.limit = rows, limit


# A spreadsheet reads a cell starting with one of these as a formula (or a DDE call):
# such text goes out with a leading apostrophe, which Excel shows as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """``value`` safe to open in a spreadsheet: never read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return csv_text(value) if isinstance(value, str) else value


def csv_chunks(columns: list[ColumnMeta], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([_cell(c.label) for c in columns])
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


XLSX_BATCH_ROWS = 10_000  # a progress step (and a cancel check) about every second


def detail_csv(engine: Engine, report: Report, values: reporting.FilterValues,
               viewer: Viewer, sort: Sequence[tuple[str, str]] = ()) -> Iterator[bytes]:
    """Every detail row as CSV (UTF-8, BOM first) in chunks. The first chunk is made
    before returning, so a failing query is an error answer, not a 200 whose file stops
    short."""
    columns = reporting.detail_columns(report)
    if export_stream.supported(engine):
        header = "".join(csv_chunks(columns, ())).encode()
        chunks = _then(header, export_stream.copy_csv(engine, report, values, viewer, sort))
    else:
        chunks = (text.encode() for text in csv_chunks(
            columns, reporting.iter_detail_rows(engine, report, values, viewer, sort)))
    first = next(chunks)
    second = next(chunks, b"")  # the header alone is ready before any query ran
    return _then(first + second, chunks)


def _then(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """``first``, then ``rest``; closing the result closes ``rest`` (stops its query)."""
    try:
        yield first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


def detail_xlsx(path: Path, engine: Engine, report: Report, values: reporting.FilterValues,
                viewer: Viewer, *, sort: Sequence[tuple[str, str]] = (),
                max_rows: int = EXCEL_MAX_ROWS,
                on_rows: Callable[[int], None] | None = None) -> int:
    """Every detail row into ``path``; ``on_rows(rows so far)`` after each step."""
    columns = reporting.detail_columns(report)
    if export_stream.supported(engine) and export_xlsx.available():
        with export_stream.arrow_reader(engine, report, values, viewer, sort,
                                        batch_rows=XLSX_BATCH_ROWS) as reader:
            return export_xlsx.write_arrow_xlsx(
                path, report.title, columns, reader, max_rows=max_rows, on_rows=on_rows,
                too_many=lambda n: TooManyRowsForExcel(n, max_rows, at_least=True))
    if export_stream.supported(engine):
        batches = export_stream.iter_batches(engine, report, values, viewer, sort,
                                             batch_rows=XLSX_BATCH_ROWS)
        return write_xlsx_batches(path, report.title, columns, batches, max_rows=max_rows,
                                  on_rows=on_rows)
    rows = reporting.iter_detail_rows(engine, report, values, viewer, sort)
    if on_rows is not None:
        rows = _counted(rows, on_rows)
    return write_xlsx(path, report.title, columns, rows, max_rows=max_rows)


def _counted(rows: Iterable[dict[str, Any]], on_rows: Callable[[int], None]
             ) -> Iterator[dict[str, Any]]:
    n = 0
    for n, row in enumerate(rows, 1):
        if n % 1000 == 0:
            on_rows(n)
        yield row
    on_rows(n)


def _open_sheet(path: Path, title: str, columns: list[ColumnMeta]
                ) -> tuple[Any, Any, dict[str, Any]]:
    # Text is written as text: never turned into a formula, a link or a number.
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False,
                                         "strings_to_numbers": False})
    ws = wb.add_worksheet(export_xlsx.sheet_name(title))
    head = wb.add_format({"bold": True, "bg_color": export_xlsx.HEADER_COLOR, "border": 1})
    formats = {kind: wb.add_format({"num_format": number})
               for kind, number in export_xlsx.NUMBER_FORMATS.items()}
    for j, c in enumerate(columns):
        ws.write_string(0, j, c.label, head)
        ws.set_column(j, j, export_xlsx.column_width(c), formats.get(c.type))
    return wb, ws, formats


def _finish_sheet(ws: Any, rows: int, columns: list[ColumnMeta]) -> None:
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows, 1), len(columns) - 1)


def summary_totals_row(summary: SummaryResult) -> dict[str, Any]:
    """The totals as a last row, labelled 合计 in the first column (as on the page)."""
    return {**summary.totals, summary.columns[0].key: TOTAL_LABEL}


def summary_csv(summary: SummaryResult) -> Iterator[str]:
    return csv_chunks(summary.columns, [*summary.rows, summary_totals_row(summary)])


def summary_xlsx(path: Path, title: str, summary: SummaryResult, *,
                 max_rows: int = EXCEL_MAX_ROWS) -> int:
    return write_xlsx(path, title, summary.columns, summary.rows, summary.totals,
                      max_rows=max_rows)


def write_xlsx(path: Path, title: str, columns: list[ColumnMeta],
               rows: Iterable[dict[str, Any]], totals: dict[str, Any] | None = None, *,
               max_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write rows to ``path``, then ``totals`` as a row labelled 合计 in the first column;
    returns the row count. Raises ``TooManyRowsForExcel`` (the caller removes the
    partial file) rather than cut the rows past ``max_rows``."""
    wb, ws, formats = _open_sheet(path, title, columns)
    try:
        n = 0
        for n, row in enumerate(rows, 1):
            if n > max_rows:
                raise TooManyRowsForExcel(n, max_rows, at_least=True)
            _write_row(ws, n, columns, row, formats)
        if totals is not None:
            n += 1
            _write_row(ws, n, columns[1:], totals, formats, first=1)
            # The label is text whatever the first column holds (a date, an id).
            ws.write_string(n, 0, TOTAL_LABEL, formats.get(columns[0].type))
        _finish_sheet(ws, n, columns)
    finally:
        wb.close()
    return n


def write_xlsx_batches(path: Path, title: str, columns: list[ColumnMeta],
                       batches: Iterable[ColumnBatch], *, max_rows: int = EXCEL_MAX_ROWS,
                       on_rows: Callable[[int], None] | None = None) -> int:
    """``write_xlsx`` for column batches: one typed write per cell, no per-row dicts
    (a million rows of twenty columns is twenty million cells)."""
    wb, ws, formats = _open_sheet(path, title, columns)
    try:
        n = 0
        for batch in batches:
            if n + batch.rows > max_rows:
                raise TooManyRowsForExcel(n + batch.rows, max_rows, at_least=True)
            plan = [_column_writer(ws, c, values, formats)
                    for c, values in zip(columns, batch.columns, strict=True)]
            for i in range(batch.rows):
                r = n + 1 + i
                for j, (write, values, fmt) in enumerate(plan):
                    value = values[i]
                    if value is not None:
                        write(r, j, value, fmt)
            n += batch.rows
            if on_rows is not None:
                on_rows(n)
        _finish_sheet(ws, n, columns)
    finally:
        wb.close()
    return n


def _column_writer(ws: Any, column: ColumnMeta, values: list[Any], formats: dict[str, Any]
                   ) -> tuple[Callable[..., Any], list[Any], Any]:
    fmt = formats.get(column.type)
    if column.type == "date":
        return ws.write_number, excel_dates(values), fmt
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, str):
        return ws.write_string, values, fmt
    if isinstance(sample, (int, float)) and not isinstance(sample, bool):
        return ws.write_number, values, fmt
    return ws.write, values, fmt


def _write_row(ws: Any, i: int, columns: list[ColumnMeta], row: dict[str, Any],
               formats: dict[str, Any], *, first: int = 0) -> None:
    for j, c in enumerate(columns, first):
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
