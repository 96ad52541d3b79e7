"""A user's columns of each report's detail grid (order, widths, hidden), per page.

Revision ID: 0005_grid_state
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_grid_state"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grid_columns",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("slug", sa.Text, nullable=False),
        sa.Column("cols", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "slug", name="pk_grid_columns"),
    )


def downgrade() -> None:
    op.drop_table("grid_columns")
