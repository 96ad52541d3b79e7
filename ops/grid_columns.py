"""A user's columns of a report's detail grid (order, widths, hidden ones), kept per
user and page in the operational store: the grid opens as the user left it, on any
machine, unless a link carries its own columns (``cols=`` of layouts/grid_state.py)."""

from __future__ import annotations

import re

from sqlalchemy import insert, select, update

from data.settings import OpsDb
from ops import db as ops_db
from ops.audit import now_iso
from ops.grid_tables import grid_columns

COLS_MAX = 4000
# One column: an optional ! (hidden), a key of the catalog, a width in pixels.
_PART = re.compile(r"^!?[a-z][a-z0-9_]{0,63}:\d{1,4}$")


def valid_cols(cols: str) -> bool:
    """``cols`` in the grid's form (the server stores nothing else)."""
    return bool(cols) and len(cols) <= COLS_MAX and \
        all(_PART.match(p) for p in cols.split(","))


def saved_columns(db: OpsDb, user_id: int, slug: str) -> str | None:
    with ops_db.read(db) as con:
        return con.execute(select(grid_columns.c.cols).where(
            grid_columns.c.user_id == user_id, grid_columns.c.slug == slug)).scalar()


def save_columns(db: OpsDb, user_id: int, slug: str, cols: str) -> None:
    if not valid_cols(cols):
        raise ValueError("列设置无效")
    mine = (grid_columns.c.user_id == user_id) & (grid_columns.c.slug == slug)
    with ops_db.write(db) as con:
        if not con.execute(update(grid_columns).where(mine)
                           .values(cols=cols, updated_at=now_iso())).rowcount:
            con.execute(insert(grid_columns).values(user_id=user_id, slug=slug, cols=cols,
                                                    updated_at=now_iso()))

