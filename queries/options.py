"""Choice lists of filters, read from the store once per store file, and narrowed to
what the user may see: a branch manager is offered his branch and its departments, and
归属部门 follows the 归属支公司 chosen."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from engines.base import Engine
from queries import engine as reporting
from queries import mirror
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.spec import Filter, Report
from queries.store import store_identity

Row = tuple[str, str, str | None]  # value, label, parent value


@lru_cache(maxsize=512)
def _options(engine: Engine, identity: tuple[object, ...], slug: str, key: str
             ) -> tuple[Row, ...]:
    return tuple(reporting.filter_option_rows(engine, CATALOG[slug], key))


def option_rows(engine: Engine, report: Report, key: str) -> list[Row]:
    table = next((f.options.table for f in report.filters if f.key == key and f.options), None)
    # Options read from written data follow its writes, the others the store's swaps.
    ident = mirror.identity(engine.settings) if table in mirror.names() else store_identity(engine)
    return list(_options(engine, ident, report.slug, key))


def cached_options(engine: Engine, report: Report, key: str) -> list[tuple[str, str]]:
    return [(v, lbl) for v, lbl, _ in option_rows(engine, report, key)]


def _scope_values(engine: Engine, report: Report, f: Filter, viewer: Viewer
                  ) -> set[str] | None:
    """The option values the user's scope holds, or None when the scope does not limit
    this filter (company, or a filter on neither branch nor department)."""
    scope = viewer.scope
    if not report.scoped or scope.level in {"company", "self"}:
        return None
    if f.column == report.scope.branch:
        if scope.level == "branch":
            return {str(scope.branch_id)}
        dept = next((f2 for f2 in report.filters if f2.column == report.scope.department), None)
        parents = {p for v, _, p in option_rows(engine, report, dept.key)
                   if v == str(scope.dept_id)} if dept else set()
        return {p for p in parents if p} or None
    if f.column == report.scope.department:
        if scope.level == "department":
            return {str(scope.dept_id)}
        return {v for v, _, p in option_rows(engine, report, f.key)
                if p == str(scope.branch_id)}
    return None


def scoped_options(engine: Engine, report: Report, f: Filter, viewer: Viewer,
                   parents: Iterable[str] = ()) -> list[dict[str, str]]:
    """The choices offered: within the user's scope, and within the parent filter's
    chosen values (归属部门 of the chosen 归属支公司) when any are chosen."""
    allowed = _scope_values(engine, report, f, viewer)
    chosen = set(parents)
    return [{"value": v, "label": lbl} for v, lbl, parent in option_rows(engine, report, f.key)
            if (allowed is None or v in allowed) and (not chosen or parent in chosen)]
