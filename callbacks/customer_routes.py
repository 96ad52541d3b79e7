"""The JSON API of the customer pages: ``GET /api/search?q=`` and
``GET /api/customers/<key>``, behind the same sign-in, grant and scope as the pages."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Flask, Response, request

import auth
from data.settings import Settings
from queries.customer360 import customer_view
from queries.search import SearchRefused, may_search, search


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=str), status=status,
                    mimetype="application/json")


def register_customer_routes(server: Flask, settings: Settings) -> None:
    bp = Blueprint("customers_api", __name__)

    @bp.get("/api/search")
    def api_search() -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None  # the guard answered 401 already
        if not may_search(viewer):
            return _json({"error": "您没有综合查询的使用权限"}, 403)
        try:
            result = search(settings, viewer, request.args.get("q", ""))
        except SearchRefused as exc:
            # A personal lookup without the permission: refused, nothing looked up.
            status = 403 if "权限" in str(exc) else 400
            return _json({"error": str(exc), "filter": "q"}, status)
        return _json(result.public())

    @bp.get("/api/customers/<key>")
    def api_customer(key: str) -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None
        if not may_search(viewer):
            return _json({"error": "您没有客户360的使用权限"}, 403)
        view = customer_view(settings, viewer, key)
        if view is None:
            return _json({"error": "没有该客户, 或该客户在您的数据范围内没有业务"}, 404)
        return _json({
            "key": view.key, "master_no": view.master_no, "records": view.records,
            "policies_in_scope": view.policies_in_scope,
            "policies_outside_scope": view.policies_outside,
            "claims_outside_scope": view.claims_outside,
            "sections": {s.key: None if r is None else {
                "report": s.slug, "total": r.total, "rows": r.rows}
                for s, r in view.sections},
            "pnl_by_year": view.pnl.rows if view.pnl else None,
            "groups": view.groups, "blacklist": view.blacklist, "notes": view.notes})

    server.register_blueprint(bp)
