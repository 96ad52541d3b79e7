"""统一客户号: one number per master customer, stable across loads.

A customer keeps the number most of its records had last time (a split leaves the
number with the larger part, a merge keeps the number of the larger customer); a new
customer's number is derived from its anchor record (the smallest record key), so
re-resolving an unchanged book without history gives the same numbers as well.
"""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

PREFIX = "KH"
DIGITS = 14


def derived_number(anchor: str, salt: int = 0) -> str:
    text = anchor if salt == 0 else f"{anchor}#{salt}"
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
    return f"{PREFIX}{value % 10**DIGITS:0{DIGITS}d}"


def assign_numbers(con: duckdb.DuckDBPyConnection, clusters: str,
                   previous: str | None) -> pa.Table:
    """``clusters`` (rk, cluster) and ``previous`` (rk, master_no) table names →
    (cluster, master_no) for every cluster."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _anchor AS
        SELECT cluster, min(rk) AS anchor, count(*) AS n FROM {clusters} GROUP BY cluster""")
    kept: dict[int, str] = {}
    if previous is not None:
        rows = con.execute(f"""
            WITH votes AS (
                SELECT c.cluster, p.master_no, count(*) AS n
                FROM {clusters} c JOIN {previous} p USING (rk) GROUP BY ALL),
            owner AS (  -- each old number goes to the cluster holding most of its records
                SELECT master_no, arg_max(cluster, n * 1e12 - cluster) AS cluster,
                       max(n) AS n
                FROM votes GROUP BY master_no)
            SELECT cluster, arg_max(master_no, n * 1e12 - hash(master_no) % 1000000)
            FROM owner GROUP BY cluster""").fetchall()
        kept = {c: m for c, m in rows}
        # A number given up by a merge is never handed to another customer.
        retired = {m for (m,) in con.execute(
            f"SELECT DISTINCT master_no FROM {previous}").fetchall()}
    used = set(kept.values()) | (retired if previous is not None else set())
    anchors = con.execute("SELECT cluster, anchor FROM _anchor ORDER BY anchor").fetchall()
    clusters_out, numbers = [], []
    for cluster, anchor in anchors:
        number = kept.get(cluster)
        if number is None:
            salt = 0
            number = derived_number(anchor)
            while number in used:
                salt += 1
                number = derived_number(anchor, salt)
            used.add(number)
        clusters_out.append(cluster)
        numbers.append(number)
    return pa.table({"cluster": pa.array(clusters_out, pa.int64()),
                     "master_no": pa.array(numbers, pa.string())})
