"""Sign-in on the server: flask-login sessions, the request guard, and page grants.

The user is reloaded from the users database on every request, so a grant change or
a disabled account takes effect on the next request, not the next sign-in.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from html import escape
from urllib.parse import quote, urlparse

from flask import Flask, current_app, g, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.exceptions import Forbidden as _HTTPForbidden
from werkzeug.exceptions import HTTPException

from auth import audit
from auth.passwords import hash_password, password_problem, verify_password
from auth.users import UserRecord, connect, get_user, now_iso, update_user
from data.settings import DEFAULT_SECRET, Settings
from queries.access import Viewer

PUBLIC_PATHS = ("/login", "/favicon.ico", "/healthz")
API_PREFIXES = ("/_dash-", "/api/", "/export/")


class Forbidden(_HTTPForbidden):
    """The signed-in user may not open this page; Flask answers 403."""

    description = "无权访问该页面"


class SessionUser(UserMixin):
    def __init__(self, record: UserRecord) -> None:
        self.record = record

    def get_id(self) -> str:
        return str(self.record.user_id)

    def get_id_username(self) -> str:
        return self.record.username


def current_settings() -> Settings:
    """The settings of the app serving this request (never a module global: tests and
    tools create several apps in one process, and pages are registered process-wide)."""
    return current_app.config["SETTINGS"]


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


def install(server: Flask, settings: Settings) -> None:
    if settings.production and settings.secret_key == DEFAULT_SECRET:
        raise RuntimeError("生产模式下必须设置 SECRET_KEY 环境变量 (不能使用默认密钥)")
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str) -> SessionUser | None:
        record = get_user(settings.users_db, user_id=int(user_id))
        if record is None or not record.enabled or record.is_template:
            return None
        return SessionUser(record)

    server.before_request(_guard)
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(Exception, _unexpected_error)
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    server.add_url_rule("/relogin", "relogin", _relogin, methods=["GET"])
    server.add_url_rule("/change-password", "change_password", _change_password,
                        methods=["GET", "POST"])
    server.add_url_rule("/healthz", "healthz", lambda: "ok")


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
    if current_user.record.must_change_password and path not in {"/change-password", "/logout"}:
        if _wants_json():
            return jsonify(error="请先修改密码"), 403
        return redirect("/change-password")
    return None


def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error=exc.description), exc.code
    return _page("出错了", f"<p class='err'>{escape(str(exc.description))}</p>"
                 "<p><a href='/'>返回首页</a></p>"), exc.code


def _unexpected_error(exc: Exception):  # type: ignore[no-untyped-def]
    # Never a stack trace to the browser; the log keeps it.
    current_app.logger.exception("unhandled error on %s", request.path)
    if _wants_json():
        return jsonify(error="服务器内部错误, 请稍后重试"), 500
    return _page("出错了", "<p class='err'>服务器内部错误, 请稍后重试</p>"), 500


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return "/"
    return target


def _recent_failures(username: str, settings: Settings) -> list[str]:
    since = (datetime.utcnow() - timedelta(minutes=settings.login_lock_minutes)).isoformat()
    with connect(settings.users_db) as con:
        rows = con.execute("SELECT at FROM login_failures WHERE username = ? AND at >= ? "
                           "ORDER BY at", (username, since)).fetchall()
    return [r[0] for r in rows]


def _login():  # type: ignore[no-untyped-def]
    settings = current_settings()
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _login_form(nxt)
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    if not username or not password:
        return _login_form(nxt, "请输入员工代码和密码", username), 400
    failures = _recent_failures(username, settings)
    if len(failures) >= settings.login_max_failures:
        until = datetime.fromisoformat(failures[0]) + timedelta(minutes=settings.login_lock_minutes)
        audit.record("login_locked", username=username)
        return _login_form(nxt, f"连续登录失败次数过多, 账号已锁定至 {until:%H:%M} (UTC)",
                           username), 429
    record = get_user(settings.users_db, username=username)
    if record is None or record.is_template or not verify_password(record.password_hash,
                                                                    password):
        with connect(settings.users_db) as con:
            con.execute("INSERT INTO login_failures VALUES (?, ?)", (username, now_iso()))
        audit.record("login_failed", username=username)
        time.sleep(settings.login_fail_delay)
        return _login_form(nxt, "员工代码或密码错误", username), 401
    if not record.enabled:
        audit.record("login_failed", username=username, detail={"reason": "已停用"})
        return _login_form(nxt, "该账号已停用, 请联系系统管理员", username), 403
    with connect(settings.users_db) as con:
        con.execute("DELETE FROM login_failures WHERE username = ?", (username,))
    login_user(SessionUser(record))
    audit.record("login", username=username)
    return redirect("/change-password" if record.must_change_password else nxt)


def _logout():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        audit.record("logout")
        logout_user()
    return redirect("/login")


def _relogin():  # type: ignore[no-untyped-def]
    # 6.3 重新登录: sign out and sign in as another user.
    return _logout()


def _change_password():  # type: ignore[no-untyped-def]
    record: UserRecord = current_user.record
    if request.method == "GET":
        return _password_form()
    old = request.form.get("old_password") or ""
    new = request.form.get("new_password") or ""
    again = request.form.get("new_password_again") or ""
    if not verify_password(record.password_hash, old):
        return _password_form("原密码错误"), 400
    problem = password_problem(new) or (None if new == again else "两次输入的新密码不一致")
    if problem is None and new == old:
        problem = "新密码不能与原密码相同"
    if problem:
        return _password_form(problem), 400
    update_user(current_settings().users_db, record.user_id, password_hash=hash_password(new),
                must_change_password=False)
    audit.record("password_changed")
    return redirect("/")


STYLE = """
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;background:#f1f3f5;margin:0}
.card{max-width:380px;margin:12vh auto;background:#fff;border-radius:10px;padding:32px 36px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 6px;color:#1c3d6e}p.sub{color:#868e96;margin:0 0 22px;font-size:14px}
label{display:block;font-size:14px;color:#495057;margin:14px 0 6px}
input{width:100%;box-sizing:border-box;padding:9px 11px;border:1px solid #ced4da;border-radius:6px;
font-size:15px}button{margin-top:22px;width:100%;padding:10px;border:0;border-radius:6px;
background:#1c7ed6;color:#fff;font-size:16px;cursor:pointer}
.err{color:#c92a2a;background:#fff5f5;border:1px solid #ffc9c9;padding:8px 10px;border-radius:6px;
font-size:14px}
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{escape(title)} - 保险分析查询系统</title><style>{STYLE}</style></head>"
            f"<body><div class='card'>{body}</div></body></html>")


def _login_form(nxt: str, error: str = "", username: str = "") -> str:
    err = f"<p class='err' role='alert'>{escape(error)}</p>" if error else ""
    return _page("登录", f"""<h1>保险分析查询系统</h1><p class='sub'>请使用员工代码登录</p>{err}
        <form method='post' action='/login'>
        <input type='hidden' name='next' value='{escape(nxt)}'>
        <label for='username'>员工代码</label>
        <input id='username' name='username' value='{escape(username)}' autofocus required>
        <label for='password'>密码</label>
        <input id='password' name='password' type='password' required>
        <button type='submit'>登录</button></form>""")


def _password_form(error: str = "") -> str:
    err = f"<p class='err' role='alert'>{escape(error)}</p>" if error else ""
    return _page("修改密码", f"""<h1>修改密码</h1>
        <p class='sub'>首次登录或密码被重置后, 请设置新密码 (至少 8 位, 含字母和数字)</p>{err}
        <form method='post' action='/change-password'>
        <label for='old_password'>原密码 / 临时密码</label>
        <input id='old_password' name='old_password' type='password' required>
        <label for='new_password'>新密码</label>
        <input id='new_password' name='new_password' type='password' required>
        <label for='new_password_again'>再次输入新密码</label>
        <input id='new_password_again' name='new_password_again' type='password' required>
        <button type='submit'>保存</button></form>""")
