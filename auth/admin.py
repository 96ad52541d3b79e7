"""Command line for a real install: the first administrator, then staff in bulk.

    .venv/bin/python -m auth.admin create-admin --username 0001 [--name 张三]
    .venv/bin/python -m auth.admin add-user --username U --template tpl-branch \\
        --branch 4401 [--name 张三] --password-stdin  < password.txt

create-admin reads the password from ADMIN_PASSWORD or asks for it. add-user copies a
template (as 6.2 lists it) with the branch (--branch), department (--dept) or staff
member (--staff) its level needs, by code as the store at STORE_PATH has it; the
password comes from stdin and is checked like any other. Either way the user must
change the password at the first sign-in, and add-user is audited like 6.1. Any
problem: a Chinese message and exit status 2.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import NoReturn

from auth.accounts import FieldErrors, Grants, create_from_template
from auth.org import Org, load_org
from auth.passwords import password_problem
from auth.templates import TEMPLATE_BY_ROLE, ensure_templates, template_for
from auth.users import UserError, create_user
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from ops import migrate as ops_migrate

CLI_ACTOR = "(命令行)"
_ARGPARSE_WORDS = (("the following arguments are required", "缺少参数"),
                   ("not allowed with argument", "不能与此参数同时使用:"),
                   ("unrecognized arguments", "无法识别的参数"),
                   ("invalid choice", "无效的选项"), ("expected one argument", "缺少参数值"),
                   ("argument", "参数"))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        for english, chinese in _ARGPARSE_WORDS:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(2, f"错误: 命令参数有误: {message}\n")


class Problem(Exception):
    """Refused, with the Chinese message for the operator."""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(description="用户管理")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    create = sub.add_parser("create-admin", help="创建系统管理员")
    create.add_argument("--username", required=True, help="员工代码")
    create.add_argument("--name", default="系统管理员")
    add = sub.add_parser("add-user", help="按模板新建用户")
    add.add_argument("--username", required=True, help="员工代码")
    add.add_argument("--template", required=True, help="模板, 如 tpl-branch")
    where = add.add_mutually_exclusive_group()
    where.add_argument("--branch", help="支公司代码 (支公司范围的模板)")
    where.add_argument("--dept", help="科室代码 (科室范围的模板)")
    where.add_argument("--staff", help="员工代码 (本人范围的模板)")
    add.add_argument("--name", help="姓名 (默认: 员工的姓名或员工代码)")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取初始密码")
    return parser


def _create_admin(settings: Settings, args: argparse.Namespace) -> str:
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("初始密码: ")
    problem = password_problem(password, args.username)
    if problem:
        raise Problem(problem)
    ensure_templates(settings.users_db)
    tpl = TEMPLATE_BY_ROLE["系统管理员"]
    create_user(settings.users_db, username=args.username, display_name=args.name,
                password=password, scope="company", pages=set(tpl.pages), role=tpl.role,
                is_admin=True, must_change_password=True)
    return f"已创建系统管理员 {args.username}; 首次登录须修改密码"


def _place(org: Org, level: str, args: argparse.Namespace) -> tuple[int | None, ...]:
    """branch_id, dept_id, staff_id from the one code the template's level needs."""
    option = {"branch": "--branch", "department": "--dept", "self": "--staff"}.get(level)
    given = {"--branch": args.branch, "--dept": args.dept, "--staff": args.staff}
    extra = [k for k, v in given.items() if v is not None and k != option]
    if extra:
        need = f"只需 {option}" if option else "不需要机构或人员"
        raise Problem(f"模板 {args.template} 的数据范围{need}, 不能给 {extra[0]}")
    if option is None:
        return None, None, None
    code = given[option]
    if code is None:
        raise Problem(f"模板 {args.template} 须指定 {option} (代码)")
    kind = {"--branch": "branch", "--dept": "department", "--staff": "staff"}[option]
    unit = org.by_code(kind, code)
    if unit is None:
        what = {"branch": "支公司", "department": "科室", "staff": "员工"}[kind]
        raise Problem(f"数据仓库中没有{what}代码 {code}")
    if kind == "branch":
        return unit.id, None, None
    if kind == "department":
        return unit.branch_id, unit.id, None
    return unit.branch_id, unit.dept_id, unit.id


def _add_user(engine: Engine, args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise Problem("请用 --password-stdin 从标准输入提供初始密码")
    password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password, args.username)
    if problem:
        raise Problem(f"密码不符合要求: {problem}")
    if not engine.has_store():
        raise Problem(f"找不到数据仓库 {engine.settings.store_path} (STORE_PATH)")
    ensure_templates(engine.settings.users_db)
    template = template_for(engine.settings.users_db, args.template)
    if template is None:
        raise Problem(f"没有模板 {args.template} (可用: "
                      + ", ".join(t.key for t in TEMPLATE_BY_ROLE.values()) + ")")
    org = load_org(engine)
    branch_id, dept_id, staff_id = _place(org, template.scope, args)
    name = args.name or (org.staff[staff_id].name if staff_id else args.username)
    grants = Grants(template.scope, branch_id, dept_id, staff_id, template.pages,
                    template.personal_data, template.is_admin)
    create_from_template(engine, username=args.username, display_name=name,
                         template=template, grants=grants, password=password,
                         page=None, actor=CLI_ACTOR)
    where = org.describe(branch_id, dept_id, staff_id) or "公司"
    return (f"已创建用户 {args.username} {name} (模板 {template.username}, 范围 {where}); "
            "首次登录须修改密码")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        ops_migrate.upgrade(settings.users_db)  # the schema the app itself would see
        if args.command == "create-admin":
            print(_create_admin(settings, args))
        else:  # a command of its own: it builds its process's engine
            print(_add_user(engine_for(settings), args))
    except FieldErrors as exc:
        for field, message in exc.errors.items():
            print(f"错误: {_FLAG.get(field, field)}: {message}", file=sys.stderr)
        return 2
    except (Problem, UserError, ValueError) as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    return 0


_FLAG = {"username": "--username", "display_name": "--name", "branch": "--branch",
         "dept": "--dept", "staff": "--staff", "template": "--template", "scope": "模板范围"}


if __name__ == "__main__":
    sys.exit(main())
