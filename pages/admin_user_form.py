"""The parts of the 6.1 and 6.2 forms they share: data scope with pickers of the real
organisation (支公司 → 科室 → 员工, by code and name), page grants, the personal-data
and administrator switches, and reading them back into ``Grants``."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import Dash, Input, Output

import auth
from auth.accounts import Grants
from auth.org import Org, Unit, load_org
from queries.access import SCOPE_LABELS
from queries.grants import set_choices
from queries.menu import pages

# Page sets first (they keep covering the reports added later), then single pages.
PAGE_DATA = [*({"value": g, "label": label} for g, label in set_choices()),
             *({"value": p.slug, "label": f"{p.number} {p.title}"} for p in pages())]
SCOPE_DATA = [{"value": k, "label": v} for k, v in SCOPE_LABELS.items()]
ORG_FIELDS = ("scope", "branch", "dept", "staff")
_MENU_ORDER = {d["value"]: i for i, d in enumerate(PAGE_DATA)}


def ordered_pages(pages: frozenset[str] | set[str]) -> list[str]:
    """Page grants in menu order (as the page list shows them), not by slug."""
    return sorted(pages, key=lambda s: (_MENU_ORDER.get(s, len(_MENU_ORDER)), s))


def options(units: list[Unit]) -> list[dict[str, str]]:
    return [{"value": str(u.id), "label": u.label} for u in units]


def org_inputs(prefix: str, org: Org) -> list[Any]:
    return [
        dmc.Select(id=f"{prefix}-scope", label="数据范围 *", data=SCOPE_DATA,
                   allowDeselect=False),
        dmc.Select(id=f"{prefix}-branch", label="支公司", data=options(
            list(org.branches.values())), searchable=True, clearable=True,
            placeholder="选择支公司", nothingFoundMessage="没有该支公司"),
        dmc.Select(id=f"{prefix}-dept", label="科室", data=[], searchable=True,
                   clearable=True, placeholder="选择科室 (先选支公司)",
                   nothingFoundMessage="没有该科室"),
        dmc.Select(id=f"{prefix}-staff", label="员工 (本人范围)", data=[], searchable=True,
                   clearable=True, placeholder="选择员工 (先选科室)",
                   nothingFoundMessage="没有该员工", limit=200),
    ]


def grant_inputs(prefix: str) -> list[Any]:
    return [
        dmc.MultiSelect(id=f"{prefix}-pages", label="可用页面", data=PAGE_DATA, searchable=True,
                        clearable=True, maxDropdownHeight=300),
        dmc.Group([
            dmc.Switch(id=f"{prefix}-pii", label="可查看个人信息 (电话、地址、证件号)"),
            dmc.Switch(id=f"{prefix}-admin", label="系统管理员"),
        ]),
    ]


def unit_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a unit: the check says so at the field


def grants_of(scope: Any, branch: Any, dept: Any, staff: Any, pages: Any, *, pii: Any,
              admin: Any) -> Grants:
    return Grants(str(scope or ""), unit_id(branch), unit_id(dept), unit_id(staff),
                  frozenset(pages or []), bool(pii), bool(admin))


def as_value(unit: int | None) -> str | None:
    return None if unit is None else str(unit)


def register_org_pickers(app: Dash, prefix: str, page_slug: str) -> None:
    """The 科室 list follows the chosen 支公司, the 员工 list the chosen 科室."""

    @app.callback(Output(f"{prefix}-dept", "data"), Output(f"{prefix}-staff", "data"),
                  Input(f"{prefix}-branch", "value"), Input(f"{prefix}-dept", "value"))
    def narrow(branch: Any, dept: Any):  # type: ignore[no-untyped-def]
        auth.require_page(page_slug)
        org = load_org(auth.current_engine())
        branch_id, dept_id = unit_id(branch), unit_id(dept)
        depts = org.departments_of(branch_id) if branch_id else []
        if dept_id:
            staff = org.staff_of(dept_id)
        elif branch_id:
            staff = [s for s in org.staff.values() if s.branch_id == branch_id]
        else:
            staff = []
        return options(depts), options(staff)
