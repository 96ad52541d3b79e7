"""Columns a rollup does not store but its reports still show, filter and sort by.

Numbers and names copied into every fact (保单号, 投保人/被保险人 names and codes …)
were most of the store's bytes. A rollup keeps only the integer key of the row that
holds such a value (policy_id, insured_id …) and an integer column ordering its rows as
the value does; reports keep declaring the column by its name, and:

- a list shows it looked up for the page's rows (``Col.lookup``, as any name);
- a filter on it becomes a semi-join on the table holding it
  (``policy_id IN (SELECT policy_id FROM policy WHERE policy_no ILIKE …)``);
- a sort by it sorts by its order column (keyset paging over integers).

The declarations are the catalog's (SQL names); the rollups (``data/rollups.py``) drop
the columns and write the order columns of the same names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from queries.spec import Col, Lookup, Report


@dataclass(frozen=True)
class Borrowed:
    name: str  # the column's name in the reports, e.g. policy_no
    key: str  # the rollup's column holding the lookup table's key, e.g. policy_id
    lookup: Lookup  # where the value lives (policy.policy_no by policy_id)
    order: str  # the rollup's integer column sorting its rows as the value does
    # The key may be NULL (a proposal not converted to a policy): the value is NULL then.
    nullable: bool = False


POLICY = Lookup("policy", "policy_id", "policy_no")
CUSTOMER_CODE = Lookup("customer", "customer_id", "customer_code")
CUSTOMER_NAME = Lookup("customer", "customer_id", "customer_name")


def _customer(role: str) -> tuple[Borrowed, Borrowed]:
    """A party's 客户代码 and name, by its customer id (insured_id, applicant_id)."""
    return (Borrowed(f"{role}_code", f"{role}_id", CUSTOMER_CODE, f"{role}_code_order"),
            Borrowed(f"{role}_name", f"{role}_id", CUSTOMER_NAME, f"{role}_name_order"))


VEHICLE = "vehicle", "vehicle_id"

# Rollup → the columns it borrows. A number or name a summary groups by stays stored
# (receipt_fact's insured, policy_pnl's plate), and so does the policy number of the
# smaller facts (claims, receipts …): a filter on it there reads a date's rows only,
# which the semi-join over every policy would be slower than.
BORROWED: dict[str, tuple[Borrowed, ...]] = {
    "proposal_fact": (Borrowed("policy_no", "policy_id", POLICY, "policy_no_order",
                               nullable=True),
                      *_customer("applicant"), *_customer("insured")),
    "policy_pnl": (
        Borrowed("vin", "vehicle_id", Lookup(*VEHICLE, "vin"), "vin_order", nullable=True),
        Borrowed("engine_no", "vehicle_id", Lookup(*VEHICLE, "engine_no"), "engine_no_order",
                 nullable=True),
        _customer("applicant")[0],
    ),
}


def borrowed(source: str) -> dict[str, Borrowed]:
    return {b.name: b for b in BORROWED.get(source, ())}


def names(source: str) -> set[str]:
    """The columns ``source`` shows without storing them."""
    return set(borrowed(source))


def of_column(source: str, col: Col) -> Borrowed | None:
    """The borrowed column a detail column of ``source`` shows, if any."""
    found = borrowed(source)
    b = found.get(col.key)
    return b if b is not None and col.lookup == b.lookup and col.column == b.key else None


def resolve(report: Report) -> Report:
    """``report`` with each detail column of a borrowed column turned into its lookup."""
    found = borrowed(report.source)
    if not found:
        return report
    detail = tuple(
        replace(c, column=found[c.source_column].key, lookup=found[c.source_column].lookup)
        if c.lookup is None and c.source_column in found and c.key == c.source_column else c
        for c in report.detail)
    return replace(report, detail=detail)


def order_column(source: str, column: str) -> str:
    """The column a sort by ``column`` of ``source`` uses."""
    b = borrowed(source).get(column)
    return b.order if b is not None else column


_IDENT = re.compile(r"\b[a-z_][a-z0-9_]*\b")


def _renamed(c: Any, name: str, to: str) -> Any:
    """Condition ``c`` with the column ``name`` read as ``to`` (its AND/OR parts too)."""
    if c.op in {"and", "or"}:
        return replace(c, value=tuple(_renamed(p, name, to) for p in c.value))
    return replace(c, column=re.sub(rf"\b{name}\b", to, c.column))


def _null_passes(c: Any) -> bool:
    """Whether a NULL value can pass condition ``c`` (only then does a NULL key count)."""
    if c.op == "and":
        return all(_null_passes(p) for p in c.value)
    if c.op == "or":
        return any(_null_passes(p) for p in c.value)
    return c.op in {"is_null", "blank", "not_ilike"}


def _semi_join(c: Any, found: dict[str, Borrowed]) -> Any:
    if c.op in {"and", "or"}:  # each part on its own column (exact: a key has one value)
        return replace(c, value=tuple(_semi_join(p, found) for p in c.value))
    hit = [found[n] for n in _IDENT.findall(c.column) if n in found]
    if not hit:
        return c
    b = hit[0]
    on_table = _renamed(c, b.name, b.lookup.column)
    on_null = _renamed(c, b.name, "NULL") if b.nullable and _null_passes(c) else None
    return replace(c, column=b.key, op="semi", value=(b.lookup, on_table, on_null))


def semi_joins(source: str, conditions: list[Any]) -> list[Any]:
    """``conditions`` (``queries.sql.Condition``) with each one on a borrowed column of
    ``source`` made a semi-join on the table holding it (op ``semi``: the key, the
    lookup, the condition on the table's column, and for a nullable key the condition on
    NULL when a NULL can pass it)."""
    found = borrowed(source)
    return [_semi_join(c, found) for c in conditions] if found else conditions
