"""The few plain HTML pages outside Dash: sign-in, password change, sign-out, errors."""

from __future__ import annotations

from html import escape

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


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{escape(title)} - 保险分析查询系统</title><style>{STYLE}</style></head>"
            f"<body><div class='card'>{body}</div></body></html>")


def _error(error: str) -> str:
    return f"<p class='err' role='alert'>{escape(error)}</p>" if error else ""


def login_form(nxt: str, error: str = "", username: str = "", max_length: int = 32) -> str:
    return page("登录", f"""<h1>保险分析查询系统</h1><p class='sub'>请使用员工代码登录</p>
        {_error(error)}
        <form method='post' action='/login'>
        <input type='hidden' name='next' value='{escape(nxt)}'>
        <label for='username'>员工代码</label>
        <input id='username' name='username' value='{escape(username)}' autofocus required
               maxlength='{max_length}'>
        <label for='password'>密码</label>
        <input id='password' name='password' type='password' required maxlength='128'>
        <button type='submit'>登录</button></form>""")


def password_form(error: str = "") -> str:
    return page("修改密码", f"""<h1>修改密码</h1>
        <p class='sub'>首次登录或密码被重置后, 请设置新密码 (至少 8 位, 含字母和数字,
        不能是 password1 这类常见密码)</p>{_error(error)}
        <form method='post' action='/change-password'>
        <label for='old_password'>原密码 / 临时密码</label>
        <input id='old_password' name='old_password' type='password' required>
        <label for='new_password'>新密码</label>
        <input id='new_password' name='new_password' type='password' required>
        <label for='new_password_again'>再次输入新密码</label>
        <input id='new_password_again' name='new_password_again' type='password' required>
        <button type='submit'>保存</button></form>""")


def logout_form(action: str = "/logout") -> str:
    """Signing out is a POST (a link on another site must not sign anybody out)."""
    return page("退出系统", f"""<h1>退出系统</h1><p class='sub'>确定要退出吗?</p>
        <form method='post' action='{escape(action)}'><button type='submit'>退出系统</button>
        </form><p><a href='/'>返回首页</a></p>""")


def error_page(message: str, home: bool = True) -> str:
    link = "<p><a href='/'>返回首页</a></p>" if home else ""
    return page("出错了", f"<p class='err'>{escape(message)}</p>{link}")
