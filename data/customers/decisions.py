"""Decisions data stewards made, re-applied on every resolution.

A forced merge wins over everything; "not the same" keeps two records (and the
customers they end up in) apart from automatic links; a detached record is linked
by forced merges only (it was split out of a customer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MERGE = "merge"
NOT_SAME = "not_same"
DETACH = "detach"


@dataclass(frozen=True, order=True)
class RecordRef:
    customer_code: str
    source_system: str = ""


@dataclass(frozen=True)
class Decisions:
    merges: tuple[tuple[RecordRef, RecordRef], ...] = ()
    not_same: tuple[tuple[RecordRef, RecordRef], ...] = ()
    detached: tuple[RecordRef, ...] = ()

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Decisions:
        """Rows as the store will keep them: ``decision`` (merge / not_same / detach),
        ``customer_code_a``, ``source_system_a`` and, for pairs, ``…_b``."""
        merges, apart, detached = [], [], []
        for row in rows:
            a = RecordRef(str(row["customer_code_a"]), str(row.get("source_system_a") or ""))
            kind = row["decision"]
            if kind == DETACH:
                detached.append(a)
                continue
            b = RecordRef(str(row["customer_code_b"]), str(row.get("source_system_b") or ""))
            if kind == MERGE:
                merges.append((a, b))
            elif kind == NOT_SAME:
                apart.append((a, b))
            else:
                raise ValueError(f"未知的人工决定 {kind!r} (应为 merge / not_same / detach)")
        return cls(tuple(merges), tuple(apart), tuple(detached))

    def refs(self) -> set[RecordRef]:
        pairs = self.merges + self.not_same
        return {r for pair in pairs for r in pair} | set(self.detached)


NO_DECISIONS = Decisions()
