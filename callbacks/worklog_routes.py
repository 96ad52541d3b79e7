"""The 工作日志 JSON API, behind the same sign-in, page grant and data scope as its pages:

    POST /api/worklog/plans                  a plan (``"submit": true`` submits it at once)
    GET  /api/worklog/plans?from=&to=&status=  plans in the caller's scope
    GET|PUT /api/worklog/plans/<id>          one plan with customers and approval steps
    POST /api/worklog/plans/<id>/submit      to the 科长 / 支公司经理 the organisation names
    POST /api/worklog/plans/<id>/review      {"decision": "approve"|"return", "comment"}
    GET  /api/worklog/reviews                plans waiting for the caller's decision
    POST /api/worklog/entries                a work note {"date", "customer_code" or
                                             "customer_name", "kind", "content", "cost", …}
    GET  /api/worklog/entries?from=&to=      notes in the caller's scope
    PUT|DELETE /api/worklog/entries/<id>     change (until its plan is approved) / delete
    POST /api/worklog/entries/<id>/correct   a correcting note replacing it
    POST|GET /api/worklog/budgets            the year's expense budget
    POST|GET /api/worklog/forms              单证领用日志 (GET: rows and balances)
    POST|GET /api/worklog/problems           待解决问题; GET /problems/<id>,
    POST /api/worklog/problems/<id>/replies  a reply, optionally a new status
    GET|PUT /api/worklog/settings            the per-note expense limit (administrators)

A refused field answers ``{"error", "field"}`` with 400 (403 not the caller's, 404
unknown or outside the scope, 409 not in a state for it); nothing is saved then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, request

import auth
from engines.base import Engine
from ops import worklog_daily as daily
from ops import worklog_entries as entries
from ops import worklog_plans as plans
from ops.worklog_fields import WorklogError, day
from queries.access import Viewer

PLANS, ENTRY, REVIEW, FORMS, PROBLEMS = ("worklog-plans", "worklog-entry", "worklog-review",
                                         "worklog-forms", "worklog-problems")


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise WorklogError("body", "请求内容应为 JSON 对象")
    return data


def _period() -> tuple[date | None, date | None]:
    args = request.args
    start = day(args, "from", "开始日期", required=False)
    end = day(args, "to", "结束日期", required=False)
    if start and end and end < start:
        raise WorklogError("to", f"结束日期 {end} 早于开始日期 {start}")
    return start, end


def _answer(slug: str, work: Callable[[Viewer, Engine], Any], status: int = 200
            ) -> Response:
    viewer = auth.require_page(slug)
    try:
        return _json(work(viewer, auth.current_engine()), status)
    except WorklogError as exc:
        return _json(exc.public(), exc.status)


def _register_plans(bp: Blueprint) -> None:
    """Plans and their review."""

    @bp.post("/plans")
    def new_plan() -> Response:
        return _answer(PLANS, lambda v, e: plans.create_plan(e, v, _body(), _ip()), 201)

    @bp.get("/plans")
    def list_plans() -> Response:
        def rows(v: Viewer, e: Engine) -> Any:
            start, end = _period()
            return {"rows": plans.list_plans(e, v, start, end,
                                             request.args.get("status") or None)}
        return _answer(PLANS, rows)

    @bp.get("/plans/<int:plan_id>")
    def one_plan(plan_id: int) -> Response:
        return _answer(PLANS, lambda v, e: plans.plan(e, v, plan_id))

    @bp.put("/plans/<int:plan_id>")
    def change_plan(plan_id: int) -> Response:
        return _answer(PLANS, lambda v, e: plans.update_plan(e, v, plan_id, _body(), _ip()))

    @bp.post("/plans/<int:plan_id>/submit")
    def submit(plan_id: int) -> Response:
        return _answer(PLANS, lambda v, e: plans.submit_plan(
            e, v, plan_id, request.get_json(silent=True) or {}, _ip()))

    @bp.post("/plans/<int:plan_id>/review")
    def review(plan_id: int) -> Response:
        return _answer(REVIEW, lambda v, e: plans.review_plan(e, v, plan_id, _body(), _ip()))

    @bp.get("/reviews")
    def queue() -> Response:
        return _answer(REVIEW, lambda v, e: {"rows": plans.review_queue(e, v)})


def _register_entries(bp: Blueprint) -> None:
    """Work notes (entries)."""

    @bp.post("/entries")
    def new_entry() -> Response:
        return _answer(ENTRY, lambda v, e: entries.create_entry(e, v, _body(), _ip()), 201)

    @bp.get("/entries")
    def list_entries() -> Response:
        def rows(v: Viewer, e: Engine) -> Any:
            start, end = _period()
            return {"rows": entries.list_entries(
                e, v, start, end, with_removed=request.args.get("removed") == "1")}
        return _answer(ENTRY, rows)

    @bp.get("/entries/<int:entry_id>")
    def one_entry(entry_id: int) -> Response:
        return _answer(ENTRY, lambda v, e: entries.entry(e, v, entry_id))

    @bp.put("/entries/<int:entry_id>")
    def change_entry(entry_id: int) -> Response:
        return _answer(ENTRY, lambda v, e: entries.update_entry(e, v, entry_id, _body(), _ip()))

    @bp.post("/entries/<int:entry_id>/correct")
    def correct(entry_id: int) -> Response:
        return _answer(ENTRY, lambda v, e: entries.correct_entry(e, v, entry_id, _body(), _ip()),
                       201)

    @bp.delete("/entries/<int:entry_id>")
    def remove(entry_id: int) -> Response:
        return _answer(ENTRY, lambda v, e: entries.delete_entry(e, v, entry_id, _ip()))


def _register_budgets_and_forms(bp: Blueprint) -> None:
    """Budgets and the forms' fields."""

    @bp.post("/budgets")
    def set_budget() -> Response:
        return _answer(PLANS, lambda v, e: daily.set_budget(e.settings, v, _body(), _ip()))

    @bp.get("/budgets")
    def budgets() -> Response:
        def rows(v: Viewer, e: Engine) -> Any:
            year = request.args.get("year")
            if year and not year.isdigit():
                raise WorklogError("year", f"年度应为整数 (收到 {year[:10]!r})")
            return {"rows": daily.list_budgets(e.settings, v, int(year) if year else None)}
        return _answer(PLANS, rows)

    @bp.post("/forms")
    def new_forms() -> Response:
        return _answer(FORMS, lambda v, e: daily.record_forms(e.settings, v, _body(), _ip()), 201)

    @bp.get("/forms")
    def forms() -> Response:
        def rows(v: Viewer, e: Engine) -> Any:
            start, end = _period()
            return {"rows": daily.list_forms(e.settings, v, start, end),
                    "balances": daily.form_balances(e.settings, v)}
        return _answer(FORMS, rows)


def _register_problems(bp: Blueprint) -> None:
    """Problems and their replies."""

    @bp.post("/problems")
    def new_problem() -> Response:
        return _answer(PROBLEMS, lambda v, e: daily.raise_problem(e.settings, v, _body(), _ip()),
                       201)

    @bp.get("/problems")
    def problems() -> Response:
        return _answer(PROBLEMS, lambda v, e: {"rows": daily.list_problems(
            e.settings, v, request.args.get("status") or None)})

    @bp.get("/problems/<int:problem_id>")
    def one_problem(problem_id: int) -> Response:
        return _answer(PROBLEMS, lambda v, e: daily.problem(e.settings, v, problem_id))

    @bp.post("/problems/<int:problem_id>/replies")
    def reply(problem_id: int) -> Response:
        return _answer(PROBLEMS, lambda v, e: daily.reply_problem(e.settings, v, problem_id,
                                                                  _body(),
                                                                  _ip()), 201)


def _register_settings(bp: Blueprint) -> None:
    """The work log's settings (the expense limit)."""

    @bp.get("/settings")
    def get_settings() -> Response:
        if not _is_admin():
            auth.require_page(ENTRY)
        limit = daily.get_expense_limit(auth.current_settings())
        return _json({"expense_limit": float(limit) if limit is not None else None})

    @bp.put("/settings")
    def put_settings() -> Response:
        viewer = auth.current_viewer()
        if viewer is None or not viewer.is_admin:
            return _json({"error": "只有系统管理员可以设置费用上限", "field": "expense_limit"},
                         403)
        try:
            return _json(daily.set_expense_limit(auth.current_settings(), viewer, _body(),
                                                 _ip()))
        except WorklogError as exc:
            return _json(exc.public(), exc.status)


def register_worklog_routes(server: Flask) -> None:
    bp = Blueprint("worklog_api", __name__, url_prefix="/api/worklog")
    _register_plans(bp)
    _register_entries(bp)
    _register_budgets_and_forms(bp)
    _register_problems(bp)
    _register_settings(bp)
    server.register_blueprint(bp)


def _ip() -> str | None:
    return request.remote_addr


def _is_admin() -> bool:
    viewer = auth.current_viewer()
    return viewer is not None and viewer.is_admin
