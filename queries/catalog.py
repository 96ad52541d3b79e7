"""The report catalog: every declaration, checked when it loads.

A wrong column, filter or drill key fails here, at start-up and in a test; pages,
API, exports and tests are generated from ``CATALOG``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace

import sqlglot
from sqlglot import exp

import queries.reports
from data.schema import PERSONAL_COLUMNS
from queries import borrowed, mirror
from queries.areas import REPORT_AREAS, TAG_TITLES
from queries.filter_kinds import KINDS
from queries.spec import Col, Report


def _declared() -> tuple[Report, ...]:
    """Every report declared in a module of ``queries/reports``, in REPORTS.md order:
    declaring a report there is all it takes to add it."""
    found = {id(v): v for m in pkgutil.iter_modules(queries.reports.__path__)
             for v in vars(importlib.import_module(f"queries.reports.{m.name}")).values()
             if isinstance(v, Report)}
    return tuple(sorted(found.values(), key=lambda r: tuple(map(int, r.number.split(".")))))


def key_columns_first(r: Report) -> Report:
    """``r`` with its key columns right after the identifying first detail column."""
    keys = [k for k in r.key_columns if k in {c.key for c in r.detail[1:]}]
    if not keys:
        return r
    by_key = {c.key: c for c in r.detail}
    rest = [c for c in r.detail[1:] if c.key not in keys]
    return replace(r, detail=(r.detail[0], *(by_key[k] for k in keys), *rest))


ALL_REPORTS: tuple[Report, ...] = tuple(borrowed.resolve(key_columns_first(r))
                                        for r in _declared())


class CatalogError(ValueError):
    pass


def column_names(expression: str) -> set[str]:
    """The source columns an expression of the catalog reads (``month(receipt_date)``)."""
    if expression.isidentifier():
        return {expression}
    tree = sqlglot.parse_one(expression.replace("{asof}", "NULL"), read="duckdb")
    return {c.name for c in tree.find_all(exp.Column)}


def reads_personal(source: str, c: Col) -> bool:
    """A detail column shows a field of ``data.schema.PERSONAL_COLUMNS`` (itself or
    through its lookup)."""
    if c.lookup is not None:
        return c.lookup.column in PERSONAL_COLUMNS.get(c.lookup.table, ())
    return c.source_column in PERSONAL_COLUMNS.get(source, ())


def _heading_problems(r: Report) -> list[str]:
    """Area, tags, number and title, and the personal fields its detail declares."""
    problems: list[str] = []
    if r.area not in REPORT_AREAS:
        problems.append(f"{r.slug}: area {r.area!r} is not a report area of queries/areas.py")
    problems += [f"{r.slug}: tag {t!r} is not one of queries/areas.py TAG_TITLES"
                 for t in r.tags if t not in TAG_TITLES]
    if not r.number or not all(n.isdigit() for n in r.number.split(".")) or not r.title:
        problems.append(f"{r.slug}: needs a REPORTS.md number (e.g. 1.1) and a title")
    problems += [f"{r.slug}: detail column {c.key} reads a personal field without personal="
                 for c in r.detail if c.personal is None and reads_personal(r.source, c)]
    return problems


def _filter_problems(r: Report) -> list[str]:
    keys = [f.key for f in r.filters]
    problems = [f"{r.slug}: duplicate filter keys"] if len(keys) != len(set(keys)) else []
    return problems + [
        f"{r.slug}: filter {f.key} has unknown kind {f.kind!r} (queries/filter_kinds.py)"
        for f in r.filters if f.kind not in KINDS]


def _summary_problems(r: Report) -> list[str]:
    dims = {d.key for d in r.dims}
    measures = {m.key for m in r.measures}
    problems: list[str] = []
    for s in r.summaries:
        problems += [f"{r.slug}: summary {s.key} uses unknown dimension {k}"
                     for k in s.dimensions if k not in dims]
        if s.chart and s.chart.x.removesuffix("_label") not in dims:
            problems.append(f"{r.slug}: chart x {s.chart.x} is not a dimension")
        if s.chart:
            problems += [f"{r.slug}: chart y {y} is not a measure" for y in s.chart.y
                         if y not in measures]
    return problems + [f"{r.slug}: free dimension {k} unknown" for k in r.free_dims
                       if k not in dims]


def _detail_problems(r: Report) -> list[str]:
    detail_keys = [c.key for c in r.detail]
    problems = [f"{r.slug}: key column {k} is not a detail column" for k in r.key_columns
                if k not in detail_keys]
    if len(detail_keys) != len(set(detail_keys)):
        problems.append(f"{r.slug}: duplicate detail column keys")
    return problems


def _measure_problems(r: Report) -> list[str]:
    measures = {m.key for m in r.measures}
    problems: list[str] = []
    for m in r.measures:
        if m.kind in {"ratio", "diff"} and (m.numerator not in measures
                                             or m.denominator not in measures):
            problems.append(f"{r.slug}: ratio {m.key} refers to unknown measures")
        if m.kind not in {"count", "ratio", "diff"} and not m.column:
            problems.append(f"{r.slug}: measure {m.key} needs a column")
        if m.period is not None and not any(f.key == m.period and f.op in {"ytd", "<="}
                                            and f.required for f in r.filters):
            problems.append(f"{r.slug}: measure {m.key} needs a required period filter")
    return problems


def _column_problems(r: Report, columns: dict[str, set[str]]) -> list[str]:
    """The SQL names the declaration reads, against the store's tables and columns."""
    have = columns.get(r.source)
    if have is None:
        return [f"{r.slug}: source {r.source} is not in the store"]
    # A summary groups and sums stored columns only (a borrowed one is looked up).
    grouped = {name for e in [*(d.column for d in r.dims),
                              *(m.column for m in r.measures if m.column)]
               for name in column_names(e)}
    borrowed_problems = [f"{r.slug}: dimension or measure on borrowed column {c} "
                         "(queries/borrowed.py)"
                         for c in sorted(grouped & borrowed.names(r.source))]
    have = have | borrowed.names(r.source)
    expressions = [r.id_column, *(f.column for f in r.filters),
                   *(d.column for d in r.dims), *(m.column for m in r.measures if m.column),
                   *(c for c, _ in r.order), *(c.source_column for c in r.detail)]
    used = {name for e in expressions for name in column_names(e)}
    if r.scoped:
        used |= {r.scope.branch, r.scope.department, r.scope.self_}
    problems = [*borrowed_problems,
                *(f"{r.slug}: column {c} not in {r.source}" for c in sorted(used - have))]
    return problems + [f"{r.slug}: lookup {c.lookup.table}.{c.lookup.column} missing"
                       for c in r.detail
                       if c.lookup and c.lookup.column not in columns.get(c.lookup.table, set())]


def check_report(r: Report, columns: dict[str, set[str]] | None = None) -> list[str]:
    """Problems of one declaration; with ``columns`` (table → columns) also its SQL names."""
    problems = [*_heading_problems(r), *_filter_problems(r), *_summary_problems(r),
                *_detail_problems(r), *_measure_problems(r)]
    if not r.summaries:
        problems.append(f"{r.slug}: no summary")
    if (r.source in mirror.names()) != (r.store == "operational"):
        problems.append(f"{r.slug}: source {r.source} is written data exactly when "
                        "store='operational' (queries/mirror.py)")
    if columns is not None:
        problems += _column_problems(r, columns)
    return problems


def validate(reports: tuple[Report, ...], columns: dict[str, set[str]] | None = None) -> None:
    problems = [p for r in reports for p in check_report(r, columns)]
    slugs = [r.slug for r in reports]
    if len(slugs) != len(set(slugs)):
        problems.append("duplicate report slugs")
    if problems:
        raise CatalogError("报表目录有误:\n" + "\n".join(problems))


validate(ALL_REPORTS)
CATALOG: dict[str, Report] = {r.slug: r for r in ALL_REPORTS}


def register(report: Report) -> None:
    """Add a report declared elsewhere (a test, an extension) to the running catalog:
    checked like the others, then in ``CATALOG`` and ``ALL_REPORTS`` for whatever is
    built or collected afterwards (pages, menu, API, grants, test loops)."""
    global ALL_REPORTS  # noqa: PLW0603 - the catalog is this module's state
    report = borrowed.resolve(key_columns_first(report))
    validate((*ALL_REPORTS, report))
    ALL_REPORTS = (*ALL_REPORTS, report)
    CATALOG[report.slug] = report


def get_report(slug: str) -> Report:
    return CATALOG[slug]
