"""Command line for a real install: create the first administrator.

    .venv/bin/python -m auth.admin create-admin --username 0001 [--name 张三]

The password is read from the ADMIN_PASSWORD environment variable or asked for; the
administrator must change it at the first sign-in.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from auth.passwords import password_problem
from auth.templates import TEMPLATE_BY_ROLE, ensure_templates
from auth.users import UserError, create_user
from data.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="用户管理")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-admin", help="创建系统管理员")
    create.add_argument("--username", required=True, help="员工代码")
    create.add_argument("--name", default="系统管理员")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("初始密码: ")
    problem = password_problem(password)
    if problem:
        print(f"错误: {problem}", file=sys.stderr)
        return 2
    ensure_templates(settings.users_db)
    tpl = TEMPLATE_BY_ROLE["系统管理员"]
    try:
        create_user(settings.users_db, username=args.username, display_name=args.name,
                    password=password, scope="company", pages=set(tpl.pages), role=tpl.role,
                    is_admin=True, must_change_password=True)
    except UserError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    print(f"已创建系统管理员 {args.username}; 首次登录须修改密码")
    return 0


if __name__ == "__main__":
    sys.exit(main())
