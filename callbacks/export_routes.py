"""The direct exports (``/export/<slug>.csv|xlsx``): the filters checked and the rows
counted first, so a bad filter or a too-large Excel file is a clear 400, never a cut
file; CSV streams, a small Excel file is written and sent."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Response, after_this_request, request, send_file

import auth
from callbacks.api_request import (
    XLSX_MIME,
    authorised_report,
    column_filters_arg,
    filter_args,
    group_by_arg,
    json_response,
    sort_arg,
    summary_sort_arg,
    too_many_rows,
)
from data.settings import Settings
from engines.base import Engine
from queries import engine as reporting
from queries.access import Viewer
from queries.engine import SummaryResult
from queries.export import (
    TooManyRowsForExcel,
    detail_csv,
    detail_xlsx,
    summary_csv,
    summary_xlsx,
)
from queries.spec import Report


@dataclass(frozen=True)
class _Export:
    """One export request, its filters checked and its rows counted."""
    report: Report
    viewer: Viewer
    fmt: str
    level: str
    filters: dict[str, Any]
    sort: list[tuple[str, str]]
    values: reporting.FilterValues
    column_filters: dict[str, Any]
    summary: SummaryResult | None  # the summary's groups; None for the detail rows
    count: int

    @property
    def name(self) -> str:
        return f"{self.report.title}-{'汇总' if self.level == 'summary' else '明细'}.{self.fmt}"

    def audit(self) -> None:
        auth.audit.record("export", page=self.report.slug, rows=self.count, detail={
            "format": self.fmt, "level": self.level, "filters": self.filters,
            "sort": self.sort, "column_filters": self.column_filters})


def _counted_export(engine: Engine, report: Report, viewer: Viewer, fmt: str) -> _Export:
    """Raises ``engine.FilterError`` for a bad filter, column filter or sort."""
    level = request.args.get("level", "detail")
    filters = filter_args()
    sort = sort_arg()
    values = reporting.parse_filters(report, filters, engine.settings.today)
    column_filters = column_filters_arg()
    summary = None
    if level == "summary":
        summary = reporting.run_summary(engine, report, values, viewer,
                                     request.args.get("summary"), group_by=group_by_arg(),
                                     sort=summary_sort_arg())
        count = len(summary.rows)
    else:
        values = reporting.with_column_filters(report, values, column_filters, viewer)
        # A bad (or a masked column's) sort is a 400, not a cut file.
        reporting.detail_order(report, sort, viewer)
        count = reporting.run_detail(engine, report, values, viewer, limit=1).total
    return _Export(report, viewer, fmt, level, filters, sort, values, column_filters,
                   summary, count)


def _xlsx_refused(settings: Settings, slug: str, count: int) -> Response | None:
    if count > settings.excel_max_rows:
        return too_many_rows(slug, TooManyRowsForExcel(count, settings.excel_max_rows))
    if count > settings.xlsx_sync_max_rows:
        # Past this a request would hold a web worker for a minute: a background job.
        return json_response({"error": f"共 {count:,} 行, 较大的 Excel 文件在后台生成: 请在页面上"
                               "点击“导出 Excel”, 或调用 POST /api/reports/"
                               f"{slug}/exports", "code": "use_export_job",
                      "rows": count, "filter": None}, 400)
    return None


def _csv_export(engine: Engine, e: _Export) -> Response:
    chunks: Iterator[str] | Iterator[bytes]
    if e.summary is not None:
        chunks = summary_csv(e.summary)
    else:
        chunks = detail_csv(engine, e.report, e.values, e.viewer, e.sort)
    e.audit()
    resp = Response(chunks, mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = _disposition(e.name)
    return resp


def _xlsx_export(engine: Engine, e: _Export) -> Response:
    handle, tmp_name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)  # the writer opens the file by name; an open handle would leak
    tmp = Path(tmp_name)
    try:
        if e.summary is not None:
            summary_xlsx(tmp, e.report.title, e.summary, max_rows=engine.settings.excel_max_rows)
        else:
            detail_xlsx(tmp, engine, e.report, e.values, e.viewer, sort=e.sort,
                        max_rows=engine.settings.excel_max_rows)
    except TooManyRowsForExcel as exc:
        tmp.unlink(missing_ok=True)
        return too_many_rows(e.report.slug, exc)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    e.audit()

    @after_this_request
    def cleanup(response: Response) -> Response:
        tmp.unlink(missing_ok=True)
        return response

    return send_file(tmp, as_attachment=True, download_name=e.name, mimetype=XLSX_MIME)


def export_response(engine: Engine, slug: str, fmt: str) -> Response:
    found = authorised_report(slug)
    if isinstance(found, Response):
        return found
    report, viewer = found
    if fmt not in {"csv", "xlsx"}:
        return json_response({"error": "只支持 csv 或 xlsx"}, 400)
    try:
        e = _counted_export(engine, report, viewer, fmt)
    except reporting.FilterError as exc:
        return json_response({"error": exc.message, "filter": exc.filter_key}, 400)
    if fmt == "csv":
        return _csv_export(engine, e)
    refused = _xlsx_refused(engine.settings, slug, e.count)
    return refused if refused is not None else _xlsx_export(engine, e)


def _disposition(name: str) -> str:
    return f"attachment; filename=export.csv; filename*=UTF-8''{quote(name)}"
