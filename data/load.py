"""T+1 import: files of the core systems (``docs/IMPORT.md``) → a new store, swapped in
atomically, or nothing changed and a rejects report naming file, row, column, value and
reason.

    python -m data.load DIR --store var/store.duckdb [--incremental] [--partial]
        [--rejects rejects.csv] [--user 员工代码]

Every file is staged as text in a scratch database beside the store (a Parquet file
through a view over the file itself) and validated there with SQL (types, required
fields, codes, non-negative amounts, dates in order, duplicates of the business key,
references by business key, a rate for every foreign amount). References of a clean
load are verified by the build's own joins that resolve them to ids. With no rejects —
or with ``--partial``, leaving out every rejected row and the rows that depend on it,
all listed — the store is built into a new file and swapped in.
``--incremental`` overlays the day's new and changed rows (by business key) on the
current store. The same files loaded twice give the same store: ids follow file order.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import fcntl
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb

from data.build import build_store
from data.customer_store import inputs_from_ops
from data.customer_tables import DEFAULT_SOURCE_SYSTEM, RESOLVED_COLUMNS
from data.import_checks import (
    HOME_CURRENCY,
    lit,
    typed,
)
from data.import_leftovers import remove_dead_leftovers
from data.import_rejects import (
    FileProblem,
    Reject,
    RejectSink,
    duck_reason,
    report_path,
    write_listed,
)
from data.import_validate import check_references, validate
from data.import_xlsx import XlsxProblem, stage_xlsx
from data.layout import ENTITIES, OPTIONAL_FILES, Entity
from data.settings import Settings
from data.steps import run_step
from ops.history import recent_loads, record_load

log = logging.getLogger(__name__)
FORMATS = (".csv", ".parquet", ".xlsx")
MAX_HEADER_BYTES = 64 * 1024
Progress = Callable[[str, float], None]


@dataclass
class LoadResult:
    ok: bool
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)  # the first ones (report: all)
    seconds: float = 0.0
    rejects_path: Path | None = None
    incremental: bool = False
    rejects_total: int = 0  # problems found, listed or only counted

    @property
    def problems(self) -> int:
        return max(self.rejects_total, len(self.rejects))

    @property
    def message(self) -> str:
        if self.ok:
            left = f", 剔除 {self.problems:,} 行" if self.rejects else ""
            total = sum(self.rows_loaded.values())
            loaded = (f"已导入当日 {sum(self.rows_read.values()):,} 行 (新增或变更), 数据仓库"
                      f"共 {total:,} 行" if self.incremental else f"已导入 {total:,} 行")
            return f"{loaded}{left}, 用时 {self.seconds:.1f} 秒"
        return f"未导入: {self.problems:,} 处错误, 数据仓库未改变"


# --- reading files into text staging tables ------------------------------------------

def find_files(directory: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for entity in ENTITIES:
        for fmt in FORMATS:
            path = directory / f"{entity.name}{fmt}"
            if path.exists():
                found[entity.name] = path
                break
    return found


def ambiguous_files(directory: Path) -> list[Reject]:
    """An entity given twice (agent.csv and agent.parquet): which one is meant is not ours
    to guess."""
    problems = []
    for entity in ENTITIES:
        given = [f"{entity.name}{fmt}" for fmt in FORMATS
                 if (directory / f"{entity.name}{fmt}").exists()]
        if len(given) > 1:
            problems.append(Reject(given[0], None, "", "", f"同一实体有多个文件: "
                                   f"{', '.join(given)}; 请只保留一个"))
    return problems


def _utf8_copy(path: Path, scratch: Path) -> Path:
    """``path`` itself when it is UTF-8; a UTF-8 copy when it is GBK; else refused."""
    for encoding in ("utf-8", "gbk"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as src:
                while chunk := src.read(1 << 22):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if encoding == "gbk":
                raise FileProblem(path.name, f"编码无法识别 (应为 UTF-8 或 GBK): 第 "
                                  f"{exc.start} 字节附近") from exc
            continue
        if encoding == "utf-8":
            return path
        target = scratch / f"{path.stem}.utf8.csv"
        with path.open("r", encoding="gbk", newline="") as src, \
                target.open("w", encoding="utf-8", newline="") as dst:
            while text := src.read(1 << 22):
                dst.write(text)
        return target
    raise AssertionError("unreachable")


def _csv_header(path: Path) -> list[str]:
    with path.open("rb") as f:
        head = f.read(MAX_HEADER_BYTES)
    if not head.strip():
        raise FileProblem(path.name, "文件为空")
    line = head.split(b"\n", 1)[0]
    if b"\n" not in head and len(head) >= MAX_HEADER_BYTES:
        raise FileProblem(path.name, f"表头超过 {MAX_HEADER_BYTES // 1024} KB, "
                                     "不是本系统的文件格式")
    text = line.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    return next(csv.reader([text]))


def stage_file(con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, scratch: Path,
               settings: Settings | None = None) -> int:
    """``stg_<entity>``: every layout column as text (NULL when absent), plus ``line_``.

    The text lands in table ``raw_<entity>``; ``stg_<entity>`` is a view adding the file
    line: Parquet's own row number, or the row's position in the table (``rowid``, kept in
    file order) for CSV and Excel — numbering rows with a window would cost a
    single-threaded pass over the whole file.
    """
    if path.stat().st_size == 0:
        raise FileProblem(path.name, "文件为空")
    types: dict[str, str] = {}
    line = "rowid + 2"
    if path.suffix == ".csv":
        header = _csv_header(path)
        source_path = _utf8_copy(path, scratch)
        source = (f"read_csv({lit(str(source_path))}, header = true, all_varchar = true, "
                  "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
                  "null_padding = false, auto_detect = false, "
                  f"columns = {{{', '.join(repr(h) + ': ' + repr('VARCHAR') for h in header)}}})")
    elif path.suffix == ".parquet":
        try:
            types = {r[0]: r[1] for r in con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({lit(str(path))})").fetchall()}
        except duckdb.Error as exc:
            raise FileProblem(path.name, f"不是有效的 Parquet 文件: {exc}") from exc
        header = list(types)
        source = f"read_parquet({lit(str(path))}, file_row_number = true)"
        line = "line_"
    else:
        try:
            header, sheet = stage_xlsx(entity, path, scratch, settings or Settings(),
                                       lambda found: _check_header(entity, path.name, found))
        except XlsxProblem as exc:
            raise FileProblem(path.name, str(exc), row=exc.row) from exc
        source = f"read_parquet({lit(str(sheet))})"
    _check_header(entity, path.name, header)
    present = set(header)

    def text(name: str) -> str:
        if name not in present:
            return "NULL"
        if types.get(name, "VARCHAR") != "VARCHAR":  # a typed Parquet column: no blanks
            return f'CAST("{name}" AS VARCHAR)'
        return f"NULLIF(trim(\"{name}\"), '')"

    select = ", ".join(f"{text(f.name)} AS {f.name}" for f in entity.fields)
    con.execute(f"DROP VIEW IF EXISTS stg_{entity.name}")
    con.execute(f"DROP TABLE IF EXISTS raw_{entity.name}")
    if line == "line_":
        # A Parquet file is read where it lies, through a view: copying its columns into
        # the scratch database as text cost as much as checking them (10 M policies:
        # 65 s of a 268 s load). A file that fails to read later names itself (validate).
        con.execute(f"CREATE VIEW stg_{entity.name} AS SELECT file_row_number + 2 AS line_, "
                    f"{select} FROM {source}")
    else:
        try:
            con.execute(f"CREATE TABLE raw_{entity.name} AS SELECT {select} FROM {source}")
        except duckdb.Error as exc:
            raise FileProblem(path.name, duck_reason(str(exc))) from exc
        con.execute(f"CREATE VIEW stg_{entity.name} AS SELECT {line} AS line_, * "
                    f"FROM raw_{entity.name}")
    # Header only: no rows of this kind today.
    return int(con.execute(f"SELECT count(*) FROM stg_{entity.name}").fetchone()[0])


def stage_none(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """``stg_<entity>`` with no rows: an optional entity without a file."""
    columns = ", ".join(f"NULL::VARCHAR AS {c}" for c in entity.columns)
    con.execute(f"DROP VIEW IF EXISTS stg_{entity.name}")
    con.execute(f"CREATE OR REPLACE TABLE raw_{entity.name} AS SELECT {columns} LIMIT 0")
    con.execute(f"CREATE VIEW stg_{entity.name} AS SELECT 0::BIGINT AS line_, * "
                f"FROM raw_{entity.name}")


def restage(con: duckdb.DuckDBPyConnection, entity: Entity, select: str) -> None:
    """Replace ``stg_<entity>`` by ``select`` (which gives ``line_`` and every column)."""
    name = entity.name
    con.execute(f"CREATE OR REPLACE TABLE raw_{name}_next AS {select}")
    con.execute(f"DROP VIEW IF EXISTS stg_{name}")
    con.execute(f"DROP TABLE IF EXISTS raw_{name}")
    con.execute(f"ALTER TABLE raw_{name}_next RENAME TO raw_{name}")
    con.execute(f"CREATE VIEW stg_{name} AS SELECT * FROM raw_{name}")


def _check_header(entity: Entity, file: str, header: list[str]) -> None:
    known = set(entity.columns)
    extra = [h for h in header if h not in known]
    if extra:
        raise FileProblem(file, f"多余的列: {', '.join(extra)} (该文件可有的列: "
                                f"{', '.join(entity.columns)})", extra[0])
    missing = [f.name for f in entity.fields if f.required and f.name not in header]
    if missing:
        raise FileProblem(file, f"缺少必填列: {', '.join(missing)}", missing[0])
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise FileProblem(file, f"重复的列: {', '.join(sorted(dupes))}", sorted(dupes)[0])


def stage_rates(con: duckdb.DuckDBPyConnection) -> None:
    """``daily_rates_``: each currency's rate in force on every day from its first rate to
    its last; ``last_rates_``: the last one, in force on every later day."""
    con.execute(f"""CREATE OR REPLACE TABLE rates_ AS
        SELECT currency_code, {typed('date', 'rate_date')} AS rate_date,
               CAST(rate_to_cny AS DECIMAL(18,6)) AS rate_to_cny FROM stg_exchange_rate""")
    con.execute("""CREATE OR REPLACE TABLE daily_rates_ AS
        WITH days AS (
            SELECT currency_code, unnest(generate_series(min(rate_date), max(rate_date),
                                                         INTERVAL 1 DAY))::DATE AS rate_date
            FROM rates_ GROUP BY currency_code)
        SELECT d.currency_code, d.rate_date, r.rate_to_cny
        FROM days d ASOF JOIN rates_ r
             ON r.currency_code = d.currency_code AND d.rate_date >= r.rate_date""")
    con.execute("""CREATE OR REPLACE TABLE last_rates_ AS
        SELECT currency_code, max(rate_date) AS rate_date,
               arg_max(rate_to_cny, rate_date) AS rate_to_cny
        FROM rates_ GROUP BY currency_code""")


# --- building the store ---------------------------------------------------------------------

def _id_map_sql(entity: Entity, previous: bool, contiguous: bool) -> str:
    """``map_<entity>``: business key, file line and id. A key the current store knows
    keeps its id (``prev_<entity>``); new keys follow the largest id, in file order.
    Lines 2, 3, … with no store before give ids 1, 2, … without numbering rows again."""
    keys = ", ".join(f"s.{k}" for k in entity.key)
    stg = f"stg_{entity.name} s"
    if not previous:
        new_id = "(s.line_ - 1)" if contiguous else "row_number() OVER (ORDER BY s.line_)"
        return (f"CREATE OR REPLACE TABLE map_{entity.name} AS SELECT {keys}, s.line_, "
                f"{new_id}::INTEGER AS id_ FROM {stg}")
    types = {f.name: f.type for f in entity.fields}
    on = " AND ".join(f"p.{k} IS NOT DISTINCT FROM {typed(types[k], 's.' + k)}"
                      for k in entity.key)
    prev = f"prev_{entity.name} p"
    return f"""CREATE OR REPLACE TABLE map_{entity.name} AS
        SELECT {keys}, s.line_, p.id_ FROM {stg} JOIN {prev} ON {on}
        UNION ALL
        SELECT {keys}, s.line_, ((SELECT coalesce(max(id_), 0) FROM prev_{entity.name})
               + row_number() OVER (ORDER BY s.line_))::INTEGER
        FROM {stg} WHERE NOT EXISTS (SELECT 1 FROM {prev} WHERE {on})"""


def _insert_sql(entity: Entity, store_columns: list[str]) -> str:
    """INSERT of the base table from its staged file, ids resolved by business key."""
    exprs: dict[str, str] = {}
    joins = []
    for i, ref in enumerate(entity.refs):
        alias = f"m{i}"
        on = " AND ".join(f"{alias}.{k} IS NOT DISTINCT FROM s.{c}"
                          for c, k in zip(ref.columns, ref.keys, strict=True))
        joins.append(f"LEFT JOIN loader.map_{ref.entity} {alias} ON {on}")
        exprs[ref.id_column] = f"{alias}.id_"
    fields = {f.name: f for f in entity.fields}
    for name, f in fields.items():
        exprs.setdefault(name, typed(f.type, f"s.{name}"))
    # Written by customer resolution once the base tables are filled (data.customer_store).
    for name in RESOLVED_COLUMNS.get(entity.name, ()):
        exprs[name] = "NULL"
    if entity.name == "customer":
        exprs["source_system"] = f"coalesce(s.source_system, '{DEFAULT_SOURCE_SYSTEM}')"
    # The rate in force on a date: the latest on or before it, looked up by equality in
    # the day-by-day table (an ASOF join sorted all 10 M policies with every column: 28 s
    # of a 36 s fill), or the last rate for a date after it.
    rate_of: dict[str, str] = {}
    for conv in entity.converted:
        if conv.date not in rate_of:
            day, n = typed("date", "s." + conv.date), len(rate_of)
            joins.append(f"LEFT JOIN loader.daily_rates_ x{n} ON x{n}.currency_code = "
                         f"s.currency_code AND x{n}.rate_date = {day}")
            joins.append(f"LEFT JOIN loader.last_rates_ y{n} ON y{n}.currency_code = "
                         f"s.currency_code AND {day} > y{n}.rate_date")
            rate_of[conv.date] = (f"CASE WHEN s.currency_code = '{HOME_CURRENCY}' THEN 1 "
                                  f"ELSE coalesce(x{n}.rate_to_cny, y{n}.rate_to_cny) END")
        amount = typed("money", f"s.{conv.amount}")
        exprs[conv.cny] = f"coalesce({typed('money', 's.' + conv.cny)}, round(CAST(" \
                          f"{amount} AS DECIMAL(38,2)) * {rate_of[conv.date]}, 2))"
    if entity.id_column:
        exprs[entity.id_column] = "self.id_"
        joins.append(f"JOIN loader.map_{entity.name} self ON self.line_ = s.line_")
    if entity.name == "policy":
        exprs["class_id"] = "(SELECT class_id FROM risk WHERE risk.risk_id = m0.id_)"
        exprs["use_years"] = _use_years_sql(entity)
    if entity.name == "exchange_rate":
        exprs["currency_id"] = "m0.id_"
    missing = [c for c in store_columns if c not in exprs]
    if missing:
        raise ValueError(f"{entity.name}: layout gives no value for {missing}")
    # Rows in id order, as the generator writes them: lookups of a page's names by id
    # (customers, staff) skip whole row groups by their min/max id.
    order = "self.id_" if entity.id_column else "s.line_"
    return (f"INSERT INTO {entity.name} ({', '.join(store_columns)}) "
            f"SELECT {', '.join(exprs[c] for c in store_columns)} "
            f"FROM loader.stg_{entity.name} s {' '.join(joins)} ORDER BY {order}")


def _use_years_sql(policy: Entity) -> str:
    """使用年限 as the file gives it, else derived as the generator does: calendar years
    from the vehicle's first registration to the policy's start, never below 0. A
    policy without a vehicle has none (the P&L cube says 未知 for an auto one)."""
    vin = next(i for i, r in enumerate(policy.refs) if r.entity == "vehicle")
    # greatest() skips a NULL: without a vehicle there is nothing to derive from.
    return (f"coalesce({typed('int', 's.use_years')}, CASE WHEN m{vin}.id_ IS NOT NULL "
            f"THEN greatest(0, date_diff('year', (SELECT first_register_date FROM vehicle "
            f"WHERE vehicle.vehicle_id = m{vin}.id_), {typed('date', 's.start_date')})) END)")


class DanglingReference(Exception):
    """A reference the build could not resolve: the files need the full reference checks
    (``check_references``) to name the rows."""


def fill_from_staging(scratch_db: Path, *, verify_references: bool = False
                      ) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """Fill the base tables from the checked staging database. With
    ``verify_references``, each reference set in a file must have resolved to an id
    (``ref_present_`` counts them), or the build stops with ``DanglingReference``: the
    references are resolved by the same joins that give the ids, not joined twice."""
    def fill(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"ATTACH {lit(str(scratch_db))} AS loader (READ_ONLY)")
        for entity in ENTITIES:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND database_name = current_database() ORDER BY column_index",
                [entity.name]).fetchall()]
            try:
                run_step(con, _insert_sql(entity, columns))
            except duckdb.ConstraintException as exc:  # a required reference left empty
                if verify_references:
                    raise DanglingReference(f"{entity.name}: {exc}") from exc
                raise
            # Every checked row lands once; anything else stops the build before the swap.
            stored, staged = con.execute(
                f"SELECT (SELECT count(*) FROM {entity.name}), "
                f"(SELECT count(*) FROM loader.stg_{entity.name})").fetchone()
            if stored != staged:
                raise RuntimeError(f"{entity.name}: {staged} rows checked, {stored} stored")
            if verify_references and entity.refs:
                resolved = con.execute(
                    f"SELECT {', '.join(f'count({r.id_column})' for r in entity.refs)} "
                    f"FROM {entity.name}").fetchone()
                present = dict(con.execute(
                    "SELECT id_column, present FROM loader.ref_present_ WHERE entity = ?",
                    [entity.name]).fetchall())
                if any(n != present[r.id_column]
                       for r, n in zip(entity.refs, resolved, strict=True)):
                    raise DanglingReference(entity.name)
        con.execute("DETACH loader")
    return fill


# --- the load ---------------------------------------------------------------------------------

def load(directory: Path, store: Path, settings: Settings, *, partial: bool = False,
         incremental: bool = False, user: str = "", rejects_path: Path | None = None,
         progress: Progress | None = None) -> LoadResult:
    """Load ``directory`` into ``store``; one load per store at a time (from the command
    line or the admin page alike): two incremental loads over the same current store
    would each drop the other's day."""
    store.parent.mkdir(parents=True, exist_ok=True)
    with store.with_name(f".{store.name}.load-lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            result = LoadResult(ok=False, rejects=[Reject(
                store.name, None, "", "", "另一个导入正在进行, 请等它结束后再试")])
            return _finish(result, time.perf_counter(), rejects_path, directory, user,
                           settings, find_files(directory))
        try:
            # Holding the lock, no other load runs: what a killed one left is garbage.
            for path in remove_dead_leftovers(store):
                log.info("removed %s, left by a load that did not finish", path.name)
            return _load(directory, store, settings, partial=partial, incremental=incremental,
                         user=user, rejects_path=rejects_path, progress=progress)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load(directory: Path, store: Path, settings: Settings, *, partial: bool,
          incremental: bool, user: str, rejects_path: Path | None,
          progress: Progress | None) -> LoadResult:
    started = time.perf_counter()
    report = progress or (lambda _msg, _f: None)

    def note(message: str, fraction: float) -> None:
        # The log says when each phase began: where a slow load spends its time.
        log.info("load %s: %s at %.1f s", directory.name, message, time.perf_counter() - started)
        report(message, fraction)

    def finish(sink: RejectSink | None = None) -> LoadResult:
        return _finish(result, started, rejects_path, directory, user, settings, files, sink)
    result = LoadResult(ok=False, incremental=incremental)
    files = find_files(directory)
    ambiguous = ambiguous_files(directory)
    if ambiguous:
        result.rejects = ambiguous
        return finish()
    scratch = store.with_name(f".{store.name}.import-{os.getpid()}")
    scratch.mkdir(parents=True, exist_ok=True)
    scratch_db = scratch / "staging.duckdb"
    con = _connect_scratch(scratch_db, settings)
    try:
        problems: list[Reject] = []
        if incremental:
            if not store.exists():
                result.rejects = [Reject(store.name, None, "", "", "增量导入需要已有的数据仓库")]
                return finish()
            _stage_current_store(con, store, scratch)
        for i, entity in enumerate(ENTITIES):
            path = files.get(entity.name)
            note(f"读取 {entity.name}", 0.5 * i / len(ENTITIES))
            if path is None:
                if incremental:
                    continue
                if entity.name in OPTIONAL_FILES:  # none of this kind
                    stage_none(con, entity)
                    result.rows_read[entity.name] = 0
                else:
                    problems.append(Reject(f"{entity.name}.csv", None, "", "",
                                           "缺少文件 (全量导入需要此文件; 没有数据时请给只有"
                                           "表头的文件)"))
                continue
            try:
                if incremental:
                    result.rows_read[entity.name] = _overlay(con, entity, path, scratch,
                                                             settings)
                else:
                    result.rows_read[entity.name] = stage_file(con, entity, path, scratch,
                                                               settings)
            except FileProblem as problem:
                problems.append(problem.reject)
        if problems:
            result.rejects = problems
            return finish()
        note("校验", 0.55)
        try:
            sink = validate(con, files, settings)
        except FileProblem as problem:
            result.rejects = [problem.reject]
            return finish()
        # References are checked by the build's own joins unless rows are rejected
        # already (then every problem is listed at once) or a partial load must leave out
        # the rows whose references fail before it builds.
        references_checked = partial or sink.count() > 0
        if references_checked:
            check_references(con, sink)
        if sink.count() and (not partial or sink.any_full()):
            return finish(sink)
        if sink.count():
            # Leave out the rejected rows and, until nothing changes, the rows whose
            # references pointed at them — every one listed, or nothing loads.
            while not sink.any_full() and check_references(con, sink, exclude_rejected=True):
                pass
            if sink.any_full():
                return finish(sink)
            for entity in ENTITIES:
                restage(con, entity, f"SELECT * FROM stg_{entity.name} WHERE line_ NOT IN "
                        f"(SELECT line FROM rejects_ WHERE entity = '{entity.name}')")
            _take_rejects(result, sink, files, settings, rejects_path, directory)
        previous = store.exists()
        if previous:
            _stage_current_ids(con, store, scratch)
        for entity in ENTITIES:
            if entity.id_column:
                lines = con.execute(f"SELECT min(line_) = 2 AND max(line_) = count(*) + 1 "
                                    f"FROM stg_{entity.name}").fetchone()[0]
                con.execute(_id_map_sql(entity, previous, bool(lines)))
        stage_rates(con)
        result.rows_loaded = {e.name: con.execute(f"SELECT count(*) FROM stg_{e.name}")
                              .fetchone()[0] for e in ENTITIES}
        con.close()
        note("生成数据仓库", 0.7)
        try:
            # As many threads as cores: with 4 on 2 cores the fill's joins on business
            # keys took 30 % more CPU (10 M policies: 295 s against 268 s).
            build_store(store, fill_from_staging(
                scratch_db, verify_references=not references_checked),
                        replace(settings, build_threads=settings.duckdb_threads),
                        origin="imported", customers=inputs_from_ops(settings),
                        day=incremental)
        except DanglingReference as exc:
            con = _connect_scratch(scratch_db, settings)
            sink = RejectSink(con, settings.import_max_errors)
            check_references(con, sink)
            if sink.count():
                return finish(sink)
            result.rejects = [Reject(store.name, None, "", "",
                                     f"生成数据仓库失败, 数据仓库未改变: {exc}")]
            return finish()
        except (duckdb.Error, RuntimeError, OSError) as exc:
            log.exception("building %s from %s failed", store, directory)
            result.rejects, result.rejects_path = [Reject(
                store.name, None, "", "", f"生成数据仓库失败, 数据仓库未改变: {exc}")], None
            return finish()
        result.ok = True
        return finish()
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _connect_scratch(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")  # phases are logged instead
    con.execute(f"SET memory_limit = '{settings.build_memory_limit}'")
    con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    # Scratch text is read once or twice and dropped: compressing it cost more than
    # writing it plainly.
    con.execute("SET disabled_compression_methods = 'dict_fsst'")
    return con


def _take_rejects(result: LoadResult, sink: RejectSink, files: dict[str, Path],
                  settings: Settings, rejects_path: Path | None, directory: Path) -> None:
    """The first rejects into the result, all of them into the report."""
    result.rejects = sink.first(files)
    result.rejects_total = sink.count()
    target = rejects_path or report_path(settings, directory)
    try:
        sink.write(files, target)
        result.rejects_path = target
    except (OSError, duckdb.Error):
        log.exception("writing the rejects report %s failed", target)
        result.rejects_path = None


def _stage_current_store(con: duckdb.DuckDBPyConnection, store: Path, scratch: Path) -> None:
    from data.export_layout import export_store

    current = scratch / "current"
    export_store(store, current, "parquet")
    for entity in ENTITIES:
        stage_file(con, entity, current / f"{entity.name}.parquet", scratch)


def _stage_current_ids(con: duckdb.DuckDBPyConnection, store: Path, scratch: Path) -> None:
    from data.export_layout import export_ids

    export_ids(store, scratch / "ids")
    for entity in ENTITIES:
        if entity.id_column:
            ids = scratch / "ids" / f"{entity.name}.ids.parquet"
            con.execute(f"CREATE OR REPLACE TABLE prev_{entity.name} AS SELECT * FROM "
                        f"read_parquet({lit(str(ids))})")


def _overlay(con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, scratch: Path,
             settings: Settings) -> int:
    """The day's rows replace the current rows of the same business key; new ones follow.

    The day's rows keep their file lines (rejects name them); the current rows they leave
    alone get lines before 1, so rows sort the same way however often a day is loaded.
    """
    name = entity.name
    con.execute(f"CREATE OR REPLACE TABLE cur_{name} AS SELECT * FROM stg_{name}")
    try:
        rows = stage_file(con, entity, path, scratch, settings)
    except FileProblem:
        restage(con, entity, f"SELECT * FROM cur_{name}")
        con.execute(f"DROP TABLE cur_{name}")
        raise
    key = " AND ".join(f"c.{k} IS NOT DISTINCT FROM d.{k}" for k in entity.key)
    last = con.execute(f"SELECT coalesce(max(line_), 0) FROM cur_{name}").fetchone()[0]
    restage(con, entity, f"""
        SELECT c.line_ - {last} - 1 AS line_, {', '.join('c.' + n for n in entity.columns)}
        FROM cur_{name} c WHERE NOT EXISTS (SELECT 1 FROM stg_{name} d WHERE {key})
        UNION ALL SELECT line_, {', '.join(entity.columns)} FROM stg_{name}""")
    con.execute(f"DROP TABLE cur_{name}")
    return rows


def _finish(result: LoadResult, started: float, rejects_path: Path | None, directory: Path,
            user: str, settings: Settings, files: dict[str, Path],
            sink: RejectSink | None = None) -> LoadResult:
    result.seconds = time.perf_counter() - started
    if sink is not None:
        _take_rejects(result, sink, files, settings, rejects_path, directory)
    elif result.rejects and result.rejects_path is None:
        target = rejects_path or report_path(settings, directory)
        try:
            write_listed(result.rejects, target)
            result.rejects_path = target
        except OSError:
            result.rejects_path = None
    result.rejects_total = result.problems
    record_history(settings, user, directory, files, result)
    return result


# --- load history (in the operational store) -----------------------------------------------

def record_history(settings: Settings, user: str, directory: Path, files: dict[str, Path],
                   result: LoadResult) -> None:
    record_load(settings.users_db, username=user, source=directory.name,
                files=[p.name for p in files.values()], rows_read=sum(result.rows_read.values()),
                rows_loaded=sum(result.rows_loaded.values()), rows_rejected=result.problems,
                ok=result.ok, seconds=result.seconds, message=result.message)


def load_history(settings: Settings, limit: int = 200) -> list[dict[str, Any]]:
    return recent_loads(settings.users_db, limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="导入核心系统的 T+1 文件 (docs/IMPORT.md)")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--partial", action="store_true", help="只导入正确的行, 列出剔除的每一行")
    parser.add_argument("--incremental", action="store_true", help="当日新增和变更的行")
    parser.add_argument("--rejects", type=Path, default=None, help="错误清单 CSV 的位置")
    parser.add_argument("--user", default=os.environ.get("USER", ""))
    args = parser.parse_args(argv)
    # Each phase and each build step with its time, on the console (stderr).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = replace(Settings.from_env(), store_path=args.store)
    if not args.directory.is_dir():
        print(f"目录不存在: {args.directory}", file=sys.stderr)
        return 2
    result = load(args.directory, args.store, settings, partial=args.partial,
                  incremental=args.incremental, user=args.user, rejects_path=args.rejects,
                  progress=lambda msg, f: print(f"[{f:4.0%}] {msg}", file=sys.stderr,
                                                flush=True))
    for r in result.rejects[:50]:
        print(f"{r.file}\t第 {r.row or '-'} 行\t{r.column}\t{r.value!r}\t{r.reason}")
    if result.rejects:
        print(f"… 共 {result.problems:,} 处, 错误清单: {result.rejects_path}")
    print(result.message)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
