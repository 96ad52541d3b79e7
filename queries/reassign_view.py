"""What the 孤儿保单转交 page shows a branch head: the 经办人 and 代理人 who left with
orphan policies in their scope, the orphan policies of the one chosen (why each is an
orphan, names beside codes), who may take them over, and the latest reassignments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.base import Engine
from ops.customer_lists import ListError, reassignments
from queries.access import Viewer
from queries.reassign import (
    KIND_LABELS,
    active_agents,
    colleagues,
    departed_agents,
    departed_handlers,
    orphan_policies,
    parse_departed,
)
from queries.search import store_rows

SHOWN_POLICIES = 200  # of the chosen person's, on the page (the report 8.2 lists all)
RECENT = 50


@dataclass(frozen=True)
class ReassignView:
    departed: list[dict[str, Any]]  # kind, key (the form's value), code, name, left_date …
    chosen: dict[str, Any] | None
    policies: list[dict[str, Any]]  # the chosen one's, at most SHOWN_POLICIES
    colleagues: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    recent: list[dict[str, Any]]
    company: bool  # a company-wide viewer: targets of every 支公司


def _departed(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    return [*({"kind": "staff", "key": f"staff:{h['handler_code']}", "code": h["handler_code"],
               "name": h["handler_name"], "left_date": h["left_date"],
               "policies": h["policies"], "also_left": h["agent_left"]}
              for h in departed_handlers(engine, viewer)),
            *({"kind": "agent", "key": f"agent:{a['agent_code']}", "code": a["agent_code"],
               "name": a["agent_name"], "left_date": a["left_date"],
               "policies": a["policies"], "also_left": a["handler_left"]}
              for a in departed_agents(engine, viewer))]


def _names(engine: Engine, staff: set[str], agents: set[str]) -> dict[tuple[str, str], str]:
    """Names of the codes the latest reassignments mention, by (role, code)."""
    found: dict[tuple[str, str], str] = {}
    if staff:
        for r in store_rows(engine, "SELECT staff_code AS c, staff_name AS n FROM staff "
                                      "WHERE list_contains($codes, staff_code)",
                            {"codes": sorted(staff)}):
            found["经办人", r["c"]] = r["n"]
    if agents:
        for r in store_rows(engine, "SELECT agent_code AS c, agent_name AS n FROM agent "
                                      "WHERE list_contains($codes, agent_code)",
                            {"codes": sorted(agents)}):
            found["代理人", r["c"]] = r["n"]
    return found


def _recent(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """The latest reassignments: all of them for a company-wide user, one's own else."""
    mine = [r for r in reassignments(engine.settings.users_db)
            if viewer.scope.level == "company" or r["by_username"] == viewer.username][:RECENT]
    codes = {(r["role"], c) for r in mine for c in (r["from_code"], r["to_code"])}
    names = _names(engine, {c for role, c in codes if role == "经办人"},
                   {c for role, c in codes if role == "代理人"})
    return [{**r, "from_name": names.get((r["role"], r["from_code"]), ""),
             "to_name": names.get((r["role"], r["to_code"]), "")} for r in mine]


def reassign_view(engine: Engine, viewer: Viewer, chosen: str = "") -> ReassignView:
    """The page for ``chosen`` (``staff:CODE`` / ``agent:CODE``; the first who left when
    empty or not one of the viewer's)."""
    departed = _departed(engine, viewer)
    try:
        kind, code = parse_departed(chosen) if chosen else ("", "")
    except ListError:
        kind, code = "", ""
    pick = next((d for d in departed if (d["kind"], d["code"]) == (kind, code)),
                departed[0] if departed else None)
    policies = (orphan_policies(engine, viewer, pick["kind"], pick["code"], SHOWN_POLICIES)
                if pick else [])
    staff, agents = colleagues(engine, viewer), active_agents(engine, viewer)
    company = viewer.scope.level == "company"
    if company:  # offered: the people of the policies' 支公司 (an agent may take no other)
        branches = {p["branch_id"] for p in policies}
        staff = [c for c in staff if c["branch_id"] in branches]
        agents = [a for a in agents if a["branch_id"] in branches]
    return ReassignView(departed, pick, policies, staff, agents, _recent(engine, viewer),
                        company)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
