"""Connected components with the constraints people and decisive rules impose.

Edges are offered in priority order (forced merges, then each rule, then the model's
pairs by falling score); an edge is refused when it would put two different valid
values of a decisive field (two 身份证) or a "not the same" pair into one customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class ConstrainedClusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        # root → {(field, kind): {values}} for fields some decisive rule uses
        self.values: dict[int, dict[tuple[str, str], set[str]]] = {}
        # root → nodes it must never be with
        self.apart: dict[int, set[int]] = {}
        self.detached: set[int] = set()
        self.refused = 0

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def set_value(self, node: int, field: str, kind: str, value: str) -> None:
        self.values.setdefault(node, {}).setdefault((field, kind), set()).add(value)

    def keep_apart(self, a: int, b: int) -> None:
        self.apart.setdefault(a, set()).add(b)
        self.apart.setdefault(b, set()).add(a)

    def _conflict(self, ra: int, rb: int, fields: Sequence[str]) -> bool:
        va, vb = self.values.get(ra), self.values.get(rb)
        if va and vb and fields:
            for key, values in va.items():
                if key[0] in fields and key in vb and values.isdisjoint(vb[key]):
                    return True
        for x, y in ((ra, rb), (rb, ra)):
            enemies = self.apart.get(x)
            if enemies and any(self.find(e) == y for e in enemies):
                return True
        return False

    def union(self, a: int, b: int, decisive: Sequence[str] = (), forced: bool = False) -> bool:
        if not forced and (a in self.detached or b in self.detached):
            return False
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not forced and self._conflict(ra, rb, decisive):
            self.refused += 1
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        for store in (self.values, self.apart):
            moved = store.pop(rb, None)
            if moved is None:
                continue
            if store is self.values:
                mine = self.values.setdefault(ra, {})
                for key, vals in moved.items():
                    mine.setdefault(key, set()).update(vals)
            else:
                self.apart.setdefault(ra, set()).update(moved)
        return True

    def union_all(self, pairs: Iterable[tuple[int, int]], decisive: Sequence[str] = (),
                  forced: bool = False) -> int:
        return sum(self.union(a, b, decisive, forced) for a, b in pairs)

    def roots(self) -> list[int]:
        return [self.find(x) for x in range(len(self.parent))]
