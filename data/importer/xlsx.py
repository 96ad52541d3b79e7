"""An .xlsx file's first sheet as text, through a Parquet file in the scratch folder.

An xlsx is a zip of XML: a small file can declare a sheet of a million rows or unpack to
gigabytes. Before the sheet is read (calamine, through fastexcel) the zip is checked
against the settings' bounds: the uncompressed sizes its directory declares, each part
unpacked in a stream that stops at its declared size (a part that holds more fails its
check), and the rows and columns the first sheet's cells name. Only then is it read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from data.layout import Entity
from data.settings import Settings

CHUNK = 1 << 20
_CELL = re.compile(rb'<(?:row|c)\b[^>]*?\sr="([A-Z]*)(\d+)"')
_SHEET = re.compile(rb'<sheet\b[^>]*?\sr:id="([^"]+)"')
_REL = re.compile(rb'<Relationship\b[^>]*?>')


class XlsxProblem(Exception):
    def __init__(self, reason: str, row: int | None = None):
        super().__init__(reason)
        self.row = row


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The part holding the workbook's first sheet (as the reader picks it)."""
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError as exc:
        raise XlsxProblem("不是有效的 Excel 文件 (缺少工作簿)") from exc
    first = _SHEET.search(workbook)
    if first is None:
        raise XlsxProblem("不是有效的 Excel 文件 (没有工作表)")
    for rel in _REL.findall(rels):
        if f'Id="{first.group(1).decode()}"'.encode() in rel:
            target = re.search(rb'Target="([^"]+)"', rel)
            if target:
                path = target.group(1).decode().lstrip("/")
                return path if path.startswith("xl/") else f"xl/{path}"
    raise XlsxProblem("不是有效的 Excel 文件 (找不到第一个工作表)")


def _scan(book: zipfile.ZipFile, info: zipfile.ZipInfo,
          on_chunk: Callable[[bytes], None] | None) -> None:
    """Unpack one part in a stream: the reader stops at the declared size and checks the
    part's CRC, so a part holding more than it declares fails here, cheaply."""
    with book.open(info) as part:
        tail = b""
        while chunk := part.read(CHUNK):
            if on_chunk is not None:
                on_chunk(tail + chunk)
                tail = chunk[-64:]


def check_xlsx(path: Path, settings: Settings) -> None:
    """Refuse an xlsx beyond the settings' bounds before anything reads its sheet."""
    limit = settings.import_xlsx_max_bytes
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxProblem(f"不是有效的 Excel 文件: {exc}") from exc
    with book:
        declared = sum(i.file_size for i in book.infolist())
        if declared > limit:
            raise XlsxProblem(f"解压后 {declared / 2**20:,.0f} MB, 超过上限 "
                              f"{limit / 2**20:,.0f} MB (设置 IMPORT_XLSX_MAX_BYTES); "
                              "大文件请用 CSV 或 Parquet")
        sheet = _first_sheet(book)
        rows = cols = 0

        def extent(data: bytes) -> None:
            nonlocal rows, cols
            for letters, number in _CELL.findall(data):
                rows = max(rows, int(number))
                if letters:
                    cols = max(cols, _column_number(letters))
            if rows - 1 > settings.import_xlsx_max_rows:
                raise XlsxProblem(f"工作表有第 {rows:,} 行, 超过上限 "
                                  f"{settings.import_xlsx_max_rows:,} 行 (设置 "
                                  "IMPORT_XLSX_MAX_ROWS); 大文件请用 CSV 或 Parquet")
            if cols > settings.import_xlsx_max_columns:
                raise XlsxProblem(f"工作表有第 {cols:,} 列, 超过上限 "
                                  f"{settings.import_xlsx_max_columns} 列")
        try:
            for info in book.infolist():
                _scan(book, info, extent if info.filename == sheet else None)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError,
                OSError) as exc:
            raise XlsxProblem(f"不是有效的 Excel 文件 ({info.filename}): {exc}") from exc


def stage_xlsx(entity: Entity, path: Path, scratch: Path, settings: Settings,
               check_header: Callable[[list[str]], None]) -> tuple[list[str], Path]:
    """The first sheet as a Parquet file of text columns named by its header row."""
    import fastexcel
    import polars as pl

    check_xlsx(path, settings)
    try:
        sheet = fastexcel.read_excel(path).load_sheet(
            0, header_row=None, dtypes="string", eager=True,
            n_rows=settings.import_xlsx_max_rows + 1)
    except Exception as exc:  # the reader raises its own kinds for a bad file
        raise XlsxProblem(f"不是有效的 Excel 文件: {exc}") from exc
    frame = pl.from_arrow(sheet)
    assert isinstance(frame, pl.DataFrame)
    if frame.width > settings.import_xlsx_max_columns:
        raise XlsxProblem(f"工作表有 {frame.width} 列, 超过上限 "
                          f"{settings.import_xlsx_max_columns} 列")
    frame = frame.select(pl.all().str.strip_chars().replace("", None))
    header = [v or "" for v in (frame.row(0) if frame.height else ())]
    while header and not header[-1]:
        header.pop()
    check_header(header)
    data = frame.slice(1)
    filled = data.select(pl.any_horizontal(pl.all().is_not_null()).alias("f"))["f"]
    last = filled.arg_true()
    data = data.head(int(last[-1]) + 1 if len(last) else 0)  # blank rows below the table
    limit = settings.import_xlsx_max_cell_chars
    for i, name in enumerate(data.columns):
        beyond = i >= len(header)
        bad = data[name].is_not_null() if beyond else data[name].str.len_chars() > limit
        hits = bad.fill_null(False).arg_true()
        if len(hits):
            raise XlsxProblem("数据超出表头的列" if beyond else
                              f"{header[i]} 超过 {limit:,} 个字符", row=int(hits[0]) + 2)
    data = data.select(data.columns[:len(header)])
    data.columns = header
    dates = {f.name for f in entity.fields if f.type == "date"}
    # A date cell reads as its date at midnight.
    data = data.with_columns(pl.col(c).str.replace(r" 00:00:00$", "") for c in header
                             if c in dates)
    target = scratch / f"{entity.name}.xlsx.parquet"
    data.write_parquet(target)
    return header, target
