"""孤儿保单转交: a branch head hands the in-force policies of a 经办人 who left to a
colleague in service in their own scope. Checked here against the store and the viewer's
scope (the server's, never the browser's); written by ops/customer_lists.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.settings import Settings
from ops.customer_lists import ListError, record_reassignment, request_refresh
from queries.access import Viewer
from queries.search import scope_predicate, store_rows

MAX_POLICIES = 5_000  # of one bulk reassignment
SLUG = "orphan-policies"  # the grant the reassignment page goes with


@dataclass(frozen=True)
class Reassigned:
    batch_id: str
    policies: int
    job_id: str | None


def may_reassign(viewer: Viewer) -> bool:
    """Branch heads (and company-wide users) granted 孤儿保单."""
    return viewer.may_open(SLUG) and viewer.scope.level in {"branch", "company"}


def departed_handlers(settings: Settings, viewer: Viewer) -> list[dict[str, Any]]:
    """The 经办人 who left with orphan policies in the viewer's scope, and how many (an
    agent's departure alone is for the source system to answer)."""
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    return store_rows(settings, f"""
        SELECT handler_code, any_value(handler_name) AS handler_name,
               any_value(handler_left_date) AS left_date, count(*) AS policies
        FROM orphan_fact WHERE handler_left_date IS NOT NULL AND {scope}
        GROUP BY handler_code ORDER BY handler_code""", params)


def colleagues(settings: Settings, viewer: Viewer) -> list[dict[str, Any]]:
    """Staff in service in the viewer's scope, who may take policies over."""
    params: dict[str, Any] = {}
    where = "TRUE"
    if viewer.scope.level == "branch":
        where = "s.branch_id = $branch"
        params["branch"] = viewer.scope.branch_id
    return store_rows(settings, f"""
        SELECT s.staff_code, s.staff_name, s.title, d.dept_name FROM staff s
        JOIN department d ON d.dept_id = s.dept_id
        WHERE s.left_date IS NULL AND s.title IN ('业务员', '科长') AND {where}
        ORDER BY s.staff_code""", params)


def reassign(settings: Settings, viewer: Viewer, from_code: str, to_code: str,
             policy_nos: list[str] | None = None) -> Reassigned:
    """Move the orphan policies of ``from_code`` in the viewer's scope (those of
    ``policy_nos`` only, when given) to ``to_code``; audited, then a refresh is queued."""
    if not may_reassign(viewer):
        raise ListError("只有支公司经理可以转交孤儿保单")
    from_code, to_code = (from_code or "").strip(), (to_code or "").strip()
    if not any(h["handler_code"] == from_code for h in departed_handlers(settings, viewer)):
        raise ListError(f"原经办人: {from_code or '(空)'} 不是您范围内有孤儿保单的离职人员")
    if not any(c["staff_code"] == to_code for c in colleagues(settings, viewer)):
        raise ListError(f"接收人: {to_code or '(空)'} 不是您范围内在职的业务员或科长")
    params: dict[str, Any] = {"from": from_code}
    scope = scope_predicate(viewer, params)
    found = [r["policy_no"] for r in store_rows(settings, f"""
        SELECT policy_no FROM orphan_fact WHERE handler_code = $from
          AND handler_left_date IS NOT NULL AND {scope}
        ORDER BY policy_no""", params)]
    if policy_nos is not None:
        wanted = {p.strip() for p in policy_nos if p.strip()}
        unknown = sorted(wanted - set(found))
        if unknown:
            raise ListError(f"保单号: {', '.join(unknown[:5])} 不是该离职人员在您范围内的"
                            "孤儿保单")
        found = [p for p in found if p in wanted]
    if not found:
        raise ListError("没有可转交的保单")
    if len(found) > MAX_POLICIES:
        raise ListError(f"一次最多转交 {MAX_POLICIES:,} 张保单 (共 {len(found):,} 张): "
                        "请按保单号分批")
    batch = record_reassignment(settings.users_db, found, from_code, to_code,
                                viewer.username)
    job = request_refresh(settings, user_id=viewer.user_id, username=viewer.username)
    return Reassigned(batch, len(found), job.job_id if job else None)
