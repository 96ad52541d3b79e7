"""gunicorn settings for the app (``bin/serve``). Environment variables override them.

Several worker processes, each with its own read-only DuckDB handle and a few threads:
DuckDB releases the GIL while a query runs, so a worker's threads overlap on queries.
"""

from __future__ import annotations

import os

_host = os.environ.get("HOST", "127.0.0.1")
_port = os.environ.get("PORT", "8050")
bind = os.environ.get("GUNICORN_BIND", f"{_host}:{_port}")
workers = int(os.environ.get("WEB_WORKERS", "2"))  # one per core
worker_class = "gthread"
# One memory budget for the server: each worker's DuckDB gets its share, less what the
# worker's Python side takes (app, results cache, pages: measured 450-500 MB with 20 users
# on 10 M policies, each worker 1.0-1.08 GB in all with a 574 MB DuckDB share);
# DuckDB spills big sorts and aggregates to disk.
_budget_mb = int(os.environ.get("WEB_MEMORY_MB", "2048"))
os.environ.setdefault("DUCKDB_MEMORY_LIMIT", f"{max(256, _budget_mb // workers - 560)}MB")
threads = int(os.environ.get("WEB_THREADS", "4"))
# A CSV of a million rows streams for several seconds; larger Excel files are jobs.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then (their memory returns; the store is reopened).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
preload_app = False  # each worker opens the store itself, after the fork
control_socket_disable = True  # several instances on one machine must not share a socket
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
