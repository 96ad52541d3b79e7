"""Who is asking: the server-side view of the signed-in user that every query takes.

``auth/`` builds a ``Viewer`` from the users database on every request; ``queries/``
turns its ``DataScope`` into a predicate. Nothing here comes from the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ScopeLevel = Literal["company", "branch", "department", "self"]
SCOPE_LABELS: dict[str, str] = {
    "company": "公司",
    "branch": "支公司",
    "department": "科室",
    "self": "本人",
}


@dataclass(frozen=True)
class DataScope:
    level: ScopeLevel
    branch_id: int | None = None
    dept_id: int | None = None
    staff_id: int | None = None

    def __post_init__(self) -> None:
        needed = {"branch": self.branch_id, "department": self.dept_id, "self": self.staff_id}
        if self.level in needed and needed[self.level] is None:
            raise ValueError(f"数据范围 {self.level} 缺少对应的机构或人员")

    @property
    def cache_key(self) -> str:
        return f"{self.level}:{self.branch_id}:{self.dept_id}:{self.staff_id}"


@dataclass(frozen=True)
class Viewer:
    user_id: int
    username: str  # 员工代码
    display_name: str
    pages: frozenset[str]
    scope: DataScope
    personal_data: bool
    is_admin: bool = False

    def may_open(self, slug: str) -> bool:
        return slug in self.pages
