"""The 工作日志 entry pages (7.1–7.5 of the menu) and its settings (6.8), registered
together once."""

from __future__ import annotations

from dash import Dash


def register_worklog_pages(app: Dash) -> None:
    from pages import (
        worklog_entry,
        worklog_forms,
        worklog_plans,
        worklog_problems,
        worklog_review,
        worklog_settings,
    )

    for page in (worklog_plans, worklog_entry, worklog_review, worklog_forms,
                 worklog_problems, worklog_settings):
        page.register(app)
