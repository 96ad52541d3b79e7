"""Customer identification: one 统一客户号 per real customer across 核心, 理赔 and 电销.

``resolve(con, records)`` → (Resolution(links, suspects, stats), state);
``resolve_increment(con, state, changed)`` for a T+1 day; ``cleansing_table`` for invalid
records and 业务员客户. Rules and thresholds are a ``MatchConfig``; data stewards'
merges, splits and "not the same" pairs are ``Decisions``.
"""

from data.customers.cleansing import cleansing_table
from data.customers.decisions import NO_DECISIONS, Decisions, RecordRef
from data.customers.increment import resolve_increment
from data.customers.resolve import Resolution, ResolutionState, resolve
from data.customers.rules import DEFAULT_RULES, MatchConfig, MatchRule

__all__ = [
    "DEFAULT_RULES", "NO_DECISIONS", "Decisions", "MatchConfig", "MatchRule", "RecordRef",
    "Resolution", "ResolutionState", "cleansing_table", "resolve", "resolve_increment",
]
