"""The 统一客户号 beside each customer of a plan or a note: a store customer's from its
code, a prospect's from the record the load after it was entered made of it (None
until then, or for a note without customer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engines.base import Engine
from ops.worklog_prospects import prospect_code
from queries.worklog_store import master_numbers


def record_code(customer_code: str | None, customer_name: str | None,
                prospect_kind: str | None, user_id: int) -> str | None:
    """The 客户代码 of the customer record a plan's or note's customer is."""
    if customer_code:
        return customer_code
    return prospect_code(user_id, customer_name) if prospect_kind and customer_name else None


def add_master_numbers(engine: Engine, items: Sequence[dict[str, Any]],
                       codes: Sequence[str | None]) -> None:
    """Set ``master_no`` of each item to the number of its record code (one store query)."""
    numbers = master_numbers(engine, [c for c in codes if c])
    for item, code in zip(items, codes, strict=True):
        item["master_no"] = numbers.get(code) if code else None
