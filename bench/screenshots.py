"""Screenshots of every report page (summary run, and its detail list) in headless
Chromium, for looking at the layout. Not part of the test run.

    .venv/bin/python -m bench.screenshots http://127.0.0.1:8050 OUT_DIR [USER]

Signs in as USER (default gm, the demo password), opens each page the user may see with
its required filters filled for the whole book, and writes OUT_DIR/<slug>.png and
OUT_DIR/<slug>-detail.png.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from auth.templates import DEMO_PASSWORD
from queries.catalog import ALL_REPORTS
from tests.catalog_args import wide_args

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def main() -> None:
    base, out = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    user = sys.argv[3] if len(sys.argv) > 3 else "gm"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{base}/login")
        page.fill("#username", user)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "home.png"), full_page=True)
        for report in ALL_REPORTS:
            path = f"/reports/{report.slug}"
            args = {**wide_args(report, date.today()), "run": "1"}
            for level in ("summary", "detail"):
                page.goto(f"{base}{path}?{urlencode({**args, 'level': level})}")
                page.get_by_role("heading", name=report.title).first.wait_for(timeout=30_000)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(800)
                name = report.slug + ("" if level == "summary" else "-detail")
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
