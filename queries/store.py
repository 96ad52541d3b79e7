"""Where the catalog's statements run: the engine serving the store (``engines``), or,
for a statement that reads written data, the mirror beside it (``queries.mirror``).

``run`` is the one dispatch point from a statement to the engine that answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from data.settings import Settings
from engines import engine_for, when_new_store
from engines.base import Rows, StoreIdentity
from queries import mirror

if TYPE_CHECKING:
    from queries.sql import Statement


def _warm(settings: Settings) -> None:
    from queries.warm import warm  # warm runs the catalog's statements through this module

    warm(settings, summaries_s=settings.warm_seconds)


when_new_store(_warm)


def run(settings: Settings, statement: Statement) -> Rows:
    """Column names and rows of a catalog statement on the configured engine; one that
    reads a table of the mirror (written data) runs there."""
    if mirror.reads_mirror(statement.expression):
        return mirror.run(settings, statement)
    return engine_for(settings).run(statement)


def store_identity(settings: Settings) -> StoreIdentity:
    """Changes whenever a new store is served (keys caches of options and results)."""
    return engine_for(settings).identity()


def store_key(settings: Settings) -> tuple[object, ...]:
    """Which engine, store and version: the part of a cache key that names the data."""
    return engine_for(settings).store_key()


def table_columns(settings: Settings) -> dict[str, set[str]]:
    """Every table a catalog statement may name and its columns: the store's and the
    mirror's."""
    return {**engine_for(settings).table_columns(), **mirror.columns(settings)}
