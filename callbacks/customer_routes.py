"""The JSON API of the customer pages: ``GET /api/search?q=`` and
``GET /api/customers/<key>``, behind the same sign-in, grant and scope as the pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Flask, Response, request

import auth
from engines.base import Engine
from ops.customer_lists import (
    ListError,
    add_to_blacklist,
    blacklist_entries,
    remove_from_blacklist,
    request_refresh,
)
from queries.customer360 import customer_view
from queries.reassign import may_reassign, parse_departed, reassign_orphans
from queries.search import SearchRefused, customer_in_scope, may_edit_blacklist, may_search, search

BLACKLIST_PATH = "/customers-admin/blacklist"
REASSIGN_PATH = "/customers-admin/reassign"


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=str), status=status,
                    mimetype="application/json")


def register_customer_routes(server: Flask, engine: Engine) -> None:
    bp = Blueprint("customers_api", __name__)

    @bp.get("/api/search")
    def api_search() -> Response:
        viewer = auth.current_viewer()
        assert viewer is not None  # the guard answered 401 already
        if not may_search(viewer):
            return _json({"error": "您没有综合查询的使用权限"}, 403)
        try:
            result = search(engine, viewer, request.args.get("q", ""))
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
        view = customer_view(engine, viewer, key)
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
    register_list_routes(server, engine)


def _form_redirect(path: str, message: str, ok: bool) -> Response:
    """Back to ``path`` (which may end in ``?`` or ``&`` with its own query) with the
    outcome."""
    joiner = "" if path.endswith(("?", "&")) else "?"
    return Response(status=303, headers={
        "Location": f"{path}{joiner}{urlencode({'ok' if ok else 'error': message})}"})


def _editor() -> Any:
    viewer = auth.current_viewer()
    assert viewer is not None
    return viewer if may_edit_blacklist(viewer) else None


def _add(engine: Engine, viewer: Any, code: str, reason: str) -> int:
    if not customer_in_scope(engine, viewer, code):
        raise ListError(f"客户代码: {code or '(空)'} 不存在或不在您的数据范围内")
    entry = add_to_blacklist(engine.settings.users_db, code, reason, viewer.username)
    request_refresh(engine.settings, user_id=viewer.user_id, username=viewer.username)
    return entry


def _do_reassign(engine: Engine, departed: str, handler_to: str, agent_to: str,
                 policies: list[str] | None) -> tuple[dict[str, Any], int]:
    """``departed``: a 经办人's code, or ``staff:``/``agent:`` and a code."""
    viewer = auth.current_viewer()
    assert viewer is not None
    if not may_reassign(viewer):
        return {"error": "只有支公司经理可以转交孤儿保单"}, 403
    try:
        kind, code = parse_departed(departed)
        done = reassign_orphans(engine, viewer, kind, code, handler_to=handler_to,
                                agent_to=agent_to, policy_nos=policies)
    except ListError as exc:
        return {"error": str(exc)}, 400
    return {"batch_id": done.batch_id, "policies": done.policies,
            "handler_policies": done.handler_policies, "agent_policies": done.agent_policies,
            "refresh_job": done.job_id}, 200


def _done_message(data: dict[str, Any]) -> str:
    parts = [f"{label} {data[key]:,} 张" for label, key in
             (("经办人", "handler_policies"), ("代理人", "agent_policies")) if data[key]]
    return (f"已转交 {data['policies']:,} 张保单 (其中转交{'、'.join(parts)}); "
            "各报表的经办人、代理人在数据刷新后更新")


def _register_blacklist_api(bp: Blueprint, engine: Engine) -> None:
    @bp.post("/api/customers/blacklist")
    def api_blacklist_add() -> Response:
        viewer = _editor()
        if viewer is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        body = request.get_json(silent=True) or {}
        try:
            entry = _add(engine, viewer, str(body.get("customer_code") or ""),
                         str(body.get("reason") or ""))
        except ListError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"entry_id": entry}, 201)

    @bp.get("/api/customers/blacklist")
    def api_blacklist() -> Response:
        if _editor() is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        return _json({"entries": blacklist_entries(engine.settings.users_db)})


def _register_blacklist_forms(bp: Blueprint, engine: Engine) -> None:
    @bp.post("/customers-admin/blacklist/add")
    def form_blacklist_add() -> Response:
        viewer = _editor()
        if viewer is None:
            return _json({"error": "您没有维护黑名单的权限"}, 403)
        code = request.form.get("customer_code", "").strip()
        try:
            _add(engine, viewer, code, request.form.get("reason", ""))
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
            remove_from_blacklist(engine.settings.users_db, entry_id, viewer.username)
        except ListError as exc:
            return _form_redirect(BLACKLIST_PATH, str(exc), False)
        request_refresh(engine.settings, user_id=viewer.user_id, username=viewer.username)
        return _form_redirect(BLACKLIST_PATH, "已移出黑名单; 报表在数据刷新后更新", True)


def _register_reassign(bp: Blueprint, engine: Engine) -> None:
    @bp.post("/api/orphans/reassign")
    def api_reassign() -> Response:
        """``{"from": 经办人代码}`` or ``{"from_agent": 代理人代码}``; ``to`` (经办人) and/or
        ``agent_to`` (代理人); ``policies`` (optional, default all of the person's)."""
        body = request.get_json(silent=True) or {}
        policies = body.get("policies")
        departed = (f"agent:{body.get('from_agent') or ''}" if body.get("from_agent")
                    else str(body.get("from") or ""))
        data, status = _do_reassign(engine, departed, str(body.get("to") or ""),
                                    str(body.get("agent_to") or ""),
                                    [str(p) for p in policies] if policies else None)
        return _json(data, status)

    @bp.post("/customers-admin/reassign")
    def form_reassign() -> Response:
        listed = [p for p in re.split(r"[\s,，;；]+", request.form.get("policies", "")) if p]
        departed = request.form.get("from", "")
        data, status = _do_reassign(engine, departed, request.form.get("to", ""),
                                    request.form.get("agent_to", ""), listed or None)
        if status == 403:
            return _json(data, status)
        back = f"{REASSIGN_PATH}?{urlencode({'from': departed})}&" if departed else \
            f"{REASSIGN_PATH}?"
        if "error" in data:
            return _form_redirect(back, data["error"], False)
        return _form_redirect(back, _done_message(data), True)


def register_list_routes(server: Flask, engine: Engine) -> None:
    """The 黑名单维护 and 孤儿保单转交 forms and their JSON twins."""
    bp = Blueprint("customer_lists", __name__)
    _register_blacklist_api(bp, engine)
    _register_blacklist_forms(bp, engine)
    _register_reassign(bp, engine)
    server.register_blueprint(bp)
