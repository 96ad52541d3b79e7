"""What a stored grant means: a page slug, or a page *set* (``area:pnl``, ``tag:sales``)
that covers every report of that area or tag, those added later included.

Users (and role templates) store grants; the pages a signed-in user may open are
resolved from them against the catalog of the running app.
"""

from __future__ import annotations

from collections.abc import Iterable

from queries.areas import AREAS, SYSTEM_AREA, TAG_TITLES
from queries.catalog import CATALOG
from queries.menu import page_by_slug, pages

AREA_PREFIX = "area:"
TAG_PREFIX = "tag:"


def area_grant(key: str) -> str:
    return AREA_PREFIX + key


def tag_grant(tag: str) -> str:
    return TAG_PREFIX + tag


def _tags() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for r in CATALOG.values():
        for t in r.tags:
            found.setdefault(t, set()).add(r.slug)
    return found


def pages_of(grant: str) -> set[str] | None:
    """The page slugs one grant covers; None when it names nothing known."""
    if grant.startswith(AREA_PREFIX):
        key = grant.removeprefix(AREA_PREFIX)
        if key not in {a.key for a in AREAS}:
            return None
        return {p.slug for p in pages() if p.area == key}
    if grant.startswith(TAG_PREFIX):
        tag = grant.removeprefix(TAG_PREFIX)
        return _tags().get(tag, set()) if tag in TAG_TITLES else None
    return {grant} if grant in page_by_slug() else None


def resolve(grants: Iterable[str]) -> frozenset[str]:
    """The pages the grants open (unknown grants open nothing)."""
    return frozenset(slug for g in grants for slug in (pages_of(g) or ()))


def unknown(grants: Iterable[str]) -> list[str]:
    return sorted(g for g in grants if pages_of(g) is None)


def set_choices() -> list[tuple[str, str]]:
    """The page sets an administrator may grant, with their Chinese labels."""
    areas = [(area_grant(a.key), f"整个{a.title} (" + (
        "全部管理页面" if a.key == SYSTEM_AREA else "含新增报表") + ")") for a in AREAS]
    tags = [(tag_grant(t), f"{title} (含新增报表)") for t, title in TAG_TITLES.items()]
    return areas + tags
