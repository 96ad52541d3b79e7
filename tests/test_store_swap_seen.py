"""A store swapped in while the old one is open is the one read next (not DuckDB's
cached instance of the same path)."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb

from data.settings import Settings
from engines import engine_for
from queries.search import store_rows


def test_the_swapped_in_store_is_read(settings: Settings, tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copy(settings.store_path, store)
    mine = replace(settings, store_path=store)
    count = "SELECT count(*) AS n FROM policy"
    before = store_rows(engine_for(mine), count, {})[0]["n"]
    fewer = tmp_path / "next.duckdb"
    shutil.copy(settings.store_path, fewer)
    con = duckdb.connect(str(fewer))
    con.execute("DELETE FROM policy WHERE policy_id % 2 = 0")
    con.close()
    os.replace(fewer, store)
    after = store_rows(engine_for(mine), count, {})[0]["n"]
    assert 0 < after < before
