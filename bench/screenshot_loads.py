"""Screenshots of 6.6 数据装载 in headless Chromium at 1440×900: the upload, the load
running (progress, 取消导入), and the result with the load history.

    .venv/bin/python -m bench.screenshot_loads http://127.0.0.1:8050 FILES.zip OUT_DIR

Signs in as the demo administrator. Not part of the test run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from auth.templates import DEMO_PASSWORD
from bench.screenshots import CHROMIUM_ARGS


def main() -> None:
    base, archive, out = sys.argv[1].rstrip("/"), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#username", "admin")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/admin/admin-loads")
        page.get_by_role("heading", name="6.6 数据装载").wait_for(timeout=30_000)
        page.set_input_files("#load-upload input[type=file]", str(archive))
        page.get_by_text("已上传").wait_for(timeout=30_000)
        page.screenshot(path=str(out / "loads-uploaded.png"))
        page.get_by_role("button", name="开始导入").click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out / "loads-running.png"))
        page.locator(".mantine-Alert-root").wait_for(timeout=180_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "loads-done.png"), full_page=True)
        for name in ("loads-uploaded", "loads-running", "loads-done"):
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
