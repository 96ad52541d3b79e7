"""Cross-site request refusal and the security headers every response carries.

A state-changing request (anything but GET/HEAD/OPTIONS: sign-in, sign-out, Dash
callbacks, export jobs, uploads) must come from a page of this site: its ``Origin``
(or, failing that, ``Referer``) must name this host or a trusted origin. Browsers send
``Origin`` with every cross-site POST and with Dash's own fetches; a client sending
neither is not a browser (a script or a test) and cannot carry a victim's cookie
unknowingly, so it is let through to the usual sign-in checks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, request

from auth.forms import error_page
from data.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_MESSAGE = "跨站请求已拒绝: 请从本系统的页面操作"
# Fingerprinted scripts and styles may be cached; everything else holds user data.
CACHEABLE_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}


def _origin_of(value: str) -> str | None:
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return None  # "null" (sandboxed frames, file: pages) or garbage
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(settings: Settings) -> bool:
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if claimed is None:
        return True
    origin = _origin_of(claimed)
    if origin is None:
        return False
    # The host alone: behind a TLS proxy the app sees http, the browser says https.
    if urlsplit(origin).netloc == request.host.lower():
        return True
    return origin in {o.lower() for o in settings.trusted_origins}


def _refuse_cross_site():  # type: ignore[no-untyped-def]
    if request.method in SAFE_METHODS or same_origin(current_app.config["SETTINGS"]):
        return None
    if request.path.startswith(("/_dash-", "/api/", "/export/")):
        return jsonify(error=CROSS_SITE_MESSAGE), 403
    return error_page(CROSS_SITE_MESSAGE), 403


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(CACHEABLE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
    return response


def install_http_guard(server: Flask) -> None:
    # First of all before-request hooks: a forged sign-in is refused before it is tried.
    server.before_request_funcs.setdefault(None, []).insert(0, _refuse_cross_site)
    server.after_request(_add_headers)
