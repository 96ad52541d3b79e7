"""孤儿保单转交: a branch head hands the in-force policies of a 经办人 or 代理人 who left
to a colleague in their own scope: the 经办人 to a 业务员 or 科长 in service, the 代理人 to
an agent under contract with the policy's own 支公司. Checked here against the store and
the viewer's scope (the server's, never the browser's); written by ops/customer_lists.py.

A 经办人 is moved only on policies whose 经办人 left, a 代理人 only on policies whose
代理人 left: a party in service keeps its policies, and a policy with no 代理人 gets none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from engines.base import Engine
from ops.customer_lists import (
    ListError,
    new_batch,
    record_agent_reassignment,
    record_reassignment,
    request_refresh,
)
from queries.access import Viewer
from queries.search import scope_predicate, store_rows

MAX_POLICIES = 5_000  # of one bulk reassignment
SLUG = "orphan-policies"  # the grant the reassignment page goes with
Kind = Literal["staff", "agent"]  # whose departure the policies are chosen by
KIND_LABELS: dict[str, str] = {"staff": "经办人", "agent": "代理人"}


@dataclass(frozen=True)
class Reassigned:
    batch_id: str
    policies: int  # distinct policies touched
    job_id: str | None
    handler_policies: int = 0
    agent_policies: int = 0


def may_reassign(viewer: Viewer) -> bool:
    """Branch heads (and company-wide users) granted 孤儿保单."""
    return viewer.may_open(SLUG) and viewer.scope.level in {"branch", "company"}


def departed_handlers(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """The 经办人 who left with orphan policies in the viewer's scope, and how many."""
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    return store_rows(engine, f"""
        SELECT handler_code, any_value(handler_name) AS handler_name,
               any_value(handler_left_date) AS left_date, count(*) AS policies,
               count(*) FILTER (WHERE agent_left_date IS NOT NULL) AS agent_left
        FROM orphan_fact WHERE handler_left_date IS NOT NULL AND {scope}
        GROUP BY handler_code ORDER BY handler_code""", params)


def departed_agents(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """The 代理人 who left with orphan policies in the viewer's scope, and how many (of
    them, how many also lost their 经办人)."""
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    return store_rows(engine, f"""
        SELECT agent_code, any_value(agent_name) AS agent_name,
               any_value(agent_left_date) AS left_date, count(*) AS policies,
               count(*) FILTER (WHERE handler_left_date IS NOT NULL) AS handler_left
        FROM orphan_fact WHERE agent_left_date IS NOT NULL AND {scope}
        GROUP BY agent_code ORDER BY agent_code""", params)


def colleagues(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """Staff in service in the viewer's scope, who may take policies over."""
    params: dict[str, Any] = {}
    where = "TRUE"
    if viewer.scope.level == "branch":
        where = "s.branch_id = $branch"
        params["branch"] = viewer.scope.branch_id
    return store_rows(engine, f"""
        SELECT s.staff_code, s.staff_name, s.title, d.dept_name, s.branch_id FROM staff s
        JOIN department d ON d.dept_id = s.dept_id
        WHERE s.left_date IS NULL AND s.title IN ('业务员', '科长') AND {where}
        ORDER BY s.staff_code""", params)


def active_agents(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """Agents under contract in the viewer's scope (their 支公司), who may take policies
    over; a company-wide user sees every branch's."""
    params: dict[str, Any] = {}
    where = "TRUE"
    if viewer.scope.level == "branch":
        where = "a.branch_id = $branch"
        params["branch"] = viewer.scope.branch_id
    return store_rows(engine, f"""
        SELECT a.agent_code, a.agent_name, a.agent_kind, a.branch_id, b.branch_name
        FROM agent a JOIN branch b ON b.branch_id = a.branch_id
        WHERE a.left_date IS NULL AND {where} ORDER BY a.agent_code""", params)


def orphan_policies(engine: Engine, viewer: Viewer, kind: Kind, code: str,
                    limit: int | None = None) -> list[dict[str, Any]]:
    """The orphan policies of one 经办人 or 代理人 who left, in the viewer's scope."""
    column = {"staff": "handler", "agent": "agent"}[kind]
    params: dict[str, Any] = {"code": code}
    scope = scope_predicate(viewer, params)
    bound = f"LIMIT {int(limit)}" if limit else ""
    return store_rows(engine, f"""
        SELECT policy_no, orphan_reason, branch_id, handler_code, handler_name,
               handler_left_date, agent_code, agent_name, agent_left_date, risk_code,
               class_name, end_date, premium_cny
        FROM orphan_fact WHERE {column}_code = $code AND {column}_left_date IS NOT NULL
          AND {scope}
        ORDER BY end_date, policy_no {bound}""", params)


def parse_departed(value: str) -> tuple[Kind, str]:
    """``agent:A00012`` or ``staff:S0123`` (the page's choice) as kind and code; a bare code
    is a 经办人's."""
    kind, sep, code = (value or "").strip().partition(":")
    if not sep:
        return "staff", kind
    if kind == "agent":
        return "agent", code.strip()
    if kind == "staff":
        return "staff", code.strip()
    raise ListError(f"原离职人员: {value} 不是离职的经办人或代理人")


def _departed(engine: Engine, viewer: Viewer, kind: Kind, code: str) -> None:
    if kind == "staff":
        if not any(h["handler_code"] == code for h in departed_handlers(engine, viewer)):
            raise ListError(f"原经办人: {code or '(空)'} 不是您范围内有孤儿保单的离职人员")
    elif not any(a["agent_code"] == code for a in departed_agents(engine, viewer)):
        raise ListError(f"原代理人: {code or '(空)'} 不是您范围内有孤儿保单的离职代理人")


def _agent_target(engine: Engine, viewer: Viewer, code: str) -> dict[str, Any]:
    found = store_rows(engine, """
        SELECT a.agent_code, a.agent_name, a.left_date, a.branch_id, b.branch_name
        FROM agent a JOIN branch b ON b.branch_id = a.branch_id
        WHERE a.agent_code = $code""", {"code": code})
    if not found:
        raise ListError(f"接收代理人: {code} 不存在")
    agent = found[0]
    if agent["left_date"] is not None:
        raise ListError(f"接收代理人: {code} {agent['agent_name']} 已于 {agent['left_date']} "
                        "离职, 不能接收保单")
    if viewer.scope.level == "branch" and agent["branch_id"] != viewer.scope.branch_id:
        raise ListError(f"接收代理人: {code} {agent['agent_name']} 属于{agent['branch_name']}, "
                        "不在您的范围内")
    return agent


def _listed(found: list[dict[str, Any]], policy_nos: list[str]) -> list[dict[str, Any]]:
    wanted = {p.strip() for p in policy_nos if p.strip()}
    if not wanted:
        raise ListError("保单号: 没有填写保单号 (留空则转交全部孤儿保单)")
    unknown = sorted(wanted - {r["policy_no"] for r in found})
    if unknown:
        raise ListError(f"保单号: {', '.join(unknown[:5])} 不是该离职人员在您范围内的"
                        "孤儿保单")
    return [r for r in found if r["policy_no"] in wanted]


def _few(rows: list[dict[str, Any]]) -> str:
    more = f" 等 {len(rows):,} 张" if len(rows) > 5 else ""
    return ", ".join(r["policy_no"] for r in rows[:5]) + more


def _check_listed(rows: list[dict[str, Any]], handler_to: str, agent_to: str) -> None:
    """Policies named one by one: each must have the party to move, and that party left."""
    if handler_to:
        kept = [r for r in rows if r["handler_left_date"] is None]
        if kept:
            raise ListError(f"保单号: {_few(kept)} 的经办人在职, 不能转交经办人")
    if agent_to:
        none = [r for r in rows if r["agent_code"] is None]
        if none:
            raise ListError(f"保单号: {_few(none)} 没有代理人, 不能转交代理人")
        kept = [r for r in rows if r["agent_left_date"] is None]
        if kept:
            raise ListError(f"保单号: {_few(kept)} 的代理人在职, 不能转交代理人")


def _to_move(rows: list[dict[str, Any]], handler_to: str, agent: dict[str, Any] | None,
             agent_to: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The policies whose 经办人, and those whose 代理人, the submission moves."""
    handler_rows = [r for r in rows if r["handler_left_date"] is not None] if handler_to else []
    agent_rows = [r for r in rows if r["agent_left_date"] is not None] if agent_to else []
    if handler_to and not handler_rows:
        raise ListError("接收经办人: 这些孤儿保单的经办人都在职, 没有要转交经办人的保单")
    if agent is not None:
        if not agent_rows:
            raise ListError("接收代理人: 这些孤儿保单中没有代理人已离职的保单 "
                            "(没有代理人的保单不能转交代理人)")
        elsewhere = [r for r in agent_rows if r["branch_id"] != agent["branch_id"]]
        if elsewhere:
            raise ListError(f"接收代理人: {agent_to} 属于{agent['branch_name']}, 不能接收其他"
                            f"支公司的保单 {_few(elsewhere)}")
    return handler_rows, agent_rows


def reassign_orphans(engine: Engine, viewer: Viewer, kind: Kind, from_code: str, *,
                     handler_to: str = "", agent_to: str = "",
                     policy_nos: list[str] | None = None) -> Reassigned:
    """Move the orphan policies of the 经办人 (``kind`` staff) or 代理人 (agent) who left,
    in the viewer's scope (those of ``policy_nos`` only, when given): their departed
    经办人 to ``handler_to``, their departed 代理人 to ``agent_to`` (either or both);
    audited, then a refresh is queued. Nothing is written when anything is refused."""
    if not may_reassign(viewer):
        raise ListError("只有支公司经理可以转交孤儿保单")
    from_code = (from_code or "").strip()
    handler_to, agent_to = (handler_to or "").strip(), (agent_to or "").strip()
    _departed(engine, viewer, kind, from_code)
    if not handler_to and not agent_to:
        raise ListError("转交内容: 请选择接收的经办人或接收的代理人 (至少一项)")
    if handler_to and not any(c["staff_code"] == handler_to
                              for c in colleagues(engine, viewer)):
        raise ListError(f"接收经办人: {handler_to} 不是您范围内在职的业务员或科长")
    agent = _agent_target(engine, viewer, agent_to) if agent_to else None
    rows = orphan_policies(engine, viewer, kind, from_code)
    if policy_nos is not None:
        rows = _listed(rows, policy_nos)
        _check_listed(rows, handler_to, agent_to)
    handler_rows, agent_rows = _to_move(rows, handler_to, agent, agent_to)
    touched = {r["policy_no"] for r in handler_rows} | {r["policy_no"] for r in agent_rows}
    if len(touched) > MAX_POLICIES:
        raise ListError(f"一次最多转交 {MAX_POLICIES:,} 张保单 (共 {len(touched):,} 张): "
                        "请按保单号分批")
    batch = new_batch()
    by_handler: dict[str, list[str]] = defaultdict(list)
    for r in handler_rows:
        by_handler[r["handler_code"]].append(r["policy_no"])
    for gone, policies in sorted(by_handler.items()):
        record_reassignment(engine.settings.users_db, policies, gone, handler_to, viewer.username,
                            batch=batch)
    if agent_rows:
        record_agent_reassignment(engine.settings.users_db,
                                  [(r["policy_no"], r["agent_code"]) for r in agent_rows],
                                  agent_to, viewer.username, batch=batch)
    job = request_refresh(engine.settings, user_id=viewer.user_id, username=viewer.username)
    return Reassigned(batch, len(touched), job.job_id if job else None, len(handler_rows),
                      len(agent_rows))


def reassign(engine: Engine, viewer: Viewer, from_code: str, to_code: str,
             policy_nos: list[str] | None = None) -> Reassigned:
    """Move the orphan policies of the 经办人 ``from_code`` to ``to_code``."""
    return reassign_orphans(engine, viewer, "staff", from_code, handler_to=to_code,
                            policy_nos=policy_nos)
