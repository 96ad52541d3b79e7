"""Connected components with the constraints people and decisive rules impose.

Edges are offered in priority order (forced merges, then each rule, then the model's
pairs by falling score); an edge is refused when it would put two different valid
values of a decisive field (two 身份证) or a "not the same" pair into one customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Key = tuple[str, str]  # (field, kind of value): a 身份证 never conflicts with a 护照


class ConstrainedClusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        # A component's decisive values: one (key, value) in ``single`` (the usual case,
        # kept as a tuple because most components never hold two), else a dict in ``multi``.
        self.single: dict[int, tuple[Key, str]] = {}
        self.multi: dict[int, dict[Key, set[str]]] = {}
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

    def set_values(self, nodes: Sequence[int], field: str, kinds: Sequence[str],
                   values: Sequence[str]) -> None:
        """Give single nodes (before any union) their value of a decisive field."""
        for node, kind, value in zip(nodes, kinds, values, strict=True):
            key = (field, kind)
            held = self.single.pop(node, None)
            if held is None and node not in self.multi:
                self.single[node] = (key, value)
                continue
            merged = self.multi.setdefault(node, {})
            if held is not None:
                merged.setdefault(held[0], set()).add(held[1])
            merged.setdefault(key, set()).add(value)

    def _values(self, root: int) -> dict[Key, set[str]] | None:
        held = self.single.get(root)
        if held is not None:
            return {held[0]: {held[1]}}
        return self.multi.get(root)

    def keep_apart(self, a: int, b: int) -> None:
        self.apart.setdefault(a, set()).add(b)
        self.apart.setdefault(b, set()).add(a)

    def _conflict(self, ra: int, rb: int, fields: Sequence[str]) -> bool:
        if fields:
            sa, sb = self.single.get(ra), self.single.get(rb)
            if sa is not None and sb is not None:
                if sa[0] == sb[0] and sa[1] != sb[1] and sa[0][0] in fields:
                    return True
            elif (ra in self.single or ra in self.multi) and (rb in self.single or
                                                              rb in self.multi):
                # Both hold values here (single or multi): neither is None.
                va, vb = self._values(ra) or {}, self._values(rb) or {}
                for key, values in va.items():
                    if key[0] in fields and key in vb and values.isdisjoint(vb[key]):
                        return True
        for x, y in ((ra, rb), (rb, ra)):
            enemies = self.apart.get(x)
            if enemies and any(self.find(e) == y for e in enemies):
                return True
        return False

    def _merge_values(self, ra: int, rb: int) -> None:
        """ra absorbs rb's decisive values."""
        sa, sb = self.single.get(ra), self.single.pop(rb, None)
        mb = self.multi.pop(rb, None)
        if sb is None and mb is None:
            return
        if mb is None and ra not in self.multi and (sa is None or sa == sb):
            assert sb is not None  # one of the two is held (returned above otherwise)
            self.single[ra] = sb
            return
        merged = self.multi.setdefault(ra, {})
        if sa is not None:
            del self.single[ra]
            merged.setdefault(sa[0], set()).add(sa[1])
        if sb is not None:
            merged.setdefault(sb[0], set()).add(sb[1])
        for key, vals in (mb or {}).items():
            merged.setdefault(key, set()).update(vals)

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
        self._merge_values(ra, rb)
        moved = self.apart.pop(rb, None)
        if moved:
            self.apart.setdefault(ra, set()).update(moved)
        return True

    def union_all(self, pairs: Iterable[tuple[int, int]], decisive: Sequence[str] = (),
                  forced: bool = False) -> int:
        return sum(self.union(a, b, decisive, forced) for a, b in pairs)

    def roots(self) -> list[int]:
        find = self.find
        return [find(x) for x in range(len(self.parent))]
