"""The JSON API and the exports: plain Flask routes behind the same sign-in, grant and
scope checks as the pages. The exports are in ``callbacks.export_routes`` and
``callbacks.export_job_routes``; what they read from a request in ``callbacks.api_request``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, request

import auth
from callbacks.api_request import (
    authorised_report,
    column_filters_arg,
    filter_args,
    group_by_arg,
    json_response,
    positive_int_arg,
    sort_arg,
    summary_sort_arg,
)
from callbacks.export_job_routes import register_export_jobs
from callbacks.export_routes import export_response
from data.settings import Settings
from engines.base import Engine
from queries import engine as reporting
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.spec import Report


def _describe(settings: Settings, report: Report) -> dict[str, Any]:
    return {
        "slug": report.slug, "number": report.number, "title": report.title,
        "filters": [{"key": f.key, "label": f.label, "kind": f.kind, "required": f.required}
                    for f in report.filters],
        "dimensions": [{"key": d.key, "label": d.label} for d in report.dims],
        "free_dimensions": list(report.free_dims),
        "summaries": [{"key": s.key, "label": s.label, "dimensions": list(s.dimensions)}
                      for s in report.summaries],
        "measures": [{"key": m.key, "label": m.label, "type": m.type} for m in report.measures],
        "columns": [{"key": c.key, "label": c.label, "type": c.type,
                     "personal": bool(c.personal)} for c in report.detail],
    }


def _summary_json(engine: Engine, report: Report, values: reporting.FilterValues,
                  viewer: Viewer) -> Response:
    groups = positive_int_arg("limit", reporting.SUMMARY_GROUPS_SHOWN)
    if groups > engine.settings.summary_max_limit:
        raise reporting.FilterError("limit",
                                    f"limit 最大为 {engine.settings.summary_max_limit:,} 组 "
                                          f"(收到 {groups:,})")
    s = reporting.run_summary(engine, report, values, viewer, request.args.get("summary"),
                           group_by=group_by_arg(), max_groups=groups, sort=summary_sort_arg())
    # ``truncated``: more groups than ``limit``; the totals cover them all and the summary
    # export lists every one. ``sort``: the groups' order (the first ``limit`` in it over
    # all groups).
    return json_response({"columns": [c.__dict__ for c in s.columns], "rows": s.rows,
                  "totals": s.totals, "total": len(s.rows), "truncated": s.truncated,
                  "group_by": list(s.group_by),
                  "sort": ",".join(f"{k}:{d}" for k, d in s.sort)})


def _detail_json(engine: Engine, report: Report, values: reporting.FilterValues,
                 viewer: Viewer) -> Response:
    limit = positive_int_arg("limit", 100)
    d = reporting.run_detail(engine, report, values, viewer, sort=sort_arg(), limit=limit,
                          cursor=request.args.get("cursor") or None,
                          column_filters=column_filters_arg())
    return json_response({"columns": [c.__dict__ for c in d.columns], "rows": d.rows,
                  "total": d.total, "next_cursor": d.next_cursor})


def _run_report(engine: Engine, slug: str) -> Response:
    found = authorised_report(slug)
    if isinstance(found, Response):
        return found
    report, viewer = found
    level = request.args.get("level", "summary")
    try:
        values = reporting.parse_filters(report, filter_args(), engine.settings.today)
        if level == "summary":
            return _summary_json(engine, report, values, viewer)
        if level != "detail":
            return json_response({"error": "level 只能是 summary 或 detail", "filter": "level"},
                                 400)
        return _detail_json(engine, report, values, viewer)
    except reporting.FilterError as exc:
        return json_response({"error": exc.message, "filter": exc.filter_key}, 400)
    except ValueError as exc:
        return json_response({"error": str(exc), "filter": "cursor"}, 400)  # a bad cursor


def register_routes(server: Flask, engine: Engine) -> None:
    bp = Blueprint("reports_api", __name__)

    @bp.get("/api/reports")
    def list_reports() -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None
        return json_response({"reports": [_describe(engine.settings, r) for r in CATALOG.values()
                                  if viewer.may_open(r.slug)]})

    @bp.get("/api/reports/<slug>")
    def run_report(slug: str) -> Response:
        return _run_report(engine, slug)

    @bp.get("/export/<slug>.<fmt>")
    def export(slug: str, fmt: str) -> Response:
        return export_response(engine, slug, fmt)

    register_export_jobs(bp, engine)
    server.register_blueprint(bp)
