"""Entry point: ``create_app(settings)`` builds the Flask server and the Dash app;
``python app.py`` makes sure a store exists and serves it."""

from __future__ import annotations

import logging

import dash
import dash_mantine_components as dmc
from dash import Dash, html
from flask import Flask

import auth
from auth.templates import ensure_demo_users
from data.build import ensure_demo_store
from data.settings import Settings

log = logging.getLogger("app")


def create_app(settings: Settings) -> Dash:
    server = Flask(__name__)
    server.config["SETTINGS"] = settings
    auth.install(server, settings)
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        title="保险分析查询系统",
        suppress_callback_exceptions=True,
    )
    dash.register_page("home", path="/", title="首页", layout=_home_layout)
    app.layout = dmc.MantineProvider(
        html.Div([html.H2("保险分析查询系统"), dash.page_container]),
    )
    return app


def _home_layout(**_query: str) -> html.Div:
    return html.Div("欢迎使用保险分析查询系统")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    ensure_demo_store(settings)
    ensure_demo_users(settings)
    app = create_app(settings)
    log.info("serving on http://%s:%s", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, debug=False)


if __name__ == "__main__":
    main()
