"""What every engine offers the rest of the product, and what it may offer besides.

An engine runs the catalog's statements (sqlglot expressions in DuckDB's dialect) against
one store and knows everything particular to itself: how to render a statement, its
column types, how a store reaches it, and how to tell one published store from the next.
Optional abilities are asked through ``supports`` (a ``Capability``), never by comparing
engine names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from sqlglot import exp

if TYPE_CHECKING:
    from data.settings import Settings

Row = tuple[Any, ...]
Rows = tuple[list[str], list[Row]]  # column names, rows
StoreIdentity = tuple[int, int]
Log = Callable[[str], None]


class Statement(Protocol):
    """A catalog statement: its DuckDB text, the parsed expression and its bound values
    (``queries.sql``)."""

    @property
    def text(self) -> str: ...

    @property
    def expression(self) -> exp.Expr: ...

    @property
    def params(self) -> dict[str, Any]: ...


class Capability(Enum):
    # A DuckDB cursor for exports: Arrow readers over a statement and ``COPY … TO`` a
    # pipe, so a million-row export streams in constant memory.
    EXPORT_CURSOR = "export_cursor"
    # The store is a local file opened read-only: a swapped-in file is the new store.
    LOCAL_FILE = "local_file"


class Engine(Protocol):
    name: str
    settings: Settings  # the configuration the engine was built with, read by all it serves

    def __hash__(self) -> int: ...  # keys the caches of what it answered

    def run(self, statement: Statement) -> Rows:
        """Column names and rows of a catalog statement."""

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> Rows:
        """Column names and rows of SQL written in this engine's own dialect."""

    def stream(self, statement: Statement, batch_rows: int) -> Iterator[Sequence[Row]]:
        """The statement's rows, ``batch_rows`` at a time, read as they come."""

    def table_columns(self) -> dict[str, set[str]]:
        """Every table of the store and its column names."""

    def column_types(self) -> dict[str, dict[str, str]]:
        """Every table's columns and their types, in this engine's own spelling."""

    def identity(self) -> StoreIdentity:
        """Changes whenever a new store is served (keys caches of options and results)."""

    def store_key(self) -> tuple[Any, ...]:
        """Which engine and store, and which version of it: a cache key."""

    def has_store(self) -> bool:
        """A store is there to serve (the file exists, or something was published)."""

    def publish(self, store: Path, log: Log) -> None:
        """Serve the DuckDB store just built at ``store`` (after an import)."""

    def ensure_published(self, store: Path, log: Log) -> None:
        """At start-up: publish ``store`` if the engine serves nothing yet."""

    def supports(self, capability: Capability) -> bool: ...

    def cursor(self) -> Any:
        """A DuckDB cursor (``Capability.EXPORT_CURSOR`` only)."""


def rendered_text(expression: exp.Expr, key: tuple[Any, ...],
                  render: Callable[[], str]) -> str:
    """The expression's text for one engine and parameter types, kept on the expression:
    parsed statements are cached per text, so a page asked again renders once."""
    texts: dict[tuple[Any, ...], str] = expression.meta.setdefault("rendered", {})
    text = texts.get(key)
    if text is None:
        text = texts[key] = render()
    return text


# --- a new store ---------------------------------------------------------------------------

_new_store_hooks: list[Callable[[Engine], None]] = []


def when_new_store(hook: Callable[[Engine], None]) -> None:
    """Call ``hook(engine)`` (in a thread) when ``engine`` first serves a swapped-in
    store: the app warms it beside the request that noticed."""
    if hook not in _new_store_hooks:
        _new_store_hooks.append(hook)


def new_store_opened(engine: Engine) -> None:
    for hook in _new_store_hooks:
        threading.Thread(target=hook, args=(engine,), daemon=True).start()


# --- identity, once per request ---------------------------------------------------------------

# Keyed by where the store is; the value is that source's identity (an engine's
# ``StoreIdentity``, or a longer tuple for the mirror of the operational store).
_Identities = dict[tuple[Any, ...], tuple[Any, ...]]
_request_identities: ContextVar[_Identities | None] = ContextVar(
    "engine_identities", default=None)
_IdentityT = TypeVar("_IdentityT", bound=tuple[Any, ...])


def begin_request() -> Token[_Identities | None]:
    """From here until ``end_request``, each engine's identity is asked once: a request
    sees one store throughout, and a ClickHouse engine is not asked on every cache lookup."""
    return _request_identities.set({})


def end_request(token: Token[_Identities | None]) -> None:
    _request_identities.reset(token)


@contextmanager
def request_scope() -> Iterator[None]:
    token = begin_request()
    try:
        yield
    finally:
        end_request(token)


def identity_in_request(key: tuple[Any, ...], ask: Callable[[], _IdentityT]) -> _IdentityT:
    known = _request_identities.get()
    if known is None:  # outside a request (a job, start-up): ask every time
        return ask()
    found = known.get(key)
    if found is None:
        found = known[key] = ask()
    return cast(_IdentityT, found)  # one key is always asked by the same ``ask``
