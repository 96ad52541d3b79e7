"""The 工作日志 entry pages (7.1–7.5 of the menu), registered together once."""

from __future__ import annotations

from dash import Dash


def register_worklog_pages(app: Dash) -> None:
    from pages import (
        worklog_entry,
        worklog_forms,
        worklog_plans,
        worklog_problems,
        worklog_review,
    )

    for page in (worklog_plans, worklog_entry, worklog_review, worklog_forms,
                 worklog_problems):
        page.register(app)
