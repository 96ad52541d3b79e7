"""Entry point: ``create_app(settings)`` builds the Flask server and the Dash app;
``python app.py`` makes sure a store exists and serves it."""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import Dash
from flask import Flask, g

import auth
from auth.templates import ensure_demo_users
from callbacks import export_callbacks, report_callbacks, shell_callbacks, view_callbacks
from callbacks.customer_data_routes import register_customer_data_routes
from callbacks.customer_routes import register_customer_routes
from callbacks.load_routes import register_load_routes
from callbacks.routes import register_routes
from callbacks.worklog_routes import register_worklog_routes
from data.generate import ensure_demo_store
from data.settings import Settings
from engines import Engine, engine_for
from engines.base import begin_request, end_request
from layouts.shell import shell
from ops import migrate as ops_migrate
from pages.admin import register_admin_pages
from pages.customer_data import register_customer_data_pages
from pages.customers import register_customer_pages
from pages.home import register_home
from pages.records import register_record_pages
from pages.reports import register_report_pages
from pages.worklog import register_worklog_pages
from queries import store_types
from queries.catalog import ALL_REPORTS, CATALOG, validate
from queries.menu import ACTION_SLUGS, ADMIN_SLUGS, WORKLOG_SLUGS
from queries.store import table_columns
from queries.warm import still_reading, warm

log = logging.getLogger("app")


def create_app(settings: Settings, engine: Engine | None = None) -> Dash:
    """The app serving ``settings``; its store is answered by ``engine`` (by default the
    engine for ``settings``), which every page, callback, API call and export is given."""
    server = Flask(__name__)
    server.config["SETTINGS"] = settings
    ops_migrate.upgrade(settings.users_db)  # users, audit, jobs: the current schema first
    if engine is None:
        engine = engine_for(settings)
    server.config["ENGINE"] = engine
    _identity_per_request(server)
    auth.install(server, settings)
    server.add_url_rule("/healthz", "healthz", _health)
    store_types.serve_from(engine)  # filters' value types, as the store's schema says
    if engine.has_store():
        # A catalog name the store lacks fails here, at start-up, not on a user's click.
        validate(ALL_REPORTS, table_columns(engine))  # the store's and the mirror's
        # The first request answers like the next.
        warm(engine, summaries_s=settings.warm_seconds, at_start=True)
    app = Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # documented; Dash's annotation omits a Flask app
        use_pages=True,
        pages_folder="",
        title="保险分析查询系统",
        suppress_callback_exceptions=True,
        update_title=None,  # type: ignore[arg-type]  # documented: None keeps the title
    )
    register_home()
    register_report_pages()
    register_customer_pages()
    register_record_pages()
    register_admin_pages(app, settings)
    register_customer_data_pages(app, engine)
    register_worklog_pages(app)
    # The menu lists what is built: every report and the admin, action and 工作日志 pages above.
    admin = set(dash.page_registry) & {*ADMIN_SLUGS, *ACTION_SLUGS, *WORKLOG_SLUGS}

    def layout() -> Any:
        return shell(auth.current_viewer(), set(CATALOG) | admin)

    app.layout = layout
    report_callbacks.register(app, engine)
    export_callbacks.register(app, engine)
    shell_callbacks.register(app)
    view_callbacks.register(app, settings)
    register_routes(server, engine)
    register_load_routes(server, settings)
    register_worklog_routes(server)
    register_customer_routes(server, engine)
    register_customer_data_routes(server, engine)
    return app


def _health() -> tuple[str, int]:
    """Ready once the store file opened at start is read through: a balancer (and the
    benchmarks) send requests to a worker that answers them at their usual speed."""
    if still_reading():
        return "warming", 503
    return "ok", 200


def _identity_per_request(server: Flask) -> None:
    """Each request sees one version of the store, asked of the engine once."""
    @server.before_request
    def _begin() -> None:
        g.engine_scope = begin_request()

    @server.teardown_request
    def _end(_exc: BaseException | None) -> None:
        token = g.pop("engine_scope", None)
        if token is not None:
            end_request(token)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    ensure_demo_store(settings)
    engine = engine_for(settings)
    engine.ensure_published(settings.store_path, log.info)
    ensure_demo_users(engine)
    app = create_app(settings, engine)
    log.info("serving on http://%s:%s", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, debug=False)


if __name__ == "__main__":
    main()
