"""The home page's reminders for users who keep a work log (ops/worklog_reminders.py):
four cards, each with its count and the first few items."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc

from engines.base import Engine
from ops.worklog_fields import money_text
from ops.worklog_reminders import reminders
from queries.access import Viewer

SHOWN = 5
PLANS_HREF = "/worklog/worklog-plans"


def _card(title: str, count: int, unit: str, lines: list[str], empty: str, *,
          href: str | None = None, color: str = "blue.8") -> Any:
    body = [dmc.Text(line, size="xs", lineClamp=1) for line in lines[:SHOWN]] or \
        [dmc.Text(empty, size="xs", c="dimmed")]
    more = [dmc.Text(f"另有 {count - SHOWN} {unit}", size="xs", c="dimmed")] \
        if count > SHOWN else []
    card = dmc.Card(withBorder=True, padding="md", radius="md", h="100%", children=[
        dmc.Group(justify="space-between", children=[
            dmc.Text(title, size="sm", c="dimmed"),
            dmc.Text(f"{count:,} {unit}", fw=700, c=color if count else "dimmed"),
        ]),
        dmc.Stack(gap=2, mt=6, children=[*body, *more]),
    ])
    return dmc.Anchor(card, href=href, underline="never") if href else card


def reminder_cards(engine: Engine, viewer: Viewer) -> Any:
    if not viewer.may_open("worklog-plans"):
        return None
    r = reminders(engine, viewer)
    monday, sunday = r.week
    return dmc.Stack(gap="xs", id="worklog-reminders", children=[
        dmc.Title("工作提醒", order=5),
        dmc.SimpleGrid(cols={"base": 1, "sm": 2, "lg": 4}, children=[
            _card(f"本周计划 ({monday:%m-%d} 至 {sunday:%m-%d})", len(r.planned), "项",
                  [f"{p['start_date'][5:]} {p['kind']} · {p['purpose']} ({p['status_label']})"
                   for p in r.planned], "本周还没有计划", href=PLANS_HREF),
            _card("被退回待修改的计划", len(r.returned), "项",
                  [f"{p['start_date']} {p['purpose']} — {p['review_comment'] or ''}"
                   for p in r.returned], "没有被退回的计划", href=PLANS_HREF, color="orange.8"),
            _card("30 天内到期待续保", r.renewals_total, "张保单",
                  [f"{x.end_date} {x.customer_name} · {x.policy_no} · "
                   f"{money_text(x.premium)} 元" for x in r.renewals], "没有即将到期的保单"),
            _card(f"客户出险 (自 {r.claims_since} 起报案)", r.claims_total, "件",
                  [f"{c.report_date} {c.customer_name} · {c.cause_name} · 估损 "
                   f"{money_text(c.estimated_loss)} 元" for c in r.claims],
                  "没有新的报案", color="red.8"),
        ]),
    ])
