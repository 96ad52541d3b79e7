"""Choice lists of filters, read from the store once per store file."""

from __future__ import annotations

from functools import lru_cache

from data.settings import Settings
from queries import engine
from queries.catalog import CATALOG
from queries.spec import Report
from queries.store import store_identity


@lru_cache(maxsize=512)
def _options(settings: Settings, identity: tuple[int, int], slug: str, key: str
             ) -> tuple[tuple[str, str], ...]:
    return tuple(engine.filter_options(settings, CATALOG[slug], key))


def cached_options(settings: Settings, report: Report, key: str) -> list[tuple[str, str]]:
    return list(_options(settings, store_identity(settings), report.slug, key))
