"""The Rust writer's workbook is the one xlsxwriter writes, for every report's detail."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from engines.base import Engine
from queries import engine as reporting
from queries import export_xlsx
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.export import TooManyRowsForExcel, detail_xlsx
from tests.catalog_args import wide_args
from tests.conftest import AS_OF


def _widths(ws: Any) -> list[float]:
    """Each column's width; a writer may store neighbours of one width as one range."""
    found: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        for i in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            found[i] = dim.width
    return [found.get(i, 0.0) for i in range(1, ws.max_column + 1)]

# One department (personal data masked): every report has rows, none has many.
SECTION = Viewer(2, "section", "科长", frozenset(CATALOG),
                 DataScope("department", branch_id=1, dept_id=1), False)
# The customer-data lists are a data steward's, who sees a branch (staff who are also
# customers are too few for one department).
STEWARD = Viewer(3, "steward", "客户信息管理员", frozenset(CATALOG),
                 DataScope("branch", branch_id=1), False)


def _sheet(path: Path) -> tuple[Any, list[list[tuple[Any, str]]]]:
    ws = load_workbook(path).active
    cells = [[(c.value, c.number_format if c.value is not None else "") for c in row]
             for row in ws.iter_rows()]
    return ws, cells


def _both(engine: Engine, slug: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          **kw: Any) -> tuple[Path, Path]:
    report = CATALOG[slug]
    values = reporting.parse_filters(report, wide_args(report, AS_OF), AS_OF)
    rust, python = tmp_path / "rust.xlsx", tmp_path / "python.xlsx"
    viewer = STEWARD if report.area == "customer_data" else SECTION
    detail_xlsx(rust, engine, report, values, viewer, **kw)
    with monkeypatch.context() as m:
        m.setattr(export_xlsx, "rx", None)
        detail_xlsx(python, engine, report, values, viewer, **kw)
    return rust, python


@pytest.mark.parametrize("slug", list(CATALOG))
def test_rust_workbook_matches_xlsxwriter(engine: Engine, slug: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert export_xlsx.available()
    rust, python = _both(engine, slug, tmp_path, monkeypatch)
    ws_rust, cells_rust = _sheet(rust)
    ws_python, cells_python = _sheet(python)
    assert len(cells_rust) > 1 or slug == "exchange-rates"
    assert cells_rust[0] == cells_python[0]  # labels as headers
    assert cells_rust == cells_python
    assert ws_rust.title == ws_python.title == CATALOG[slug].title[:31]
    assert ws_rust.freeze_panes == ws_python.freeze_panes == "A2"
    assert ws_rust.auto_filter.ref == ws_python.auto_filter.ref
    assert _widths(ws_rust)[:3] == _widths(ws_python)[:3]
    header = ws_rust["A1"]
    assert header.font.b and header.fill.fgColor.rgb.endswith("E7F0FA")
    for row in cells_rust[1:]:
        for value, _fmt in row:
            assert not isinstance(value, datetime) or value.time() == datetime.min.time()


def test_rust_writer_dates_and_money(engine: Engine, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rust, _ = _both(engine, "pnl-auto-cube", tmp_path, monkeypatch)
    ws = load_workbook(rust).active
    header = [c.value for c in ws[1]]
    start, premium = header.index("起保日期"), header.index("签单保费")
    row = next(ws.iter_rows(min_row=2, max_row=2))
    assert isinstance(row[start].value, datetime) and row[start].number_format == "yyyy-mm-dd"
    assert isinstance(row[premium].value, float) and row[premium].number_format == "#,##0.00"
    assert date(2000, 1, 1) <= row[start].value.date() <= AS_OF.replace(year=AS_OF.year + 2)


def test_rust_writer_refuses_to_cut_and_reports_progress(engine: Engine, tmp_path: Path
                                                         ) -> None:
    report = CATALOG["pnl-auto-cube"]
    values = reporting.parse_filters(report, {}, AS_OF)
    total = reporting.run_detail(engine, report, values, SECTION, limit=1).total
    with pytest.raises(TooManyRowsForExcel):
        detail_xlsx(tmp_path / "cut.xlsx", engine, report, values, SECTION,
                    max_rows=total - 1)
    seen: list[int] = []
    assert detail_xlsx(tmp_path / "all.xlsx", engine, report, values, SECTION,
                       max_rows=total, on_rows=seen.append) == total
    assert seen and seen[-1] == total and seen == sorted(seen)
