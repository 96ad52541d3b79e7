"""Entry point: ``create_app(settings)`` builds the Flask server and the Dash app;
``python app.py`` makes sure a store exists and serves it."""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import Dash
from flask import Flask

import auth
from auth.templates import ensure_demo_users
from callbacks import export_callbacks, report_callbacks
from callbacks.load_routes import register_load_routes
from callbacks.routes import register_routes
from data.build import ensure_demo_store
from data.publish import ensure_published
from data.settings import Settings
from layouts.shell import shell
from ops import migrate as ops_migrate
from pages.admin import register_admin_pages
from pages.home import register_home
from pages.reports import register_report_pages
from queries.catalog import ALL_REPORTS, CATALOG, validate
from queries.menu import ADMIN_SLUGS
from queries.store import table_columns
from queries.warm import warm

log = logging.getLogger("app")


def create_app(settings: Settings) -> Dash:
    server = Flask(__name__)
    server.config["SETTINGS"] = settings
    ops_migrate.upgrade(settings.users_db)  # users, audit, jobs: the current schema first
    auth.install(server, settings)
    if settings.store_engine == "clickhouse" or settings.store_path.exists():
        # A catalog name the store lacks fails here, at start-up, not on a user's click.
        validate(ALL_REPORTS, table_columns(settings))
        warm(settings)  # the first request answers like the next one
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        title="保险分析查询系统",
        suppress_callback_exceptions=True,
        update_title=None,
    )
    register_home()
    register_report_pages()
    register_admin_pages(app, settings)
    # The menu lists what is built: every report and the admin pages registered above.
    admin = set(dash.page_registry) & set(ADMIN_SLUGS)

    def layout() -> Any:
        return shell(auth.current_viewer(), set(CATALOG) | admin)

    app.layout = layout
    report_callbacks.register(app, settings)
    export_callbacks.register(app, settings)
    register_routes(server, settings)
    register_load_routes(server, settings)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    ensure_demo_store(settings)
    ensure_published(settings, log.info)
    ensure_demo_users(settings)
    app = create_app(settings)
    log.info("serving on http://%s:%s", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, debug=False)


if __name__ == "__main__":
    main()
