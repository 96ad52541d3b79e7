"""The few figures each role watches, for the signed-in user's scope, on the home page.
Each comes from a report of the catalog through the engine (same scope, same rules) and
links to that report's page with the same filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from data.settings import Settings
from queries import engine
from queries.access import Viewer
from queries.catalog import CATALOG


@dataclass(frozen=True)
class Headline:
    title: str
    value: str
    detail: str
    href: str


def _money(x: Any) -> str:
    return "—" if x is None else f"{x:,.2f}"


def _summary(settings: Settings, viewer: Viewer, slug: str, args: dict[str, str]
             ) -> engine.SummaryResult:
    report = CATALOG[slug]
    values = engine.parse_filters(report, args, settings.today)
    return engine.run_summary(settings, report, values, viewer)


def _href(slug: str, args: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return f"/reports/{slug}?{urlencode({**args, 'run': '1'})}"


def _received(settings: Settings, viewer: Viewer) -> Headline:
    today = settings.today
    first = today.replace(day=1)
    last_year = (first.replace(year=first.year - 1), _same_day(today, today.year - 1))
    now = {"received_from": first.isoformat(), "received_to": today.isoformat()}
    before = {"received_from": last_year[0].isoformat(), "received_to": last_year[1].isoformat()}
    a = _summary(settings, viewer, "premium-received-daily", now).totals["received"] or 0
    b = _summary(settings, viewer, "premium-received-daily", before).totals["received"] or 0
    change = f"去年同期 {_money(b)}" + (f", 同比 {(a - b) / b * 100:+.1f}%" if b else "")
    return Headline("本月实收保费 (折人民币)", _money(a), change,
                    _href("premium-received-daily", now))


def _same_day(d: date, year: int) -> date:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


def _open_claims(settings: Settings, viewer: Viewer) -> Headline:
    args = {"registered_from": "2000-01-01", "registered_to": settings.today.isoformat(),
            "summary": "by-age"}
    report = CATALOG["claims-open"]
    values = engine.parse_filters(report, args, settings.today)
    s = engine.run_summary(settings, report, values, viewer, "by-age")
    bands = ", ".join(f"{r['age'][3:]} {r['claims']:,}" for r in s.rows)
    return Headline("已立案未结案件", f"{s.totals['claims'] or 0:,} 件", bands or "无",
                    _href("claims-open", args))


def _unpaid(settings: Settings, viewer: Viewer) -> Headline:
    args = {"stat_date": settings.today.isoformat()}
    t = _summary(settings, viewer, "receivable-branch", args).totals
    ratio = t.get("unpaid_ratio")
    return Headline("未到款应收保费 (折人民币)", _money(t.get("unpaid")),
                    f"未到款比例 {ratio:.2f}%" if ratio is not None else "无应收",
                    _href("receivable-branch", args))


def _auto_loss_ratio(settings: Settings, viewer: Viewer) -> Headline:
    args = {"start_from": settings.today.replace(month=1, day=1).isoformat(),
            "start_to": settings.today.isoformat()}
    t = _summary(settings, viewer, "pnl-auto-cube", args).totals
    ratio = t.get("settled_ratio")
    total = t.get("total_ratio")
    return Headline("本年车险已决赔付率", "—" if ratio is None else f"{ratio:.2f}%",
                    "综合赔付率 " + ("—" if total is None else f"{total:.2f}%"),
                    _href("pnl-auto-cube", args))


WATCHED: tuple[tuple[str, Callable[[Settings, Viewer], Headline]], ...] = (
    ("premium-received-daily", _received),
    ("claims-open", _open_claims),
    ("receivable-branch", _unpaid),
    ("pnl-auto-cube", _auto_loss_ratio),
)


def headlines(settings: Settings, viewer: Viewer) -> list[Headline]:
    return [figure(settings, viewer) for slug, figure in WATCHED if viewer.may_open(slug)]
