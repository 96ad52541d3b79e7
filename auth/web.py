"""Sign-in on the server: flask-login sessions, the request guard, and page grants.

The user is reloaded from the users database on every request, so a grant change or
a disabled account takes effect on the next request, not the next sign-in. The
session cookie names the user *and* the user's current session key: signing out, a new
password, disabling or deleting the user changes or removes the key, and every copy of
every cookie of that user stops working at once. Idle and old sessions end too.
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, jsonify, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.exceptions import Forbidden as _HTTPForbidden
from werkzeug.exceptions import HTTPException

from auth import audit
from auth.forms import error_page, login_form, logout_form, password_form
from auth.http_guard import install_http_guard
from auth.lockout import Limits, Locked, clear_failures, reserve_attempt
from auth.passwords import MAX_LENGTH as PASSWORD_MAX
from auth.passwords import hash_password, password_problem, verify_nothing, verify_password
from auth.secret import session_secret
from auth.users import USERNAME_MAX, UserRecord, end_sessions, get_user, update_user
from data.settings import Settings
from engines.base import Engine
from queries.access import Viewer

PUBLIC_PATHS = ("/login", "/favicon.ico", "/healthz")
API_PREFIXES = ("/_dash-", "/api/", "/export/")
SEEN_EVERY_S = 60  # the idle clock in the cookie is moved on at most once a minute


class Forbidden(_HTTPForbidden):
    """The signed-in user may not open this page; Flask answers 403."""

    description = "无权访问该页面"


class SessionUser(UserMixin):
    def __init__(self, record: UserRecord) -> None:
        self.record = record

    def get_id(self) -> str:
        return f"{self.record.user_id}:{self.record.session_key}"

    def get_id_username(self) -> str:
        return self.record.username


def current_settings() -> Settings:
    """The settings of the app serving this request (never a module global: tests and
    tools create several apps in one process, and pages are registered process-wide)."""
    return current_app.config["SETTINGS"]


def current_engine() -> Engine:
    """The engine answering this app's store (``create_app`` builds it once), for what a
    page reads as it is drawn; callbacks and routes are handed it when registered."""
    return current_app.config["ENGINE"]


def current_viewer() -> Viewer | None:
    if not current_user.is_authenticated:
        return None
    return current_user.record.viewer()


def require_page(slug: str) -> Viewer:
    """The signed-in user's Viewer when they may open ``slug``; else ``Forbidden``."""
    viewer = current_viewer()
    if viewer is None:
        raise Forbidden("未登录")
    if not viewer.may_open(slug) or current_user.record.must_change_password:
        if not g.get("forbidden_audited"):
            g.forbidden_audited = True
            audit.record("forbidden", page=slug)
        raise Forbidden()
    return viewer


def _session_alive(settings: Settings) -> bool:
    now = time.time()
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    if not isinstance(signed_in, (int, float)) or not isinstance(seen, (int, float)):
        return False
    if now - signed_in > settings.session_lifetime_days * 86400:
        return False
    if now - seen > settings.session_idle_minutes * 60:
        return False
    if now - seen > SEEN_EVERY_S:
        session["seen_at"] = now
    return True


def install(server: Flask, settings: Settings) -> None:
    server.config.update(
        SECRET_KEY=session_secret(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_user(session_id: str) -> SessionUser | None:
        user_id, _, key = session_id.partition(":")
        if not user_id.isdigit() or not key:
            return None
        record = get_user(settings.users_db, user_id=int(user_id))
        if (record is None or not record.enabled or record.is_template
                or record.session_key != key or not _session_alive(settings)):
            return None
        return SessionUser(record)

    install_http_guard(server)
    server.before_request(_guard)
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(Exception, _unexpected_error)
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    server.add_url_rule("/relogin", "relogin", _relogin, methods=["GET", "POST"])
    server.add_url_rule("/change-password", "change_password", _change_password,
                        methods=["GET", "POST"])


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIXES)


def _guard():  # type: ignore[no-untyped-def]
    path = request.path
    if path in PUBLIC_PATHS:
        return None
    if not current_user.is_authenticated:
        if _wants_json():
            return jsonify(error="未登录"), 401
        return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe=""))
    if current_user.record.must_change_password and path not in {"/change-password", "/logout",
                                                                  "/relogin"}:
        if _wants_json():
            return jsonify(error="请先修改密码"), 403
        return redirect("/change-password")
    return None


def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error=exc.description), exc.code
    return error_page(str(exc.description)), exc.code


def _unexpected_error(exc: Exception):  # type: ignore[no-untyped-def]
    # Never a stack trace to the browser; the log keeps it.
    current_app.logger.exception("unhandled error on %s", request.path)
    if _wants_json():
        return jsonify(error="服务器内部错误, 请稍后重试"), 500
    return error_page("服务器内部错误, 请稍后重试", home=False), 500


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _locked_message(locked: Locked, settings: Settings) -> str:
    until = locked.until.astimezone(ZoneInfo(settings.time_zone))
    who = "本机地址" if locked.by_address else "账号"
    return f"连续登录失败次数过多, {who}已锁定至 {until:%H:%M}, 请稍后再试"


def _login():  # type: ignore[no-untyped-def]
    settings = current_settings()
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return login_form(nxt, max_length=USERNAME_MAX)
    # A name longer than any 员工代码 is cut before it is shown, counted or audited.
    username = (request.form.get("username") or "").strip()[:USERNAME_MAX]
    password = (request.form.get("password") or "")[:PASSWORD_MAX]
    if not username or not password:
        return login_form(nxt, "请输入员工代码和密码", username), 400
    limits = Limits(settings.login_max_failures, settings.login_max_failures_per_address,
                    settings.login_lock_minutes)
    locked = reserve_attempt(settings.users_db, username, request.remote_addr, limits)
    if locked is not None:
        audit.record("login_locked", username=username,
                     detail={"reason": "地址" if locked.by_address else "账号"})
        return login_form(nxt, _locked_message(locked, settings), username), 429
    record = get_user(settings.users_db, username=username)
    if record is None or record.is_template:
        ok = verify_nothing(password)  # as slow as a real check: existence stays unknown
    else:
        ok = verify_password(record.password_hash, password)
    if not ok or record is None:
        audit.record("login_failed", username=username)
        time.sleep(settings.login_fail_delay)
        return login_form(nxt, "员工代码或密码错误", username), 401
    clear_failures(settings.users_db, username)
    if not record.enabled:
        audit.record("login_failed", username=username, detail={"reason": "已停用"})
        return login_form(nxt, "该账号已停用, 请联系系统管理员", username), 403
    _start_session(record)
    audit.record("login", username=username)
    return redirect("/change-password" if record.must_change_password else nxt)


def _start_session(record: UserRecord, signed_in_at: float | None = None) -> None:
    session.clear()  # nothing of an earlier (perhaps planted) session carries over
    login_user(SessionUser(record))
    now = time.time()
    session["signed_in_at"] = signed_in_at or now
    session["seen_at"] = now


def _logout():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return logout_form(request.path)
    if current_user.is_authenticated:
        audit.record("logout")
        end_sessions(current_settings().users_db, current_user.record.user_id)
        logout_user()
    session.clear()
    return redirect("/login")


def _relogin():  # type: ignore[no-untyped-def]
    # 6.3 重新登录: sign out and sign in as another user.
    return _logout()


def _change_password():  # type: ignore[no-untyped-def]
    record: UserRecord = current_user.record
    if request.method == "GET":
        return password_form()
    old = request.form.get("old_password") or ""
    new = request.form.get("new_password") or ""
    again = request.form.get("new_password_again") or ""
    if not verify_password(record.password_hash, old[:PASSWORD_MAX]):
        return password_form("原密码错误"), 400
    problem = password_problem(new, record.username) or (
        None if new == again else "两次输入的新密码不一致")
    if problem is None and new == old:
        problem = "新密码不能与原密码相同"
    if problem:
        return password_form(problem), 400
    # The new password ends every other session; this one continues under the new key.
    updated = update_user(current_settings().users_db, record.user_id,
                          password_hash=hash_password(new), must_change_password=False)
    _start_session(updated, session.get("signed_in_at"))
    audit.record("password_changed")
    return redirect("/")
