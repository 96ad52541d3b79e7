"""Saved views: a user's named filter sets of a report page (the page's query string),
kept in the operational store. A name is unique per user and page; saving it again
replaces the filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

from data.settings import OpsDb
from ops import db as ops_db
from ops.tables import saved_views

NAME_MAX = 40
QUERY_MAX = 4000


class ViewError(ValueError):
    """A view that cannot be saved; the message says why (in Chinese)."""


@dataclass(frozen=True)
class SavedView:
    view_id: int
    user_id: int
    slug: str
    name: str
    query: str
    updated_at: str


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def save_view(db: OpsDb, user_id: int, slug: str, name: str, query: str) -> SavedView:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ViewError(f"视图名称须为 1 到 {NAME_MAX} 个字符")
    if len(query) > QUERY_MAX:
        raise ViewError(f"筛选条件过长 (最多 {QUERY_MAX} 个字符)")
    mine = (saved_views.c.user_id == user_id) & (saved_views.c.slug == slug) & \
        (saved_views.c.name == name)
    now = _now()
    with ops_db.write(db) as con:
        changed = con.execute(update(saved_views).where(mine)
                              .values(query=query, updated_at=now)).rowcount
        if not changed:
            con.execute(insert(saved_views).values(user_id=user_id, slug=slug, name=name,
                                                   query=query, created_at=now,
                                                   updated_at=now))
        row = con.execute(select(saved_views).where(mine)).one()
    return _view(row)


def _view(row: object) -> SavedView:
    m = row._mapping  # type: ignore[attr-defined]
    return SavedView(m["view_id"], m["user_id"], m["slug"], m["name"], m["query"],
                     m["updated_at"])


def list_views(db: OpsDb, user_id: int, slug: str | None = None) -> list[SavedView]:
    query = select(saved_views).where(saved_views.c.user_id == user_id)
    if slug is not None:
        query = query.where(saved_views.c.slug == slug)
    with ops_db.read(db) as con:
        rows = con.execute(query.order_by(saved_views.c.slug, saved_views.c.name)).all()
    return [_view(r) for r in rows]


def delete_view(db: OpsDb, user_id: int, view_id: int) -> bool:
    """Removes the view if it is the user's own; another user's view stays."""
    with ops_db.write(db) as con:
        gone = con.execute(delete(saved_views).where(saved_views.c.view_id == view_id,
                                                     saved_views.c.user_id == user_id))
    return bool(gone.rowcount)
