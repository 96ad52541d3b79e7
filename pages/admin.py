"""Administration pages (6.1, 6.2, audit, 6.6 data loads), registered together."""

from __future__ import annotations

from dash import Dash

from data.settings import Settings


def register_admin_pages(app: Dash, settings: Settings) -> None:
    from pages import admin_audit, admin_loads, admin_users

    admin_users.register(app, settings)
    admin_audit.register(app, settings)
    admin_loads.register(app, settings)
