"""The report a pattern-matching callback fired for, checked on the server: a slug the
catalog does not know, or a page the signed-in user may not open, is refused."""

from __future__ import annotations

from dash import ctx

import auth
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.spec import Report


def report_named(slug: str) -> tuple[Report, Viewer]:
    report = CATALOG.get(slug)
    if report is None:
        raise auth.Forbidden("未知报表")
    return report, auth.require_page(slug)


def triggered_report() -> tuple[Report, Viewer]:
    """The report of the component that fired the callback, and the user opening it."""
    triggered = ctx.triggered_id
    slug = triggered.get("report") if isinstance(triggered, dict) else None
    return report_named(str(slug))
