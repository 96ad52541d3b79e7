"""In headless Chromium, as an administrator would: copy a template (the form asks for
the branch at the field), create, find, delete after confirming, read the audit log;
and a user signs out with the header's button (a POST, Dash's posts pass the origin
check)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from auth.users import create_user, get_user
from data.settings import Settings
from tests.browser_fixtures import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp"))


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"admin-{name}.png"))


def test_admin_creates_from_a_template_then_deletes(browser: Any, base_url: str,
                                                    settings: Settings) -> None:
    page = sign_in(browser, base_url, "admin")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base_url}/admin/admin-user-new")
    page.get_by_role("heading", name="6.1 用户权限录入").wait_for()
    page.locator("#new-template").click()
    page.get_by_role("option", name="tpl-branch", exact=False).first.click()
    page.get_by_text("请选择支公司").first.wait_for()
    page.locator("#new-username").fill("web001")
    page.locator("#new-name").fill("网页新建")
    page.get_by_role("button", name="创建用户").click()
    page.get_by_text("数据范围为支公司时必须选择支公司").wait_for()
    assert get_user(settings.users_db, username="web001") is None
    _shot(page, "new-refused")
    page.locator("#new-branch").click()
    page.get_by_role("option").first.click()
    page.get_by_role("button", name="创建用户").click()
    page.get_by_text("一次性密码").wait_for()
    _shot(page, "new-created")
    page.set_viewport_size({"width": 1024, "height": 768})
    _shot(page, "new-created-1024")
    page.set_viewport_size({"width": 1440, "height": 900})
    created = get_user(settings.users_db, username="web001")
    assert created is not None and created.scope == "branch" and created.branch_id

    page.goto(f"{base_url}/admin/admin-users")
    page.get_by_placeholder("员工代码或姓名").fill("web001")
    page.get_by_role("button", name="查找").click()
    page.locator(".ag-row", has_text="web001").first.click()
    page.get_by_text("编辑 web001 网页新建").wait_for()
    _shot(page, "users-selected")
    page.get_by_role("button", name="删除用户").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("确定删除用户 web001").wait_for()
    _shot(page, "users-confirm")
    assert get_user(settings.users_db, username="web001") is not None
    dialog.get_by_role("button", name="确认删除").click()
    page.get_by_text("已删除用户 web001").wait_for()
    page.get_by_text("选择一位用户后编辑").wait_for()
    assert get_user(settings.users_db, username="web001") is None

    page.goto(f"{base_url}/admin/admin-audit")
    page.get_by_role("button", name="查询").click()
    page.locator(".ag-row", has_text="删除用户").first.wait_for()
    _shot(page, "audit")
    page.set_viewport_size({"width": 1024, "height": 768})
    _shot(page, "audit-1024")
    assert not page.errors, page.errors
    page.close()


def test_the_header_button_signs_out(browser: Any, base_url: str,
                                     settings: Settings) -> None:
    create_user(settings.users_db, username="web-out", display_name="退出按钮",
                password="demo-pass-2026", scope="company", pages={"pnl-auto-cube"},
                must_change_password=False)
    page = sign_in(browser, base_url, "web-out")
    page.get_by_role("button", name="退出系统").click()
    page.wait_for_url(f"{base_url}/login")
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    assert "/login" in page.url
    page.close()
