"""Where the catalog's statements run: the engine serving the store (``engines``), or,
for a statement that reads written data, the mirror beside it (``queries.mirror``).

``run`` is the one dispatch point from a statement to the engine that answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engines import when_new_store
from engines.base import Engine, Rows, StoreIdentity
from queries import mirror

if TYPE_CHECKING:
    from queries.sql import Statement


def _warm(engine: Engine) -> None:
    from queries.warm import warm  # warm runs the catalog's statements through this module

    warm(engine, summaries_s=engine.settings.warm_seconds)


when_new_store(_warm)


def run(engine: Engine, statement: Statement) -> Rows:
    """Column names and rows of a catalog statement on the configured engine; one that
    reads a table of the mirror (written data) runs there."""
    if mirror.reads_mirror(statement.text):
        return mirror.run(engine.settings, statement)
    return engine.run(statement)


def store_identity(engine: Engine) -> StoreIdentity:
    """Changes whenever a new store is served (keys caches of options and results)."""
    return engine.identity()


def store_key(engine: Engine) -> tuple[object, ...]:
    """Which engine, store and version: the part of a cache key that names the data."""
    return engine.store_key()


def table_columns(engine: Engine) -> dict[str, set[str]]:
    """Every table a catalog statement may name and its columns: the store's and the
    mirror's."""
    return {**engine.table_columns(), **mirror.columns(engine.settings)}
