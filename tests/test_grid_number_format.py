"""The grids' number formatter (assets/dashAgGridFunctions.js), run in headless Chromium:
decimals as declared, thousands separators, never a signed zero."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
SCRIPT = Path(__file__).resolve().parents[1] / "assets" / "dashAgGridFunctions.js"


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    # The process's one Chromium (tests/browser_fixtures.py): a second Playwright in the
    # same process is refused.
    pg = browser.new_page()
    pg.set_content("<html><body></body></html>")
    pg.add_script_tag(content=SCRIPT.read_text(encoding="utf-8"))
    yield pg
    pg.close()


@pytest.mark.parametrize(("value", "decimals", "shown"), [
    (0.046584, 6, "0.046584"), (7.1, 6, "7.100000"), (284.0, 0, "284"), (5.0, 0, "5"),
    (1234567.891, 2, "1,234,567.89"), (9.1111, 2, "9.11"), (-475.0, 2, "-475.00"),
    # -0 (0 over a negative premium) and a tiny negative rounded away show as 0.
    ("-0", 2, "0.00"), (-0.001, 2, "0.00"), ("-0", 0, "0"),
])
def test_fmt_number(page: Any, value: Any, decimals: int, shown: str) -> None:
    js_value = "-0" if value == "-0" else repr(value)
    got = page.evaluate(f"window.dashAgGridFunctions.fmtNumber({js_value}, {decimals})")
    assert got == shown


def test_fmt_number_passes_text_and_empty(page: Any) -> None:
    assert page.evaluate("window.dashAgGridFunctions.fmtNumber('合计', 2)") == "合计"
    assert page.evaluate("window.dashAgGridFunctions.fmtNumber(null, 2)") == ""
