"""In headless Chromium, as a user would: sign in, set a filter, run, drill down, go
back, download an export."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def base_url(app_server: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app_server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def sign_in(browser: Any, base_url: str, username: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def test_filter_run_drill_back_export(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "gm")
    page.get_by_text("您好").wait_for()
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    page.get_by_role("heading", name="3.6 车险盈亏综合状况").wait_for()
    # Choose a 使用性质 and run.
    page.get_by_label("使用性质").first.click()
    page.get_by_role("option", name="家庭自用").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**run=1**")
    assert "use_nature=101" in page.url
    summary = page.locator(".ag-center-cols-container .ag-row")
    summary.first.wait_for()
    count_cell = summary.first.locator("[col-id=policies]")
    expected = int(count_cell.inner_text().replace(",", ""))
    summary_url = page.url
    count_cell.click()
    page.wait_for_url("**level=detail**")
    page.get_by_text("← 返回汇总").wait_for()
    page.get_by_text(f"共 {expected:,} 条").wait_for()
    assert page.locator(".ag-center-cols-container .ag-row").count() > 0
    page.go_back()
    page.wait_for_url(summary_url)
    page.get_by_text("← 返回汇总").wait_for(state="detached")
    page.locator(".ag-center-cols-container [col-id=policies]").first.wait_for()
    with page.expect_download() as info:
        page.get_by_text("Excel").first.click()
    data = info.value.path().read_bytes()
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[:2] == ["使用性质", "保单数"]
    assert not [e for e in page.errors if "TypeError" in e]
    page.close()


def test_menu_greys_out_pages_without_grant(browser: Any, base_url: str) -> None:
    page = sign_in(browser, base_url, "claims01")
    link = page.locator("#nav-pnl-auto-cube")
    link.wait_for()
    assert link.get_attribute("data-disabled") == "true"
    page.goto(f"{base_url}/reports/pnl-auto-cube")
    page.get_by_text("无权访问").wait_for()
    page.close()
