"""The 疑似客户审核 API, behind the grant of the review page and the user's scope:

    GET  /api/customers/suspects                  the queue (filters as 9.1's, ``limit``,
                                                  ``offset``), each pair with its decision
    GET  /api/customers/suspects/<id>             one pair
    POST /api/customers/suspects/<id>/decision    {"decision": "merge" | "split" |
                                                  "not_same" | "undo", "side": "l" | "r"
                                                  (split), "reason": "…"}
    POST /api/customers/decisions/<id>/undo       undo a decision (also one a load applied)

Personal fields are masked for users without the personal-data flag, as in the reports.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Flask, Response, request

import auth
from engines.base import Engine
from queries import customer_review as review
from queries.filters import FilterError

MAX_LIMIT = 200


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def _bad(field: str, message: str) -> Response:
    return _json({"error": message, "field": field}, 400)


def _not_found(suspect_id: int) -> Response:
    return _json({"error": f"没有这对疑似客户 (或不在您的数据范围内): {suspect_id}"}, 404)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise FilterError(name, f"{name} 须为 {low} 到 {high:,} 之间的整数 (收到 {text[:20]!r})")
    return value


def register_customer_data_routes(server: Flask, engine: Engine) -> None:
    bp = Blueprint("customer_data_api", __name__)

    @bp.get("/api/customers/suspects")
    def list_suspects() -> Response:
        viewer = auth.require_page(review.REVIEW_SLUG)
        try:
            limit = _int_arg("limit", 20, 1, MAX_LIMIT)
            offset = _int_arg("offset", 0, 0, 100_000)
            args = {k: v for k, v in request.args.items() if k not in {"limit", "offset"}}
            page = review.suspects(engine, viewer, args, limit=limit, offset=offset)
        except FilterError as exc:
            return _bad(exc.filter_key, exc.message)
        return _json({"suspects": page.rows, "total": page.total, "offset": page.offset,
                      "limit": page.limit})

    @bp.get("/api/customers/suspects/<int:suspect_id>")
    def one_suspect(suspect_id: int) -> Response:
        viewer = auth.require_page(review.REVIEW_SLUG)
        row = review.suspect(engine, viewer, suspect_id)
        return _json(row) if row else _not_found(suspect_id)

    @bp.post("/api/customers/suspects/<int:suspect_id>/decision")
    def decide(suspect_id: int) -> Response:
        viewer = auth.require_page(review.REVIEW_SLUG)
        body = request.get_json(silent=True)
        if body is None:
            return _bad("decision", "请求内容应为 JSON 对象, 如 {\"decision\": \"merge\"}")
        try:
            row = review.decide(engine, viewer, suspect_id, body)
        except review.ReviewError as exc:
            return _bad(exc.field, exc.message)
        return _json(row) if row else _not_found(suspect_id)

    @bp.post("/api/customers/decisions/<int:decision_id>/undo")
    def undo(decision_id: int) -> Response:
        viewer = auth.require_page(review.REVIEW_SLUG)
        if not review.undo(engine, viewer, decision_id):
            return _json({"error": f"没有可撤销的决定 (或不在您的数据范围内): {decision_id}"},
                         404)
        return _json({"decision_id": decision_id, "undone": True})

    server.register_blueprint(bp)
