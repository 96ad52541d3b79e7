"""The few figures each role watches, for the signed-in user's scope, on the home page.
Each comes from a report of the catalog through the engine (same scope, same rules) and
links to that report's page with the same filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engines.base import Engine
from queries import engine as reporting
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.chart_data import band_label
from queries.urls import range_keys, run_url


@dataclass(frozen=True)
class Headline:
    title: str
    value: str
    detail: str
    href: str


def _money(x: Any) -> str:
    return "—" if x is None else f"{x:,.2f}"


def _summary(engine: Engine, viewer: Viewer, slug: str, args: dict[str, str]
             ) -> reporting.SummaryResult:
    report = CATALOG[slug]
    values = reporting.parse_filters(report, args, engine.settings.today)
    return reporting.run_summary(engine, report, values, viewer)


def _href(slug: str, args: dict[str, str]) -> str:
    return run_url(slug, args)


def _between(key: str, lo: date, hi: date) -> dict[str, str]:
    """A date-range filter's URL keys."""
    return dict(zip(range_keys(key), (lo.isoformat(), hi.isoformat()), strict=True))


def _received(engine: Engine, viewer: Viewer) -> Headline:
    today = engine.settings.today
    first = today.replace(day=1)
    last_year = (first.replace(year=first.year - 1), _same_day(today, today.year - 1))
    now = _between("received", first, today)
    before = _between("received", *last_year)
    a = _summary(engine, viewer, "premium-received-daily", now).totals["received"] or 0
    b = _summary(engine, viewer, "premium-received-daily", before).totals["received"] or 0
    change = f"去年同期 {_money(b)}" + (f", 同比 {(a - b) / b * 100:+.1f}%" if b else "")
    return Headline("本月实收保费 (折人民币)", _money(a), change,
                    _href("premium-received-daily", now))


def _same_day(d: date, year: int) -> date:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


def _open_claims(engine: Engine, viewer: Viewer) -> Headline:
    args = {**_between("registered", date(2000, 1, 1), engine.settings.today), "summary": "by-age"}
    report = CATALOG["claims-open"]
    values = reporting.parse_filters(report, args, engine.settings.today)
    s = reporting.run_summary(engine, report, values, viewer, "by-age")
    bands = ", ".join(f"{band_label(r['age'])} {r['claims']:,}" for r in s.rows)
    return Headline("已立案未结案件", f"{s.totals['claims'] or 0:,} 件", bands or "无",
                    _href("claims-open", args))


def _unpaid(engine: Engine, viewer: Viewer) -> Headline:
    args = {"stat_date": engine.settings.today.isoformat()}
    t = _summary(engine, viewer, "receivable-branch", args).totals
    ratio = t.get("unpaid_ratio")
    return Headline("未到款应收保费 (折人民币)", _money(t.get("unpaid")),
                    f"未到款比例 {ratio:.2f}%" if ratio is not None else "无应收",
                    _href("receivable-branch", args))


def _auto_loss_ratio(engine: Engine, viewer: Viewer) -> Headline:
    args = _between("start", engine.settings.today.replace(month=1, day=1), engine.settings.today)
    t = _summary(engine, viewer, "pnl-auto-cube", args).totals
    ratio = t.get("settled_ratio")
    total = t.get("total_ratio")
    return Headline("本年车险已决赔付率", "—" if ratio is None else f"{ratio:.2f}%",
                    "综合赔付率 " + ("—" if total is None else f"{total:.2f}%"),
                    _href("pnl-auto-cube", args))


def _received_month(engine: Engine, viewer: Viewer) -> Headline:
    args = {"month": engine.settings.today.strftime("%Y-%m"), "summary": "by-branch"}
    t = _summary(engine, viewer, "premium-received-monthly", args).totals
    return Headline("本月实收保费 (折人民币)", _money(t.get("month_cny")),
                    f"本年累计 {_money(t.get('ytd_received'))}",
                    _href("premium-received-monthly", args))


def _renewals_due(engine: Engine, viewer: Viewer) -> Headline:
    """Auto policies ending in the next 30 days and not renewed yet: whom to call."""
    args = _between("end", engine.settings.today + timedelta(days=1),
                    engine.settings.today + timedelta(days=30))
    t = _summary(engine, viewer, "lapsed-auto", args).totals
    return Headline("30天内到期未续保车险", f"{t.get('policies') or 0:,} 件",
                    f"保费 {_money(t.get('premium'))}", _href("lapsed-auto", args))


def _unpaid_policies(engine: Engine, viewer: Viewer) -> Headline:
    args = {"stat_date": engine.settings.today.isoformat()}
    t = _summary(engine, viewer, "receivable-policies", args).totals
    ratio = t.get("unpaid_ratio")
    return Headline("未到款应收保费 (折人民币)", _money(t.get("unpaid")),
                    f"未到款比例 {ratio:.2f}%" if ratio is not None else "无应收",
                    _href("receivable-policies", args))


Figure = Callable[[Engine, Viewer], Headline]
# Each figure from the first of its reports the user may open: a salesperson, who may
# not open 1.7 or 4.1, sees premium from 1.6 and receivable from 4.5, in his own scope.
WATCHED: tuple[tuple[tuple[str, Figure], ...], ...] = (
    (("premium-received-daily", _received), ("premium-received-monthly", _received_month)),
    (("claims-open", _open_claims),),
    (("receivable-branch", _unpaid), ("receivable-policies", _unpaid_policies)),
    (("pnl-auto-cube", _auto_loss_ratio),),
    (("lapsed-auto", _renewals_due),),
)


def headlines(engine: Engine, viewer: Viewer) -> list[Headline]:
    shown = []
    for choices in WATCHED:
        figure = next((f for slug, f in choices if viewer.may_open(slug)), None)
        if figure is not None:
            headline = figure(engine, viewer)
            if viewer.scope.level == "self":  # the salesperson's own business
                headline = Headline(f"我的{headline.title}", headline.value, headline.detail,
                                    headline.href)
            shown.append(headline)
    return shown
