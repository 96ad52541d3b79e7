"""Exports an attacker cannot bend: no leaked descriptors, no live formulas."""

from __future__ import annotations

import os
from typing import Any


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_xlsx_exports_leave_the_descriptor_count_flat(login: Any) -> None:
    client = login("gm")
    url = "/export/pnl-auto-cube.xlsx?level=summary&group_by=branch"
    assert client.get(url).status_code == 200  # warm: the store and caches are open
    before = _open_descriptors()
    for _ in range(300):
        resp = client.get(url)
        assert resp.status_code == 200
        resp.close()
    assert _open_descriptors() - before < 5
