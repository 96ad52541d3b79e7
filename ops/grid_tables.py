"""The table of a user's detail-grid columns per report page (``ops/grid_columns.py``)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, Table, Text

from ops.tables import metadata

grid_columns = Table(
    "grid_columns", metadata,
    Column("user_id", Integer, nullable=False),
    Column("slug", Text, nullable=False),
    Column("cols", Text, nullable=False),  # as the URL's cols=: colA:140,!colB:120,…
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("user_id", "slug", name="pk_grid_columns"),
)
