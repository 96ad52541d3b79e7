"""The opening screen of a summary of one group per person, policy or receipt, ranked at
load time.

Such a summary opens on the top groups by its main measure over hundreds of thousands
of groups: aggregating and ranking them all is most of a request. The answer of that
statement for the page's opening filters, for the whole company and (on the summary a
page opens on) for each branch, is kept in a small table of the store (the top
``OPENING_GROUPS`` + 1 groups and the totals row of each, numbered by ``opening__``),
listed in ``summary_openings`` under the fingerprint of the statement whose answer it
is. A request whose statement has the same fingerprint (same report, summary, filters,
scope, settings, order; the statement of the code that serves it) and asks for no more
groups reads the table. The company's opening of at most ``COMPLETE_GROUPS`` groups is
kept whole too, under the fingerprint of the statement of every group in no order: a
request for the same filters in any order reads it. Any other runs the statement.
"""

from __future__ import annotations

import hashlib
import threading

from cachetools import LRUCache, cached

from engines.base import Engine
from queries.spec import Report, Summary
from queries.sql_parts import Statement
from queries.store import run, store_key, table_columns

INDEX = "summary_openings"
# As many groups as a page shows (queries.summary.SUMMARY_GROUPS_SHOWN, which imports
# this module).
OPENING_GROUPS = 5_000
# An opening of at most this many groups is also kept whole, in no order: a request for
# its top groups in any other order (the 20 worst 赔付率) sorts the kept rows.
COMPLETE_GROUPS = 20_000
# The ``groups`` of a whole opening: any request's count of groups can read it.
EVERY_GROUP = 2**31 - 1


def table_name(report: Report, summary: Summary) -> str:
    return f"opening_{report.slug}_{summary.key}".replace("-", "_")


def fingerprint(st: Statement) -> str:
    """The statement's text and parameters, hashed: equal only for the same answer."""
    text = st.text
    params = repr(sorted(st.params.items()))
    return hashlib.sha256(f"{text}\x00{params}".encode()).hexdigest()


@cached(LRUCache(maxsize=16), key=store_key, lock=threading.Lock())
def _stored(engine: Engine) -> dict[str, tuple[str, int, int]]:
    """{fingerprint: (table, opening, groups)} of the served store; empty for a store
    built before openings were kept as they are now."""
    if not {"fingerprint", "table_name", "opening", "groups"} <= \
            table_columns(engine).get(INDEX, set()):
        return {}
    st = Statement(f"SELECT fingerprint, table_name, opening, groups FROM {INDEX}", {})
    return {f: (t, int(o), int(g)) for f, t, o, g in run(engine, st)[1]}


def stored_opening(engine: Engine, ranked: Statement, max_groups: int
                   ) -> tuple[str, int] | None:
    """The table and opening number holding the answer of ``ranked`` (the statement of
    the top ``OPENING_GROUPS`` groups), when a request for ``max_groups`` groups can
    read it."""
    found = _stored(engine).get(fingerprint(ranked))
    if found is None or max_groups > found[2]:
        return None
    return found[0], found[1]
