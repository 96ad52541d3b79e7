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


def _home_clusters(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """For numbers that several clusters hold equally many records of: the clusters
    whose anchor the number was derived from."""
    contested = con.execute("""
        WITH top AS (SELECT master_no, max(n) AS n FROM _votes GROUP BY master_no)
        SELECT v.cluster, v.master_no, a.anchor FROM _votes v
        JOIN top t ON t.master_no = v.master_no AND t.n = v.n
        JOIN _anchor a USING (cluster)
        WHERE v.master_no IN (SELECT master_no FROM _votes v2 JOIN top t2 USING (master_no)
                              WHERE v2.n = t2.n GROUP BY master_no HAVING count(*) > 1)
        """).fetchall()
    return {cluster: number for cluster, number, anchor in contested
            if derived_number(anchor) == number}


def assign_numbers(con: duckdb.DuckDBPyConnection, clusters: str,
                   previous: str | None) -> pa.Table:
    """``clusters`` (rk, cluster) and ``previous`` (rk, master_no) table names →
    (cluster, master_no) for every cluster."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _anchor AS
        SELECT cluster, min(rk) AS anchor, count(*) AS n FROM {clusters} GROUP BY cluster""")
    kept: dict[int, str] = {}
    if previous is not None:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _votes AS
            SELECT c.cluster, p.master_no, count(*) AS n
            FROM {clusters} c JOIN {previous} p USING (rk) GROUP BY ALL""")
        home = _home_clusters(con)
        con.register("_home", pa.table({"cluster": pa.array(list(home), pa.int64()),
                                        "master_no": pa.array(list(home.values()),
                                                              pa.string())}))
        rows = con.execute("""
            WITH votes AS (
                SELECT v.*, (h.cluster IS NOT NULL)::INT AS home FROM _votes v
                LEFT JOIN _home h USING (cluster, master_no)),
            owner AS (  -- each old number goes to the cluster holding most of its records
                        -- (on a tie, the one whose anchor it was derived from: an undone
                        -- merge gives both customers their numbers back)
                SELECT master_no, arg_max(cluster, n * 1e12 + home * 1e10 - cluster)
                           AS cluster, max(n) AS n
                FROM votes GROUP BY master_no)
            SELECT cluster, arg_max(master_no, n * 1e12 - hash(master_no) % 1000000)
            FROM owner GROUP BY cluster""").fetchall()
        con.unregister("_home")
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
