"""Resolution: records → master customers (links) and pairs for review (suspects).

``resolve`` runs a full load; ``data.customers.increment.resolve_increment`` applies one
day's changed records to the state a previous run left in the same DuckDB connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from data.customers.decisions import NO_DECISIONS, Decisions
from data.customers.graph import ConstrainedClusters
from data.customers.model import (
    BLOCK_KEYS,
    MAX_BLOCK_MOBILE,
    MIN_TRAIN_RECORDS,
    default_model,
    score_with_model,
    train_and_score,
)
from data.customers.normalise import normalise_into
from data.customers.numbering import assign_numbers
from data.customers.rules import MatchConfig
from data.customers.suspects import suspects_table
from data.customers.timing import timed

LINKS_SCHEMA = pa.schema([("customer_code", pa.string()), ("source_system", pa.string()),
                          ("master_no", pa.string()), ("linked_by", pa.string())])


@dataclass
class Resolution:
    links: pa.Table  # customer_code, source_system, master_no, linked_by
    suspects: pa.Table  # pairs for review with their evidence
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResolutionState:
    """What an incremental day needs from the last run (tables live in ``con``)."""

    prefix: str
    model: dict[str, Any] | None
    config: MatchConfig


def _store_norm(con: duckdb.DuckDBPyConnection, name: str, records: pa.Table | str) -> None:
    con.execute("SET enable_progress_bar = false")
    if isinstance(records, str):
        normalise_into(con, records, name)
        return
    con.register("_records_in", records)
    normalise_into(con, "_records_in", name)
    con.unregister("_records_in")


def _number_nodes(con: duckdb.DuckDBPyConnection, p: str) -> int:
    con.execute(f"""CREATE OR REPLACE TABLE {p}_nodes AS
        SELECT (row_number() OVER (ORDER BY rk) - 1)::BIGINT AS rid, *,
               split_part(id_key, ':', 1) AS id_class FROM {p}_norm""")
    return con.execute(f"SELECT count(*) FROM {p}_nodes").fetchall()[0][0]


def _rule_edges(con: duckdb.DuckDBPyConnection, p: str, columns: tuple[str, ...]) -> tuple:
    given = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    keys = ", ".join(("is_company", *columns))
    rel = con.sql(f"""SELECT rid, anchor FROM (
        SELECT rid, min(rid) OVER (PARTITION BY {keys}) AS anchor FROM {p}_nodes WHERE {given})
        WHERE rid <> anchor""").fetchnumpy()
    return rel["rid"].tolist(), rel["anchor"].tolist()


def _refs_to_rids(con: duckdb.DuckDBPyConnection, p: str, decisions: Decisions) -> dict:
    refs = decisions.refs()
    if not refs:
        return {}
    con.register("_refs", pa.table({"customer_code": [r.customer_code for r in refs],
                                    "source_system": [r.source_system for r in refs]}))
    rows = con.execute(f"""SELECT r.customer_code, r.source_system, n.rid FROM _refs r
        JOIN {p}_nodes n ON n.customer_code = r.customer_code
         AND (r.source_system = '' OR n.source_system = r.source_system)""").fetchall()
    con.unregister("_refs")
    found: dict = {}
    for code, system, rid in rows:
        found.setdefault((code, system), rid)
    return found


def _set_decisive_values(con: duckdb.DuckDBPyConnection, p: str, cc: ConstrainedClusters,
                         config: MatchConfig) -> None:
    # Decisive values first: a forced merge carries them into the merged customer.
    for rule in config.active_rules:
        if rule.decisive:
            col = rule.columns[0]
            klass = "id_class" if col == "id_key" else "''"
            got = con.sql(f"SELECT rid, {klass} AS kind, {col}::VARCHAR AS v FROM {p}_nodes "
                          f"WHERE {col} IS NOT NULL").fetchnumpy()
            cc.set_values(got["rid"].tolist(), rule.fields[0], got["kind"].tolist(),
                          got["v"].tolist())


def _apply_decisions(con: duckdb.DuckDBPyConnection, p: str, cc: ConstrainedClusters,
                     decisions: Decisions) -> None:
    """The stewards' decisions: pairs kept apart (also as ``<p>_apart``), records
    detached, forced merges."""
    rids = _refs_to_rids(con, p, decisions)

    def rid(ref):
        return rids.get((ref.customer_code, ref.source_system))

    for a, b in decisions.not_same:
        if rid(a) is not None and rid(b) is not None:
            cc.keep_apart(rid(a), rid(b))
    con.register("_apart", pa.table({
        "rk_a": pa.array([f"{a.source_system}|{a.customer_code}" for a, _ in decisions.not_same],
                         pa.string()),
        "rk_b": pa.array([f"{b.source_system}|{b.customer_code}" for _, b in decisions.not_same],
                         pa.string())}))
    con.execute(f"CREATE OR REPLACE TABLE {p}_apart AS SELECT * FROM _apart")
    con.unregister("_apart")
    cc.detached = {rid(r) for r in decisions.detached if rid(r) is not None}
    for a, b in decisions.merges:
        if rid(a) is not None and rid(b) is not None:
            cc.union(rid(a), rid(b), forced=True)


def _link_by_rules(con: duckdb.DuckDBPyConnection, p: str, cc: ConstrainedClusters,
                   config: MatchConfig, n: int) -> tuple[list[str], list[int]]:
    """Each rule in priority order; the decisive fields and, per node, the index of the
    rule that first linked it."""
    decisive: list[str] = []
    linked_by = [-1] * n
    for index, rule in enumerate(config.active_rules):
        left, right = _rule_edges(con, p, rule.columns)
        for a, b in zip(left, right, strict=True):
            if cc.union(a, b, decisive) and linked_by[a] < 0:
                linked_by[a] = index
                if linked_by[b] < 0:
                    linked_by[b] = index
        if rule.decisive:
            decisive.append(rule.fields[0])
    return decisive, linked_by


def _deterministic(con: duckdb.DuckDBPyConnection, p: str, n: int, config: MatchConfig,
                   decisions: Decisions, *, stats: dict[str, Any]
                   ) -> tuple[ConstrainedClusters, list[str], list[int]]:
    """Forced merges, then each rule in priority order; returns the clusters, the
    decisive fields and, per node, the index of the rule that first linked it."""
    cc = ConstrainedClusters(n)
    with timed(stats, "rules_decisive_values"):
        _set_decisive_values(con, p, cc, config)
    with timed(stats, "rules_decisions"):
        _apply_decisions(con, p, cc, decisions)
    with timed(stats, "rules_link"):
        decisive, linked_by = _link_by_rules(con, p, cc, config, n)
    return cc, decisive, linked_by


def _model_input(con: duckdb.DuckDBPyConnection, p: str, det: list[int],
                 changed: str | None) -> str:
    """Nodes with their rule cluster; on an incremental day only changed records and the
    records that share a blocking key with one (todo = 1 marks the changed)."""
    con.register("_det", pa.table({"rid": pa.array(range(len(det)), pa.int64()),
                                   "det": pa.array(det, pa.int64())}))
    con.execute(f"""CREATE OR REPLACE TABLE {p}_base AS
        SELECT n.rid, d.det, n.is_company, n.name_key, n.name_py, n.name_sorted, n.id_no,
               n.id_key, n.id_class, n.birth, n.mobile, n.addr_key, n.addr_rest, n.city,
               n.district, n.branch_code,
               CASE WHEN count(*) OVER (PARTITION BY n.mobile) <= {MAX_BLOCK_MOBILE}
                    THEN n.mobile END AS mobile_blk,
               {'1' if changed is None else f'(n.rk IN (SELECT rk FROM {changed}))::INT'} AS todo
        FROM {p}_nodes n JOIN _det d USING (rid)""")
    con.unregister("_det")
    if changed is None:
        return f"{p}_base"
    near = " UNION ".join(
        f"SELECT b.rid FROM {p}_base b SEMI JOIN (SELECT {', '.join(cols)} FROM {p}_base "
        f"WHERE todo = 1 AND {cond}) c USING ({', '.join(cols)}) WHERE {cond}"
        for cols, cond in BLOCK_KEYS)
    con.execute(f"""CREATE OR REPLACE TABLE {p}_near AS
        SELECT * FROM {p}_base WHERE rid IN ({near}) OR todo = 1""")
    return f"{p}_near"


def _finish(con: duckdb.DuckDBPyConnection, p: str, cc: ConstrainedClusters,
            decisive: list[str], linked_by: list[int], *, config: MatchConfig,
            previous: str | None, stats: dict[str, Any]) -> Resolution:
    with timed(stats, "cluster"):
        return _clusters_and_numbers(con, p, cc, decisive, linked_by, config=config,
                                     previous=previous, stats=stats)


def _clusters_and_numbers(con: duckdb.DuckDBPyConnection, p: str, cc: ConstrainedClusters,
                          decisive: list[str], linked_by: list[int], *, config: MatchConfig,
                          previous: str | None, stats: dict[str, Any]) -> Resolution:
    if config.probabilistic:
        with timed(stats, "cluster_model_edges"):
            edges = con.sql(f"""SELECT l.rid AS a, r.rid AS b FROM {p}_pairs s
                JOIN {p}_nodes l ON l.rk = s.rk_l JOIN {p}_nodes r ON r.rk = s.rk_r
                WHERE s.match_probability >= {config.auto_threshold} AND s.mw_name > 0
                ORDER BY s.match_probability DESC, l.rid, r.rid""").fetchnumpy()
            n_model = len(linked_by)
            for a, b in zip(edges["a"].tolist(), edges["b"].tolist(), strict=True):
                if cc.union(a, b, decisive):
                    for x in (a, b):
                        if linked_by[x] < 0:
                            linked_by[x] = n_model
    with timed(stats, "cluster_table"):
        roots = cc.roots()
        con.register("_roots", pa.table({"rid": pa.array(range(len(roots)), pa.int64()),
                                         "cluster": pa.array(roots, pa.int64()),
                                         "linked": pa.array(linked_by, pa.int64())}))
        con.execute(f"""CREATE OR REPLACE TABLE {p}_clusters AS
            SELECT n.rk, n.customer_code, n.source_system, r.cluster, r.linked
            FROM {p}_nodes n JOIN _roots r USING (rid)""")
        con.unregister("_roots")
    with timed(stats, "cluster_numbers"):
        numbers = assign_numbers(con, f"{p}_clusters", previous)
    with timed(stats, "cluster_links"):
        con.register("_numbers", numbers)
        labels = [r.label for r in config.active_rules]
        case = " ".join(f"WHEN {i} THEN '{lab}'" for i, lab in enumerate(labels))
        con.execute(f"""CREATE OR REPLACE TABLE {p}_links AS
            SELECT c.rk, c.customer_code, c.source_system, m.master_no,
                   CASE c.linked {case} WHEN {len(labels)} THEN '模型' ELSE '' END AS linked_by
            FROM {p}_clusters c JOIN _numbers m USING (cluster)""")
        con.unregister("_numbers")
        links = con.sql(f"SELECT customer_code, source_system, master_no, linked_by "
                        f"FROM {p}_links ORDER BY master_no, source_system, customer_code"
                        ).to_arrow_table().cast(LINKS_SCHEMA)
    with timed(stats, "cluster_suspects"):
        suspects = suspects_table(con, p, config) if config.probabilistic else pa.table({})
    stats.update(refused=cc.refused, records=len(roots), masters=len(numbers),
                 suspects=suspects.num_rows)
    return Resolution(links, suspects, stats)


def resolve(con: duckdb.DuckDBPyConnection, records: pa.Table | str, *,
            config: MatchConfig | None = None, decisions: Decisions = NO_DECISIONS,
            previous_links: pa.Table | str | None = None,
            prefix: str = "cust", model: dict[str, Any] | None = None,
            train: bool | None = None) -> tuple[Resolution, ResolutionState]:
    """Resolve a whole book. ``records``: an Arrow table or a table/relation name in the
    customer.csv layout (+ source_system, branch_code). ``previous_links``: the last
    run's (customer_code, source_system, master_no), so numbers carry over. The model
    is trained on the book unless ``model`` is given or the book is too small to learn
    from (then the default model scores it)."""
    config = config or MatchConfig()
    stats: dict[str, Any] = {}
    with timed(stats, "normalise"):
        _store_norm(con, f"{prefix}_norm", records)
    if model is None and not train and (train is False or con.execute(
            f"SELECT count(*) FROM {prefix}_norm").fetchall()[0][0] < MIN_TRAIN_RECORDS):
        model = default_model()
    cc, decisive, linked_by, model = _run(con, prefix, config, decisions, model, changed=None,
                                          stats=stats)
    previous = _previous(con, prefix, previous_links)
    resolution = _finish(con, prefix, cc, decisive, linked_by, config=config, previous=previous,
                         stats=stats)
    return resolution, ResolutionState(prefix, model, config)


def _previous(con: duckdb.DuckDBPyConnection, p: str,
              previous_links: pa.Table | str | None) -> str | None:
    if previous_links is None:
        return None
    source = previous_links if isinstance(previous_links, str) else "_prev_in"
    if not isinstance(previous_links, str):
        con.register("_prev_in", previous_links)
    con.execute(f"""CREATE OR REPLACE TABLE {p}_previous AS SELECT source_system || '|' ||
        customer_code AS rk, master_no FROM {source}""")
    return f"{p}_previous"


def _run(con, p, config, decisions, model, *, changed, stats):
    with timed(stats, "rules"):
        with timed(stats, "rules_number_nodes"):
            n = _number_nodes(con, p)
        cc, decisive, linked_by = _deterministic(con, p, n, config, decisions, stats=stats)
    if config.probabilistic:
        with timed(stats, "model"):
            model = _score(con, p, config, cc, model, changed=changed, stats=stats)
    return cc, decisive, linked_by, model


def _score(con, p, config, cc, model, *, changed, stats):
    with timed(stats, "model_input"):
        det = cc.roots()
        table = _model_input(con, p, det, changed)
    with timed(stats, "model_score"):
        if model is None:
            model = train_and_score(con, table, config.review_threshold,
                                    config.model_sample_pairs, f"{p}_scored")
        else:
            score_with_model(con, table, model, config.review_threshold, f"{p}_scored")
    with timed(stats, "model_pairs"):
        scored = f"""SELECT l.rk AS rk_l, r.rk AS rk_r, s.* EXCLUDE (rid_l, rid_r)
            FROM {p}_scored s JOIN {p}_nodes l ON l.rid = s.rid_l
            JOIN {p}_nodes r ON r.rid = s.rid_r"""
        if changed is None:
            con.execute(f"CREATE OR REPLACE TABLE {p}_pairs AS {scored}")
        else:
            con.execute(f"""DELETE FROM {p}_pairs WHERE rk_l IN (SELECT rk FROM {changed})
                            OR rk_r IN (SELECT rk FROM {changed})""")
            con.execute(f"INSERT INTO {p}_pairs {scored}")
    return model
