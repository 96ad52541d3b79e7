"""In headless Chromium, for ``bench_http``: a filter change on 3.6 until its grid is drawn."""

from __future__ import annotations

import time
from typing import Any

from bench.http_harness import stats

CUBE = "pnl-auto-cube"  # 3.6 车险盈亏综合状况, the widest cube


def browser_filter_to_grid(base: str, iterations: int) -> dict[str, Any]:
    """3.6: choose another 使用性质, click 查询, until the summary grid shows new rows."""
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium"
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#username", "gm")
        page.fill("#password", "demo-pass-2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/reports/{CUBE}?group_by=branch&run=1")
        rows = page.locator(".ag-center-cols-container .ag-row")
        rows.first.wait_for(timeout=120_000)
        for i in range(iterations + 1):
            page.get_by_label("使用性质").first.click()
            options = page.get_by_role("option")
            options.first.wait_for()
            options.nth(i % max(1, min(options.count(), 6))).click()
            page.keyboard.press("Escape")
            before = page.evaluate("""() => {
                const g = document.querySelector('.ag-root-wrapper');
                window.__oldGrid = g;
                const c = document.querySelector('.ag-center-cols-container');
                return c ? c.innerText : '';
            }""")
            started = time.perf_counter()
            page.get_by_role("button", name="查询").click()
            page.wait_for_function("""(before) => {
                const g = document.querySelector('.ag-root-wrapper');
                const c = document.querySelector('.ag-center-cols-container');
                if (!g || !c || !c.querySelector('.ag-row')) return false;
                return g !== window.__oldGrid || c.innerText !== before;
            }""", arg=before, timeout=120_000)
            ms = (time.perf_counter() - started) * 1000
            if i:  # the first one warms the page's scripts
                times.append(ms)
        browser.close()
    return stats(times)
