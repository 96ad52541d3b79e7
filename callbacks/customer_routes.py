"""The JSON API of the customer pages: ``GET /api/search?q=`` and
``GET /api/customers/<key>``, behind the same sign-in, grant and scope as the pages."""

from __future__ import annotations

import re
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, request

import auth
from data.settings import Settings
from ops.customer_lists import (
    ListError,
    add_to_blacklist,
    blacklist_entries,
    remove_from_blacklist,
    request_refresh,
)
from queries.customer360 import customer_view
from queries.reassign import may_reassign, reassign
from queries.search import SearchRefused, customer_in_scope, may_edit_blacklist, may_search, search

BLACKLIST_PATH = "/customers-admin/blacklist"
REASSIGN_PATH = "/customers-admin/reassign"


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
            "groups": view.groups, "blacklist": view.blacklist, "decisions": view.decisions,
            "notes": view.notes})

    server.register_blueprint(bp)
    register_list_routes(server, settings)


def _form_redirect(path: str, message: str, ok: bool) -> Response:
    from urllib.parse import urlencode

    return Response(status=303, headers={
        "Location": f"{path}?{urlencode({'ok' if ok else 'error': message})}"})


def _editor() -> Any:
    viewer = auth.current_viewer()
    assert viewer is not None
    return viewer if may_edit_blacklist(viewer) else None


def _add(settings: Settings, viewer: Any, code: str, reason: str) -> int:
    if not customer_in_scope(settings, viewer, code):
        raise ListError(f"客户代码: {code or '(空)'} 不存在或不在您的数据范围内")
    entry = add_to_blacklist(settings.users_db, code, reason, viewer.username)
    request_refresh(settings, user_id=viewer.user_id, username=viewer.username)
    return entry


def _do_reassign(settings: Settings, from_code: str, to_code: str, policies: list[str] | None
                 ) -> tuple[dict[str, Any], int]:
    viewer = auth.current_viewer()
    assert viewer is not None
    if not may_reassign(viewer):
        return {"error": "只有支公司经理可以转交孤儿保单"}, 403
    try:
        done = reassign(settings, viewer, from_code, to_code, policies)
    except ListError as exc:
        return {"error": str(exc)}, 400
    return {"batch_id": done.batch_id, "policies": done.policies,
            "refresh_job": done.job_id}, 200


def _register_blacklist_api(bp: Blueprint, settings: Settings) -> None:
    @bp.post("/api/customers/blacklist")
    def api_blacklist_add() -> Response:
        viewer = _editor()
        if viewer is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        body = request.get_json(silent=True) or {}
        try:
            entry = _add(settings, viewer, str(body.get("customer_code") or ""),
                         str(body.get("reason") or ""))
        except ListError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"entry_id": entry}, 201)

    @bp.get("/api/customers/blacklist")
    def api_blacklist() -> Response:
        if _editor() is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        return _json({"entries": blacklist_entries(settings.users_db)})


def _register_blacklist_forms(bp: Blueprint, settings: Settings) -> None:
    @bp.post("/customers-admin/blacklist/add")
    def form_blacklist_add() -> Response:
        viewer = _editor()
        if viewer is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        code = request.form.get("customer_code", "").strip()
        try:
            _add(settings, viewer, code, request.form.get("reason", ""))
        except ListError as exc:
            return _form_redirect(BLACKLIST_PATH, str(exc), False)
        return _form_redirect(BLACKLIST_PATH, f"已将 {code} 列入黑名单; 报表在数据刷新后显示",
                              True)

    @bp.post("/customers-admin/blacklist/<int:entry_id>/remove")
    def form_blacklist_remove(entry_id: int) -> Response:
        viewer = _editor()
        if viewer is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        try:
            remove_from_blacklist(settings.users_db, entry_id, viewer.username)
        except ListError as exc:
            return _form_redirect(BLACKLIST_PATH, str(exc), False)
        request_refresh(settings, user_id=viewer.user_id, username=viewer.username)
        return _form_redirect(BLACKLIST_PATH, "已移出黑名单; 报表在数据刷新后更新", True)


def _register_reassign(bp: Blueprint, settings: Settings) -> None:
    @bp.post("/api/orphans/reassign")
    def api_reassign() -> Response:
        body = request.get_json(silent=True) or {}
        policies = body.get("policies")
        data, status = _do_reassign(settings, str(body.get("from") or ""),
                                    str(body.get("to") or ""),
                                    [str(p) for p in policies] if policies else None)
        return _json(data, status)

    @bp.post("/customers-admin/reassign")
    def form_reassign() -> Response:
        listed = [p for p in re.split(r"[\s,，;；]+", request.form.get("policies", "")) if p]
        data, status = _do_reassign(settings, request.form.get("from", ""),
                                    request.form.get("to", ""), listed or None)
        if status == 403:
            return _json(data, status)
        if "error" in data:
            return _form_redirect(REASSIGN_PATH, data["error"], False)
        return _form_redirect(REASSIGN_PATH, f"已转交 {data['policies']:,} 张保单; 各报表的"
                                             "经办人在数据刷新后更新", True)


def register_list_routes(server: Flask, settings: Settings) -> None:
    """The 黑名单维护 and 孤儿保单转交 forms and their JSON twins."""
    bp = Blueprint("customer_lists", __name__)
    _register_blacklist_api(bp, settings)
    _register_blacklist_forms(bp, settings)
    _register_reassign(bp, settings)
    server.register_blueprint(bp)
