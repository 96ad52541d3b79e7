"""The organisation as the store knows it (支公司, 科室, 员工), for the administration
pickers and for checking the branch / department / staff a user is given.

Read through the engine boundary (either engine); no user value reaches the SQL.
Kept per store version: the organisation changes only with a new load.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from engines.base import Engine
from queries.sql import Statement
from queries.store import run, store_identity


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    branch_id: int | None = None  # departments and staff
    dept_id: int | None = None  # staff

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Org:
    branches: dict[int, Unit]
    departments: dict[int, Unit]
    staff: dict[int, Unit]

    def by_code(self, kind: str, code: str) -> Unit | None:
        units = {"branch": self.branches, "department": self.departments,
                 "staff": self.staff}[kind]
        return next((u for u in units.values() if u.code == code), None)

    def departments_of(self, branch_id: int | None) -> list[Unit]:
        return [d for d in self.departments.values() if d.branch_id == branch_id]

    def staff_of(self, dept_id: int | None) -> list[Unit]:
        return [s for s in self.staff.values() if s.dept_id == dept_id]

    def describe(self, branch_id: int | None, dept_id: int | None,
                 staff_id: int | None) -> str:
        """"4401 广州天河支公司 / 440101 车险一科 / E00386 张三" for a user's scope."""
        parts = [(self.branches, branch_id), (self.departments, dept_id),
                 (self.staff, staff_id)]
        return " / ".join(units[i].label if i in units else f"#{i}"
                          for units, i in parts if i is not None)


def _rows(engine: Engine, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    return run(engine, Statement(sql, {}))[1]


@lru_cache(maxsize=4)
def _load(engine: Engine, _version: tuple[int, int]) -> Org:
    branches = {r[0]: Unit(r[0], r[1], r[2]) for r in _rows(
        engine, "SELECT branch_id, branch_code, branch_name FROM branch ORDER BY branch_code")}
    depts = {r[0]: Unit(r[0], r[1], r[2], r[3]) for r in _rows(
        engine, "SELECT dept_id, dept_code, dept_name, branch_id FROM department "
                  "ORDER BY dept_code")}
    staff = {r[0]: Unit(r[0], r[1], r[2], r[3], r[4]) for r in _rows(
        engine, "SELECT staff_id, staff_code, staff_name, branch_id, dept_id FROM staff "
                  "ORDER BY staff_code")}
    return Org(branches, depts, staff)


def load_org(engine: Engine) -> Org:
    return _load(engine, store_identity(engine))
