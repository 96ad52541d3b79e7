"""The report catalog: every declaration, checked when it loads.

A wrong column, filter or drill key fails here, at start-up and in a test; pages,
API, exports and tests are generated from ``CATALOG``.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from queries.menu import PAGE_BY_SLUG
from queries.reports import claims, finance, pnl, property, receivable, underwriting
from queries.spec import Report

ALL_REPORTS: tuple[Report, ...] = (
    underwriting.PROPOSAL_STATUS,
    underwriting.LAPSED_AUTO,
    property.PROPERTY_POLICIES,
    property.PROPERTY_ENDORSEMENTS,
    property.PROPERTY_RISK,
    property.PREMIUM_RECEIVED_MONTHLY,
    property.PREMIUM_RECEIVED_DAILY,
    claims.CLAIM_CYCLE,
    claims.CLAIMS_UNREGISTERED,
    claims.CLAIMS_OPEN,
    pnl.PNL_INSURED,
    pnl.PNL_AUTO_POLICY,
    pnl.PNL_VEHICLE,
    pnl.PNL_AUTO_HANDLER,
    pnl.PNL_AUTO_AGENT,
    pnl.PNL_AUTO_CUBE,
    pnl.PNL_PROPERTY_POLICY,
    pnl.PNL_PROPERTY_HANDLER,
    pnl.PNL_PROPERTY_AGENT,
    receivable.RECEIVABLE_BRANCH,
    receivable.RECEIVABLE_PERSON,
    receivable.RECEIVABLE_BY_BUSINESS,
    receivable.RECEIVABLE_BY_PAYMENT,
    receivable.RECEIVABLE_POLICIES,
    receivable.EFFECTIVE_POLICIES,
    finance.EXCHANGE_RATES,
    finance.COMMISSION_SUMMARY,
    finance.COMMISSION_LIST,
)


class CatalogError(ValueError):
    pass


def column_names(expression: str) -> set[str]:
    """The source columns an expression of the catalog reads (``month(receipt_date)``)."""
    if expression.isidentifier():
        return {expression}
    tree = sqlglot.parse_one(expression.replace("{asof}", "NULL"), read="duckdb")
    return {c.name for c in tree.find_all(exp.Column)}


def check_report(r: Report, columns: dict[str, set[str]] | None = None) -> list[str]:
    """Problems of one declaration; with ``columns`` (table → columns) also its SQL names."""
    problems: list[str] = []
    if r.slug not in PAGE_BY_SLUG:
        problems.append(f"{r.slug}: not a page of queries/menu.py")
    keys = [f.key for f in r.filters]
    if len(keys) != len(set(keys)):
        problems.append(f"{r.slug}: duplicate filter keys")
    dims = {d.key for d in r.dims}
    measures = {m.key: m for m in r.measures}
    for s in r.summaries:
        problems += [f"{r.slug}: summary {s.key} uses unknown dimension {k}"
                     for k in s.dimensions if k not in dims]
        if s.chart and s.chart.x.removesuffix("_label") not in dims:
            problems.append(f"{r.slug}: chart x {s.chart.x} is not a dimension")
        if s.chart:
            problems += [f"{r.slug}: chart y {y} is not a measure" for y in s.chart.y
                         if y not in measures]
    problems += [f"{r.slug}: free dimension {k} unknown" for k in r.free_dims if k not in dims]
    for m in r.measures:
        if m.kind in {"ratio", "diff"} and (m.numerator not in measures
                                             or m.denominator not in measures):
            problems.append(f"{r.slug}: ratio {m.key} refers to unknown measures")
        if m.kind not in {"count", "ratio", "diff"} and not m.column:
            problems.append(f"{r.slug}: measure {m.key} needs a column")
        if m.period is not None and not any(f.key == m.period and f.op in {"ytd", "<="}
                                            and f.required for f in r.filters):
            problems.append(f"{r.slug}: measure {m.key} needs a required period filter")
    if not r.summaries:
        problems.append(f"{r.slug}: no summary")
    if columns is not None:
        have = columns.get(r.source)
        if have is None:
            return [*problems, f"{r.slug}: source {r.source} is not in the store"]
        expressions = [r.id_column, *(f.column for f in r.filters),
                       *(d.column for d in r.dims), *(m.column for m in r.measures if m.column),
                       *(c for c, _ in r.order), *(c.source_column for c in r.detail)]
        used = {name for e in expressions for name in column_names(e)}
        if r.scoped:
            used |= {r.scope.branch, r.scope.department, r.scope.self_}
        problems += [f"{r.slug}: column {c} not in {r.source}" for c in sorted(used - have)]
        for c in r.detail:
            if c.lookup and c.lookup.column not in columns.get(c.lookup.table, set()):
                problems.append(f"{r.slug}: lookup {c.lookup.table}.{c.lookup.column} missing")
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


def get_report(slug: str) -> Report:
    return CATALOG[slug]
