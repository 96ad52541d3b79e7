"""WSGI entry for gunicorn: every worker builds its own app, so every worker opens the
store read-only itself (a DuckDB handle must not cross a fork: no ``preload_app``).

    python -m wsgi --prepare   # once, before the workers: demo store and users if missing
    gunicorn -c gunicorn.conf.py wsgi:server
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

from data.settings import Settings

log = logging.getLogger("wsgi")


def prepare(settings: Settings) -> None:
    """What ``python app.py`` does before serving, done once for all workers."""
    from auth.templates import ensure_demo_users
    from data.generate import ensure_demo_store
    from engines import engine_for
    from ops.migrate import upgrade

    upgrade(settings.users_db)  # the operational store's schema, once before the workers
    ensure_demo_store(settings)
    engine = engine_for(settings)
    ensure_demo_users(engine)
    engine.ensure_published(settings.store_path, log.info)


def create_server() -> Flask:
    from app import create_app

    return create_app(Settings.from_env()).server


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if "--prepare" in sys.argv[1:]:
        prepare(Settings.from_env())
else:
    server = create_server()
