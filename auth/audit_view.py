"""The audit log as an administrator reads it: local time in full, page titles, user
names, and details in Chinese sentences (grant changes as before → after) instead of
the JSON the rows keep."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from auth.audit import EVENT_LABELS, audit_usernames, query_audit
from auth.users import list_users
from data.settings import Settings
from queries.catalog import CATALOG
from queries.filter_kinds import kind_of
from queries.menu import page_by_slug, pages

CHANGE_LABELS = {"scope": "数据范围", "org": "机构/人员", "pages": "可用页面",
                 "personal_data": "个人信息", "is_admin": "系统管理员", "enabled": "状态"}
OTHER_LABELS = {"user": "用户", "name": "姓名", "template": "模板", "reason": "原因",
                "rejects": "拒绝行数", "ok": "结果", "export_jobs": "删除的导出任务",
                "job": "后台任务", "from": "日期从", "to": "日期至", "event": "事件"}
SPECIAL_PAGES = {"cli": "命令行"}
MENU_ORDER = {p.slug: i for i, p in enumerate(pages())}


def local_time(at: str, tz: ZoneInfo) -> str:
    stamp = datetime.fromisoformat(at).replace(tzinfo=UTC).astimezone(tz)
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def utc_bounds(first: str | None, last: str | None, tz: ZoneInfo
               ) -> tuple[str | None, str | None]:
    """The UTC instants (as stored) of local midnight of ``first`` and after ``last``."""
    def instant(day: date) -> str:
        local = datetime.combine(day, time(0), tz)
        return local.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")

    lo = instant(date.fromisoformat(first[:10])) if first else None
    hi = instant(date.fromisoformat(last[:10]) + timedelta(days=1)) if last else None
    return lo, hi


def page_title(slug: str | None) -> str:
    if not slug:
        return ""
    page = page_by_slug().get(slug)
    if page is not None:
        return f"{page.number} {page.title}".strip()
    return SPECIAL_PAGES.get(slug, slug)


def _page_names(slugs: list[str], most: int = 4) -> str:
    names = [page_title(s) for s in sorted(slugs, key=_menu_order)]
    if len(names) > most:
        return "、".join(names[:most]) + f" 等 {len(names)} 个页面"
    return "、".join(names) or "无"


def _menu_order(slug: str) -> tuple[int, str]:
    return (MENU_ORDER.get(slug, len(MENU_ORDER)), slug)


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "enabled":
        return "启用" if value else "停用"
    if key == "event":
        return EVENT_LABELS.get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "无"
    return str(value)


def _change(key: str, before: Any, after: Any) -> str:
    label = CHANGE_LABELS.get(key, key)
    if key == "pages":
        old, new = set(before or []), set(after or [])
        if before is None or after is None:
            return f"{label}: {_page_names(sorted(new or old), most=2)}"
        parts = []
        if new - old:
            parts.append("增加 " + _page_names(sorted(new - old)))
        if old - new:
            parts.append("取消 " + _page_names(sorted(old - new)))
        return f"{label}: {'; '.join(parts)}"
    if before is None or after is None:  # a new or a deleted user: what it had
        return f"{label}: {_value(key, after if before is None else before)}"
    return f"{label}: {_value(key, before)} → {_value(key, after)}"


def _export(slug: str | None, detail: dict[str, Any]) -> list[str]:
    report = CATALOG.get(slug or "")
    labels = {k: label for f in (report.filters if report else ())
              for k, label in kind_of(f).url_keys(f).items()}
    columns = {c.key: c.label for c in report.detail} if report else {}
    if report:
        columns.update({m.key: m.label for m in report.measures})
        columns.update({d.key: d.label for d in report.dims})
    fmt = {"csv": "CSV", "xlsx": "Excel"}.get(detail.get("format", ""), detail.get("format"))
    level = {"summary": "汇总", "detail": "明细"}.get(detail.get("level", ""), "")
    parts = [f"{fmt or ''} {level}".strip()]
    filters = detail.get("filters") or {}
    shown = [f"{labels.get(k, k)} {_value(k, v)}" for k, v in filters.items()
             if v not in (None, "", [])]
    if shown:
        parts.append("筛选: " + "; ".join(shown))
    sort = detail.get("sort") or []
    if sort:
        parts.append("排序: " + "、".join(
            f"{columns.get(k, k)}{'降序' if d == 'desc' else '升序'}" for k, d in sort))
    col_filters = detail.get("column_filters") or {}
    if col_filters:
        parts.append("列筛选: " + "、".join(columns.get(k, k) for k in col_filters))
    if detail.get("job"):
        parts.append("后台任务")
    return parts


def describe(event: str, page: str | None, raw: str | None) -> str:
    if not raw:
        return ""
    try:
        detail = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(detail, dict):
        return str(detail)
    if event == "export" and page in CATALOG:
        return " · ".join(_export(page, detail))
    parts = [f"{OTHER_LABELS.get(k, k)}: {_value(k, v)}" for k, v in detail.items()
             if k not in ("changes",) and not (event == "export" and k == "format")]
    if event == "data_load" and "ok" in detail:
        parts = [("成功" if detail["ok"] else "失败")
                 + f", 拒绝 {detail.get('rejects', 0)} 行"]
    for key, (before, after) in (detail.get("changes") or {}).items():
        parts.append(_change(key, before, after))
    return "; ".join(parts)


def audit_rows(settings: Settings, args: dict[str, Any], limit: int = 5000
               ) -> list[dict[str, Any]]:
    tz = ZoneInfo(settings.time_zone)
    since, until = utc_bounds(args.get("from") or None, args.get("to") or None, tz)
    rows = query_audit(settings.users_db, since=since, until=until,
                       username=args.get("user") or None, event=args.get("event") or None,
                       limit=limit)
    names = {u.username: u.display_name for u in list_users(settings.users_db)}
    out = []
    for r in rows:
        user = r["username"] or ""
        out.append({
            "at": local_time(r["at"], tz),
            "user": f"{user} {names[user]}" if user in names else user,
            "event_label": EVENT_LABELS.get(r["event"], r["event"]),
            "page_title": page_title(r["page"]), "rows": r["rows"],
            "detail_text": describe(r["event"], r["page"], r["detail"]), "ip": r["ip"] or "",
        })
    return out


def user_options(settings: Settings) -> list[dict[str, str]]:
    """Current users by name, then the other names the log holds (deleted users)."""
    users = {u.username: f"{u.username} {u.display_name}"
             for u in list_users(settings.users_db, templates=False)}
    logged = [n for n in audit_usernames(settings.users_db) if n not in users]
    return ([{"value": k, "label": v} for k, v in users.items()]
            + [{"value": n, "label": f"{n} (已删除或未知)"} for n in logged])
