"""Administration pages (6.1, 6.2, audit): registered in ``register_admin_pages``."""

from __future__ import annotations

from dash import Dash

from data.settings import Settings


def register_admin_pages(app: Dash, settings: Settings) -> None:
    from pages import admin_audit, admin_users

    admin_users.register(app, settings)
    admin_audit.register(app, settings)
