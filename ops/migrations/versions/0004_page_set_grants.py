"""Grants of whole areas: a user whose stored pages hold every report of an area gets
that area as a grant (``area:pnl``), and a 业务员 holding the salesperson's pages gets
``tag:sales``, so reports added to those areas later reach them (queries/grants.py).
No user loses a page: the slugs covered stay covered, the others stay as they were.

The sets are those of the catalog when page sets came in, written out here: a migration
does not follow later changes of the catalog.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AREA_PAGES: dict[str, tuple[str, ...]] = {
    "underwriting": ("proposal-status", "lapsed-auto", "property-policies",
                     "property-endorsements", "property-risk", "premium-received-monthly",
                     "premium-received-daily"),
    "claims": ("claim-cycle", "claims-unregistered", "claims-open"),
    "pnl": ("pnl-insured", "pnl-auto-policy", "pnl-vehicle", "pnl-auto-handler",
            "pnl-auto-agent", "pnl-auto-cube", "pnl-property-policy", "pnl-property-handler",
            "pnl-property-agent"),
    "receivable": ("receivable-branch", "receivable-person", "receivable-by-business",
                   "receivable-by-payment", "receivable-policies", "effective-policies",
                   "exchange-rates"),
    "commission": ("commission-summary", "commission-list"),
    "system": ("admin-user-new", "admin-users", "admin-audit", "admin-loads"),
}
SALES_PAGES = ("proposal-status", "lapsed-auto", "property-policies", "property-endorsements",
               "premium-received-monthly", "pnl-auto-policy", "pnl-vehicle",
               "pnl-property-policy", "receivable-policies", "effective-policies",
               "commission-list")


def page_sets(pages: list[str], role: str) -> list[str]:
    """``pages`` with every fully held area (and, for 业务员, the sales pages) stored as
    a set; slugs no set covers stay."""
    held = set(pages)
    sets = {f"area:{a}": set(slugs) for a, slugs in AREA_PAGES.items()}
    if role == "业务员":
        sets["tag:sales"] = set(SALES_PAGES)
    granted = {g: s for g, s in sets.items() if s <= held}
    covered = set().union(*granted.values()) if granted else set()
    return sorted(granted) + sorted(held - covered)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT user_id, role, pages FROM users")).fetchall()
    for user_id, role, pages in rows:
        before = json.loads(pages or "[]")
        after = page_sets(before, role or "")
        if after != sorted(before):
            bind.execute(sa.text("UPDATE users SET pages = :p WHERE user_id = :i"),
                         {"p": json.dumps(after), "i": user_id})


def downgrade() -> None:
    bind = op.get_bind()
    sets = {f"area:{a}": slugs for a, slugs in AREA_PAGES.items()} | {"tag:sales": SALES_PAGES}
    for user_id, pages in bind.execute(sa.text("SELECT user_id, pages FROM users")).fetchall():
        held = json.loads(pages or "[]")
        slugs = {s for g in held for s in sets.get(g, (g,))}
        bind.execute(sa.text("UPDATE users SET pages = :p WHERE user_id = :i"),
                     {"p": json.dumps(sorted(slugs)), "i": user_id})
