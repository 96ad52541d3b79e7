"""What a page says above its results when they are not quite what the URL asked for:
a shared link narrowed by the user's own data scope, a statistics date after the data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import dash_mantine_components as dmc

from queries.access import Viewer
from queries.filter_kinds import kind_of
from queries.options import cached_options
from queries.spec import Report

if TYPE_CHECKING:  # the engine is handed through to queries/, never called here
    from engines.base import Engine


def scope_notice(engine: Engine, report: Report, viewer: Viewer,
                 args: Mapping[str, str]) -> Any:
    """A branch or department asked for that lies outside the user's scope is not shown:
    say which, instead of an unexplained 没有符合条件的数据."""
    if not report.scoped:
        return None
    scope = viewer.scope
    own = {"branch": (report.scope.branch, scope.branch_id),
           "department": (report.scope.department, scope.dept_id)}.get(scope.level)
    if own is None or own[1] is None:
        return None
    column, own_id = own
    flt = next((f for f in report.filters if f.column == column
                and kind_of(f).widget == "select"), None)
    if flt is None or not args.get(flt.key):
        return None
    asked = [v for v in str(args[flt.key]).split(",") if v]
    outside = [v for v in asked if v != str(own_id)]
    if not outside:
        return None
    names = dict(cached_options(engine, report, flt.key))
    mine = names.get(str(own_id), str(own_id))
    others = "、".join(names.get(v, v) for v in outside[:5]) + (" 等" if len(outside) > 5 else "")
    text = (f"按您的数据范围只显示 {mine} 的数据; 链接中的{flt.label} {others} "
            "不在您的数据范围内, 未显示。")
    return dmc.Alert(text, color="yellow", title="按您的数据范围显示",
                     id={"type": "scope-notice", "report": report.slug})


def late_date_notice(report: Report, query: Mapping[str, str], today: date) -> Any:
    """A statistics date after the data date counts business not yet loaded."""
    late = [(f.label, query[f.key]) for f in report.filters
            if kind_of(f).widget == "date" and query.get(f.key)
            and query[f.key] > today.isoformat()]
    if not late:
        return None
    label, chosen = late[0]
    return dmc.Alert(f"{label} {chosen} 晚于数据日期 {today.isoformat()}: 数据日期之后的业务"
                     "尚未装载, 结果按已装载的数据计算。", color="yellow", title="请注意",
                     id={"type": "late-date", "report": report.slug})
