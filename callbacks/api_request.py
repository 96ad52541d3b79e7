"""What every report API and export route reads from its request, and how it answers:
filters and control keys of the query string, the report with the viewer's page grant
checked, JSON answers, and the refusal of a too-large Excel file."""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Response, request

import auth
from queries import engine as reporting
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.export import TooManyRowsForExcel
from queries.spec import Report
from queries.urls import export_url

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CONTROL = {"level", "group_by", "summary", "limit", "cursor", "sort", "run", "filter", "ssort"}


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def authorised_report(slug: str) -> tuple[Report, Viewer] | Response:
    """The report and the signed-in user who may open it; a 404 answer for a slug the
    catalog does not know (a page not granted raises ``Forbidden``, answered 403)."""
    report = CATALOG.get(slug)
    if report is None:
        return json_response({"error": f"未知报表 {slug}"}, 404)
    return report, auth.require_page(slug)


def filter_args() -> dict[str, Any]:
    return {k: (v if len(v) > 1 else v[0]) for k, v in request.args.lists()
            if k not in CONTROL}


def sort_arg() -> list[tuple[str, str]]:
    out = []
    for part in filter(None, (request.args.get("sort") or "").split(",")):
        key, _, direction = part.partition(":")
        out.append((key, direction or "asc"))
    return out


def summary_sort_arg() -> list[tuple[str, str]] | None:
    """A summary's ``sort`` (the page's links say ``ssort``); None: the summary's default
    order, ``sort=`` empty: dimension order."""
    name = "sort" if "sort" in request.args else "ssort" if "ssort" in request.args else None
    if name is None:
        return None
    out = []
    for part in filter(None, (request.args.get(name) or "").split(",")):
        key, _, direction = part.partition(":")
        out.append((key, direction or "asc"))
    return out


def positive_int_arg(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise reporting.FilterError(name, f"{name} 须为正整数 (收到 {text[:20]!r})")
    return value


def column_filters_arg() -> dict[str, Any]:
    """The grid's column filters (AG Grid's filterModel as JSON in ``filter``)."""
    text = request.args.get("filter")
    if not text:
        return {}
    try:
        model = json.loads(text)
    except ValueError:
        model = None
    if not isinstance(model, dict):
        raise reporting.FilterError("filter", "列筛选参数无效: 应为 JSON 对象, 如 "
                                           '{"plate_no": {"type": "contains", "filter": "沪A"}}')
    return model


def group_by_arg() -> list[str] | None:
    value = request.args.get("group_by")
    return [g for g in value.split(",") if g] if value else None


def too_many_rows(slug: str, exc: TooManyRowsForExcel) -> Response:
    """400 with the reason in Chinese and the same rows as CSV, never a cut file."""
    csv = export_url(slug, "csv", list(request.args.items(multi=True)))
    return json_response({"error": str(exc), "code": "too_many_rows", "rows": exc.rows,
                  "limit": exc.limit, "csv_url": csv,
                  "filter": None}, 400)
