"""Customer resolution as a step of every store build (import, T+1 day, generator).

After the base tables are filled: every customer record of every source system gets its
统一客户号 (``customer.master_id`` / ``master_no``), and ``customer_master``,
``customer_suspect`` and ``customer_issue`` are written (data/customer_tables.py).
Numbers carry over from the store being replaced; data stewards' decisions and the
administrator's rule priorities come from the operational store and are applied on
every run. Runs in the process that builds the store (the load job), never a web worker.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from data.customer_changes import previous_customers, write_changes
from data.customer_state import input_hashes, read_state, resolve_day, save_state
from data.customer_tables import DEFAULT_SOURCE_SYSTEM, create_derived_tables_sql
from data.customers import NO_DECISIONS, Decisions, MatchConfig, cleansing_table, resolve
from data.customers.timing import timed
from data.settings import Settings
from data.steps import run_step

log = logging.getLogger(__name__)
IN_MEMORY_RECORDS = 500_000


@dataclass(frozen=True)
class CustomerInputs:
    """What people decided: the rule priorities and the stewards' decisions."""

    config: MatchConfig = field(default_factory=MatchConfig)
    decisions: Decisions = NO_DECISIONS
    # False: score with the shipped model, never train (the demo generator: fast and the
    # same every time). None: train on a large book unless the last store kept a model.
    train: bool | None = None
    # A generated store: a made-up change history of earlier loads (data/customer_changes).
    demo_history: bool = False


def inputs_from_ops(settings: Settings) -> CustomerInputs:
    """Rules and decisions kept in the operational store; none when there is no store
    yet (a first demo generation)."""
    db = settings.users_db
    if isinstance(db, Path) and not db.exists():
        return CustomerInputs()
    from ops.customers import load_inputs

    config, decisions = load_inputs(db)
    return CustomerInputs(config, decisions)


@dataclass(frozen=True)
class Previous:
    """What a build carries over from the store it replaces."""

    links: pa.Table | None = None  # customer_code, source_system, master_no
    model: dict[str, Any] | None = None  # the model it was scored with
    customers: pa.Table | None = None  # its customer records (data/customer_changes.py)
    history: pa.Table | None = None  # its customer_change rows


def previous_links(store: Path) -> Previous:
    """The numbers and the model of the store being replaced: the same model next time
    keeps the scores, and so the numbers, of unchanged customers where they were."""
    if not store.exists():
        return Previous()
    try:
        con = duckdb.connect(str(store), read_only=True)
    except duckdb.Error:
        log.warning("could not read the numbers of %s: every customer gets a new number", store)
        return Previous()
    try:
        has = {(r[0], r[1]) for r in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns()").fetchall()}
        if ("customer", "master_no") not in has:
            return Previous()
        links = con.sql("SELECT customer_code, source_system, master_no FROM customer "
                        "WHERE master_no IS NOT NULL").to_arrow_table()
        model = None
        if ("customer_model", "model_json") in has:
            row = con.execute("SELECT model_json FROM customer_model").fetchone()
            model = json.loads(row[0]) if row and row[0] else None
    finally:
        con.close()
    return Previous(links, model, *previous_customers(store))


_BUSINESS_SQL = """
CREATE OR REPLACE TEMP TABLE _cust_biz AS
WITH roles AS (
    SELECT insured_id AS customer_id, branch_id, dept_id, handler_id, 1 AS policy FROM policy
    UNION ALL
    SELECT applicant_id, branch_id, dept_id, handler_id, 1 FROM policy
    WHERE applicant_id <> insured_id
    UNION ALL
    SELECT insured_id, branch_id, dept_id, salesman_id, 0 FROM proposal WHERE policy_id IS NULL
    UNION ALL
    SELECT applicant_id, branch_id, dept_id, salesman_id, 0 FROM proposal
    WHERE policy_id IS NULL AND applicant_id <> insured_id),
per AS (
    SELECT customer_id, branch_id, sum(policy) AS policies, count(*) AS roles
    FROM roles GROUP BY customer_id, branch_id),
home AS (  -- the branch of most policies (then of most proposals, then the first)
    SELECT customer_id, sum(policies)::INTEGER AS policies,
           arg_max(branch_id, (policies * 1e6 + roles) * 1e4 - branch_id) AS home_branch_id
    FROM per GROUP BY customer_id)
SELECT h.customer_id, h.policies, h.home_branch_id,
       list_sort(list(DISTINCT r.branch_id)) AS branch_ids,
       list_sort(list(DISTINCT r.dept_id)) AS dept_ids,
       list_sort(list(DISTINCT r.handler_id)) AS handler_ids
FROM roles r JOIN home h USING (customer_id) GROUP BY ALL"""

_RECORDS_SQL = """
SELECT c.customer_code, c.customer_name, c.customer_kind, c.id_type, c.id_no, c.phone,
       c.mobile, c.address, c.birthday::VARCHAR AS birthday, c.source_system, b.branch_code
FROM customer c LEFT JOIN _cust_biz z USING (customer_id)
LEFT JOIN branch b ON b.branch_id = z.home_branch_id"""

_MASTER_SQL = """
INSERT INTO customer_master
WITH r AS (
    SELECT c.*, n.id_kind, n.id_norm, n.id_valid, n.mobile_norm, n.phone_norm, n.birth, n.sex,
           n.linked_by, z.policies, z.home_branch_id, z.branch_ids, z.dept_ids, z.handler_ids,
           (c.source_system = '{core}')::INT * 4 + coalesce(n.id_valid, false)::INT * 2
               + (n.mobile_norm IS NOT NULL)::INT AS trust
    FROM customer c JOIN _cust_norm n USING (customer_code)
    LEFT JOIN _cust_biz z USING (customer_id))
SELECT master_id, any_value(master_no),
       arg_max(customer_name, trust * 1e10 + customer_id),
       arg_max(customer_kind, trust * 1e10 + customer_id),
       arg_max(coalesce(id_kind, id_type), id_valid::INT * 1e10 + trust * 1e9 + customer_id)
           FILTER (WHERE id_norm IS NOT NULL),
       arg_max(id_norm, id_valid::INT * 1e10 + trust * 1e9 + customer_id)
           FILTER (WHERE id_norm IS NOT NULL),
       arg_max(mobile_norm, trust * 1e10 + customer_id) FILTER (WHERE mobile_norm IS NOT NULL),
       arg_max(phone_norm, trust * 1e10 + customer_id) FILTER (WHERE phone_norm IS NOT NULL),
       arg_max(address, trust * 1e10 + customer_id) FILTER (WHERE address IS NOT NULL),
       arg_max(birth, trust * 1e10 + customer_id) FILTER (WHERE birth IS NOT NULL),
       arg_max(sex, trust * 1e10 + customer_id) FILTER (WHERE sex IS NOT NULL),
       count(*)::INTEGER,
       string_agg(DISTINCT source_system, '、' ORDER BY source_system),
       string_agg(DISTINCT nullif(linked_by, ''), '、' ORDER BY nullif(linked_by, '')),
       arg_max(home_branch_id, policies * 1e6 - home_branch_id)
           FILTER (WHERE home_branch_id IS NOT NULL),
       coalesce(sum(policies), 0)::INTEGER,
       {lists}
FROM r GROUP BY master_id ORDER BY master_id"""

_SCOPE_OF_MASTERS = ", ".join(
    f"coalesce(list_sort(list_distinct(flatten(list({c}) FILTER (WHERE {c} IS NOT NULL)))), "
    f"[]::INTEGER[])" for c in ("branch_ids", "dept_ids", "handler_ids"))

_SIDE_SQL = """{s}.customer_id AS customer_id_{x}, {s}.customer_code AS customer_code_{x},
       {s}.source_system AS source_system_{x}, {s}.master_no AS master_no_{x},
       {s}.customer_name AS customer_name_{x}, {s}.customer_kind AS customer_kind_{x},
       {s}.id_type AS id_type_{x}, {s}.id_no AS id_no_{x}, {s}.mobile AS mobile_{x},
       {s}.address AS address_{x}, {s}.birthday AS birthday_{x},
       b{x}.branch_code AS branch_code_{x}"""

_SUSPECT_SQL = """
INSERT INTO customer_suspect
SELECT row_number() OVER (ORDER BY s.match_probability DESC, s.pair_key)::INTEGER,
       s.pair_key, s.group_id,
       {left}, {right},
       s.match_probability, s.match_weight, s.agree, s.evidence, s.name_cmp, s.id_cmp,
       s.birth_cmp, s.mobile_cmp, s.address_cmp, s.branch_cmp,
       list_sort(list_distinct(list_concat(ml.branch_ids, mr.branch_ids))),
       list_sort(list_distinct(list_concat(ml.dept_ids, mr.dept_ids))),
       list_sort(list_distinct(list_concat(ml.handler_ids, mr.handler_ids)))
FROM _suspects s
JOIN customer l ON l.customer_code = s.customer_code_l
JOIN customer r ON r.customer_code = s.customer_code_r
JOIN customer_master ml ON ml.master_id = l.master_id
JOIN customer_master mr ON mr.master_id = r.master_id
LEFT JOIN _cust_biz zl ON zl.customer_id = l.customer_id
LEFT JOIN _cust_biz zr ON zr.customer_id = r.customer_id
LEFT JOIN branch bl ON bl.branch_id = zl.home_branch_id
LEFT JOIN branch br ON br.branch_id = zr.home_branch_id"""

_ISSUE_SQL = """
INSERT INTO customer_issue
SELECT row_number() OVER (ORDER BY i.issue, c.customer_id, i.detail)::INTEGER, c.customer_id,
       c.customer_code, c.source_system, c.master_no, c.customer_name, c.id_type, c.id_no,
       c.mobile, CASE WHEN i.issue = '业务员客户' THEN 'staff' ELSE 'invalid' END,
       i.issue, i.detail, m.branch_ids, m.dept_ids, m.handler_ids
FROM _issues i JOIN customer c ON c.customer_code = i.customer_code
JOIN customer_master m ON m.master_id = c.master_id"""

_STAFF_SQL = """
SELECT '员工' AS kind, staff_code AS code, staff_name AS name, id_no, mobile FROM staff
WHERE id_no IS NOT NULL OR mobile IS NOT NULL
UNION ALL
SELECT '代理人', agent_code, agent_name, id_no, mobile FROM agent
WHERE id_no IS NOT NULL OR mobile IS NOT NULL"""


def _group_ids(suspects: pa.Table) -> tuple[list[str], list[int]]:
    """Pair keys and a group per pair: pairs sharing a record are one group."""
    left = [f"{s}|{c}" for s, c in zip(suspects["source_system_l"].to_pylist(),
                                       suspects["customer_code_l"].to_pylist(), strict=True)]
    right = [f"{s}|{c}" for s, c in zip(suspects["source_system_r"].to_pylist(),
                                        suspects["customer_code_r"].to_pylist(), strict=True)]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(left, right, strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = [find(a) for a in left]
    numbers = {r: i + 1 for i, r in enumerate(sorted(set(roots)))}
    keys = ["~".join(sorted(p)) for p in zip(left, right, strict=True)]
    return keys, [numbers[r] for r in roots]


def _resolution_connection(scratch: Path, settings: Settings, records: int
                           ) -> duckdb.DuckDBPyConnection:
    """In memory for a small book; a large one gets a scratch file to spill to."""
    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(scratch / "customers.duckdb") if records > IN_MEMORY_RECORDS
                         else ":memory:")
    con.execute(f"SET memory_limit = '{settings.build_memory_limit}'")
    con.execute(f"SET threads = {int(settings.build_threads)}")
    con.execute(f"SET temp_directory = '{str(scratch / 'spill').replace(chr(39), '')}'")
    return con


def _write_master_tables(con: duckdb.DuckDBPyConnection, norm: pa.Table, suspects: pa.Table,
                         issues: pa.Table, steps: dict[str, Any]) -> None:
    """The numbers into ``customer``; customer_master, customer_suspect, customer_issue."""
    with timed(steps, "store_cust_norm"):
        con.register("_norm_in", norm)
        run_step(con, """CREATE OR REPLACE TEMP TABLE _cust_norm AS
            SELECT *, dense_rank() OVER (ORDER BY master_no)::INTEGER AS master_id
            FROM _norm_in""")
        con.unregister("_norm_in")
    with timed(steps, "store_update_customer"):
        run_step(con, """UPDATE customer SET master_no = n.master_no, master_id = n.master_id
            FROM _cust_norm n WHERE n.customer_code = customer.customer_code""")
    with timed(steps, "store_masters"):
        run_step(con, _MASTER_SQL.format(core=DEFAULT_SOURCE_SYSTEM, lists=_SCOPE_OF_MASTERS))
    if suspects.num_rows:
        with timed(steps, "store_suspect_groups"):
            keys, groups = _group_ids(suspects)
            con.register("_suspects_in", suspects.append_column("pair_key", pa.array(keys))
                         .append_column("group_id", pa.array(groups, pa.int32())))
            run_step(con, "CREATE OR REPLACE TEMP TABLE _suspects AS SELECT * FROM _suspects_in")
            con.unregister("_suspects_in")
        with timed(steps, "store_suspects"):
            run_step(con, _SUSPECT_SQL.format(left=_SIDE_SQL.format(s="l", x="l"),
                                              right=_SIDE_SQL.format(s="r", x="r")))
    with timed(steps, "store_issues"):
        con.register("_issues_in", issues)
        run_step(con, "CREATE OR REPLACE TEMP TABLE _issues AS SELECT * FROM _issues_in")
        con.unregister("_issues_in")
        run_step(con, _ISSUE_SQL)


def resolve_store_customers(con: duckdb.DuckDBPyConnection, settings: Settings, *,
                            previous: Previous, inputs: CustomerInputs,
                            scratch: Path, day_of: Path | None = None
                            ) -> dict[str, float | int]:
    """Resolve the customers of the store being built in ``con`` and write the master
    tables; returns figures for the log. ``day_of``: the store a T+1 day is loaded onto:
    only the customers the day's records touch are resolved again (the whole book when
    that store kept no state to go on)."""
    started = time.perf_counter()
    steps: dict[str, Any] = {}
    with timed(steps, "store_tables"):
        run_step(con, create_derived_tables_sql())
    with timed(steps, "store_business"):
        run_step(con, _BUSINESS_SQL)
    with timed(steps, "store_records"):
        records = con.sql(_RECORDS_SQL).to_arrow_table()
    if records.num_rows == 0:
        return {"records": 0}
    rcon = _resolution_connection(scratch, settings, records.num_rows)
    try:
        with timed(steps, "store_read_state"):
            saved = read_state(day_of) if day_of is not None else None
        day = saved and resolve_day(rcon, records, saved, previous.model, inputs.config,
                                    decisions=inputs.decisions)
        if day:
            resolution, state = day
        else:
            resolution, state = resolve(rcon, records, config=inputs.config,
                                        decisions=inputs.decisions,
                                        previous_links=previous.links,
                                        model=previous.model, train=inputs.train)
            with timed(steps, "store_input_hashes"):
                input_hashes(rcon, records)
        with timed(steps, "store_save_state"):
            save_state(con, rcon, inputs.config, inputs.decisions)
        with timed(steps, "store_norm_out"):
            norm = rcon.sql("""SELECT n.customer_code, n.id_kind, n.id_no AS id_norm,
                    n.id_valid, n.mobile AS mobile_norm, n.phone AS phone_norm, n.birth,
                    n.sex, l.master_no, l.linked_by
                FROM cust_norm n JOIN cust_links l USING (rk)""").to_arrow_table()
        with timed(steps, "store_cleansing"):
            staff = con.sql(_STAFF_SQL).to_arrow_table()
            issues = cleansing_table(rcon, staff=staff if staff.num_rows else None)
        suspects = resolution.suspects
    finally:
        rcon.close()
        shutil.rmtree(scratch, ignore_errors=True)
    _write_master_tables(con, norm, suspects, issues, steps)
    with timed(steps, "store_changes"):
        write_changes(con, previous.customers, previous.history, settings.today,
                      demo=inputs.demo_history)
    if state.model is not None:
        con.execute("INSERT INTO customer_model VALUES (?, ?)",
                    [json.dumps(state.model, ensure_ascii=False), records.num_rows])
    for temp in ("_cust_biz", "_cust_norm", "_suspects", "_issues"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    figures = {"records": records.num_rows, "masters": resolution.stats.get("masters", 0),
               "resolved_again": resolution.stats.get("resolved_again", records.num_rows),
               "suspects": suspects.num_rows, "issues": issues.num_rows,
               "seconds": round(time.perf_counter() - started, 2)}
    log.info("customers resolved: %s", figures)
    log.info("customer resolution stages: %s", resolution.stats)
    log.info("customer resolution steps around the stages: %s", steps)
    return figures
