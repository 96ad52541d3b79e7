"""Provisioning by script: ``python -m auth.admin add-user`` copies a template with the
branch / department / staff its level needs (codes as the store has them), checks the
password, audits like 6.1, and answers any problem with exit 2 and a Chinese message."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auth import admin
from auth.audit import query_audit
from auth.passwords import verify_password
from auth.users import get_user
from data.settings import ROOT, Settings

GOOD = "Prov-pass-5138"


@pytest.fixture
def env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "users.sqlite"
    monkeypatch.setenv("STORE_PATH", str(settings.store_path))
    monkeypatch.setenv("USERS_PATH", str(db))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return db


def run(monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str,
        password: str = GOOD) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    try:
        code = admin.main(["add-user", *args])
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def org(settings: Settings) -> dict[str, Any]:
    with duckdb.connect(str(settings.store_path), read_only=True) as con:
        branch = con.execute("SELECT branch_id, branch_code FROM branch ORDER BY 1 LIMIT 1"
                             ).fetchone()
        dept = con.execute("SELECT dept_id, dept_code, branch_id FROM department "
                           "ORDER BY 1 LIMIT 1").fetchone()
        staff = con.execute("SELECT staff_id, staff_code, staff_name, dept_id, branch_id "
                            "FROM staff ORDER BY 1 LIMIT 1").fetchone()
    return {"branch": branch, "dept": dept, "staff": staff}


def test_adds_users_at_each_level(env: Path, settings: Settings, monkeypatch: Any,
                                  capsys: Any) -> None:
    o = org(settings)
    code, out = run(monkeypatch, capsys, "--username", "E90001", "--template", "tpl-branch",
                    "--branch", o["branch"][1], "--name", "张三", "--password-stdin")
    assert code == 0 and "已创建用户 E90001" in out
    user = get_user(env, username="E90001")
    assert user is not None and user.scope == "branch" and user.branch_id == o["branch"][0]
    assert user.role == "支公司经理" and user.must_change_password and user.enabled
    assert verify_password(user.password_hash, GOOD) and user.display_name == "张三"
    code, _ = run(monkeypatch, capsys, "--username", "E90002", "--template", "tpl-section",
                  "--dept", o["dept"][1], "--password-stdin")
    section = get_user(env, username="E90002")
    assert code == 0 and section is not None and section.scope == "department"
    assert (section.dept_id, section.branch_id) == (o["dept"][0], o["dept"][2])
    code, _ = run(monkeypatch, capsys, "--username", "E90003", "--template", "tpl-sales",
                  "--staff", o["staff"][1], "--password-stdin")
    sales = get_user(env, username="E90003")
    assert code == 0 and sales is not None and sales.staff_id == o["staff"][0]
    assert (sales.dept_id, sales.branch_id) == (o["staff"][3], o["staff"][4])
    assert sales.display_name == o["staff"][2] and sales.personal_data is True
    code, _ = run(monkeypatch, capsys, "--username", "E90004", "--template", "tpl-gm",
                  "--password-stdin")
    assert code == 0 and get_user(env, username="E90004").scope == "company"  # type: ignore[union-attr]
    created = [json.loads(e["detail"]) for e in query_audit(env, event="user_created")]
    assert {d["user"] for d in created} == {"E90001", "E90002", "E90003", "E90004"}
    assert all(e["username"] == "(命令行)" for e in query_audit(env, event="user_created"))
    assert created[-1]["changes"]["scope"] == [None, "支公司"]


@pytest.mark.parametrize(("args", "password", "message"), [
    (["--template", "tpl-branch", "--password-stdin"], GOOD, "须指定 --branch"),
    (["--template", "tpl-branch", "--branch", "0000", "--password-stdin"], GOOD,
     "没有支公司代码 0000"),
    (["--template", "tpl-gm", "--branch", "BRANCH", "--password-stdin"], GOOD,
     "不需要机构或人员"),
    (["--template", "tpl-section", "--branch", "BRANCH", "--password-stdin"], GOOD,
     "只需 --dept"),
    (["--template", "tpl-nope", "--password-stdin"], GOOD, "没有模板 tpl-nope"),
    (["--template", "tpl-gm", "--password-stdin"], "password1", "过于常见"),
    (["--template", "tpl-gm", "--password-stdin"], "short1", "至少 8 位"),
    (["--template", "tpl-gm"], GOOD, "--password-stdin"),
    (["--template", "tpl-gm", "--branch", "1", "--dept", "2", "--password-stdin"], GOOD,
     "不能与此参数同时使用"),
    (["--password-stdin"], GOOD, "缺少参数"),
])
def test_any_problem_is_exit_2_in_chinese(env: Path, settings: Settings, monkeypatch: Any,
                                          capsys: Any, args: list[str], password: str,
                                          message: str) -> None:
    branch = org(settings)["branch"][1]
    args = [branch if a == "BRANCH" else a for a in args]
    code, out = run(monkeypatch, capsys, "--username", "E90100", *args, password=password)
    assert code == 2 and message in out and "错误" in out, out
    assert "Traceback" not in out
    assert get_user(env, username="E90100") is None


def test_bad_or_taken_names_are_refused(env: Path, monkeypatch: Any, capsys: Any) -> None:
    code, out = run(monkeypatch, capsys, "--username", "bad name", "--template", "tpl-gm",
                    "--password-stdin")
    assert code == 2 and "--username" in out and "只能包含" in out
    assert run(monkeypatch, capsys, "--username", "E90200", "--template", "tpl-gm",
               "--password-stdin")[0] == 0
    code, out = run(monkeypatch, capsys, "--username", "E90200", "--template", "tpl-gm",
                    "--password-stdin")
    assert code == 2 and "已存在" in out


def test_the_module_runs_from_a_shell(env: Path, settings: Settings) -> None:
    import os

    proc = subprocess.run([sys.executable, "-m", "auth.admin", "add-user", "--username",
                           "E90300", "--template", "tpl-branch", "--branch", "0000",
                           "--password-stdin"], input=GOOD + "\n", cwd=ROOT, text=True,
                          capture_output=True, timeout=120, env=dict(os.environ), check=False)
    assert proc.returncode == 2 and "错误: 数据仓库中没有支公司代码 0000" in proc.stderr
