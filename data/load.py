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
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from data.build import build_store
from data.layout import BY_NAME, ENTITIES, SQL_TYPES, Entity, Ref
from data.settings import Settings
from data.steps import run_step
from ops.history import recent_loads, record_load

log = logging.getLogger(__name__)
FORMATS = (".csv", ".parquet", ".xlsx")
MAX_HEADER_BYTES = 64 * 1024
Progress = Callable[[str, float], None]


@dataclass
class Reject:
    file: str
    row: int | None
    column: str
    value: str
    reason: str


@dataclass
class LoadResult:
    ok: bool
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    seconds: float = 0.0
    rejects_path: Path | None = None
    incremental: bool = False

    @property
    def message(self) -> str:
        if self.ok:
            left = f", 剔除 {len(self.rejects):,} 行" if self.rejects else ""
            total = sum(self.rows_loaded.values())
            loaded = (f"已导入当日 {sum(self.rows_read.values()):,} 行 (新增或变更), 数据仓库"
                      f"共 {total:,} 行" if self.incremental else f"已导入 {total:,} 行")
            return f"{loaded}{left}, 用时 {self.seconds:.1f} 秒"
        return f"未导入: {len(self.rejects):,} 处错误, 数据仓库未改变"


class FileProblem(Exception):
    def __init__(self, file: str, reason: str, column: str = "", row: int | None = None):
        super().__init__(reason)
        self.reject = Reject(file, row, column, "", reason)


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


def stage_file(con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, scratch: Path
               ) -> int:
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
        source = (f"read_csv('{source_path}', header = true, all_varchar = true, "
                  "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
                  "null_padding = false, auto_detect = false, "
                  f"columns = {{{', '.join(repr(h) + ': ' + repr('VARCHAR') for h in header)}}})")
    elif path.suffix == ".parquet":
        try:
            types = {r[0]: r[1] for r in con.execute(
                f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
        except duckdb.Error as exc:
            raise FileProblem(path.name, f"不是有效的 Parquet 文件: {exc}") from exc
        header = list(types)
        source = f"read_parquet('{path}', file_row_number = true)"
        line = "line_"
    else:
        header, source = _stage_xlsx(entity, path, scratch)
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
            raise FileProblem(path.name, _duck_reason(str(exc))) from exc
        con.execute(f"CREATE VIEW stg_{entity.name} AS SELECT {line} AS line_, * "
                    f"FROM raw_{entity.name}")
    rows = con.execute(f"SELECT count(*) FROM stg_{entity.name}").fetchone()[0]
    if rows == 0:
        raise FileProblem(path.name, "文件为空 (只有表头)")
    return int(rows)


def restage(con: duckdb.DuckDBPyConnection, entity: Entity, select: str) -> None:
    """Replace ``stg_<entity>`` by ``select`` (which gives ``line_`` and every column)."""
    name = entity.name
    con.execute(f"CREATE OR REPLACE TABLE raw_{name}_next AS {select}")
    con.execute(f"DROP VIEW IF EXISTS stg_{name}")
    con.execute(f"DROP TABLE IF EXISTS raw_{name}")
    con.execute(f"ALTER TABLE raw_{name}_next RENAME TO raw_{name}")
    con.execute(f"CREATE VIEW stg_{name} AS SELECT * FROM raw_{name}")


def _duck_reason(message: str) -> str:
    first = message.splitlines()[0]
    if "Expected Number of Columns" in message or "too many" in message.lower() \
            or "Error when sniffing" in message or "CSV Error" in message:
        line = next((w for w in message.replace(":", " ").split() if w.isdigit()), "")
        where = f", 约第 {line} 行" if line else ""
        return f"文件格式错误 (列数不符, 文件可能被截断){where}: {first}"
    if "unicode" in message.lower():
        return "编码无法识别 (应为 UTF-8 或 GBK)"
    return f"文件无法读取: {first}"


def _stage_xlsx(entity: Entity, path: Path, scratch: Path) -> tuple[list[str], str]:
    """The first sheet as text, through a Parquet file in the scratch folder."""
    import polars as pl
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise FileProblem(path.name, f"不是有效的 Excel 文件: {exc}") from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    _check_header(entity, path.name, header)
    data = [["" if v is None else (v.date().isoformat() if isinstance(v, datetime)
                                   else str(v)) for v in r] for r in rows]
    while data and not any(data[-1]):  # blank rows Excel keeps below the table
        data.pop()
    for line, row in enumerate(data, start=2):
        if any(row[len(header):]):
            raise FileProblem(path.name, "数据超出表头的列", row=line)
        row[:] = (row + [""] * len(header))[:len(header)]
    frame = pl.DataFrame(data, schema=header, orient="row") if data else \
        pl.DataFrame(schema={h: pl.Utf8 for h in header})
    target = scratch / f"{entity.name}.xlsx.parquet"
    frame.write_parquet(target)
    return header, f"read_parquet('{target}')"


def _check_header(entity: Entity, file: str, header: list[str]) -> None:
    known = set(entity.columns)
    extra = [h for h in header if h not in known]
    if extra:
        raise FileProblem(file, f"多余的列: {', '.join(extra)} (见 docs/IMPORT.md)", extra[0])
    missing = [f.name for f in entity.fields if f.required and f.name not in header]
    if missing:
        raise FileProblem(file, f"缺少必填列: {', '.join(missing)}", missing[0])
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise FileProblem(file, f"重复的列: {', '.join(sorted(dupes))}", sorted(dupes)[0])


# --- validation ---------------------------------------------------------------------------

def _typed(f_type: str, column: str) -> str:
    if f_type == "bool":
        return f"TRY_CAST({column} AS BOOLEAN)"
    if f_type == "date":
        # ISO dates only: 2026-02-30 and 2026/2/3 are refused, not guessed.
        return f"TRY_STRPTIME({column}, '%Y-%m-%d')::DATE"
    return f"TRY_CAST({column} AS {SQL_TYPES[f_type]})"


TYPE_WORDS = {"int": "整数", "date": "日期 (YYYY-MM-DD)", "money": "金额", "rate": "汇率",
              "bool": "是否值 (true/false)"}


def row_checks(entity: Entity) -> list[tuple[str, str, str]]:
    """(column, SQL condition that marks a bad row, reason) for one staged entity."""
    checks = []
    for f in entity.fields:
        c = f.name
        if f.required:
            checks.append((c, f"{c} IS NULL", f"必填项为空: {f.label}"))
        if f.type != "text":
            checks.append((c, f"{c} IS NOT NULL AND {_typed(f.type, c)} IS NULL",
                           f"{f.label} 不是有效的{TYPE_WORDS[f.type]}"))
        if f.codes:
            allowed = ", ".join("'" + v + "'" for v in f.codes)
            checks.append((c, f"{c} IS NOT NULL AND {c} NOT IN ({allowed})",
                           f"{f.label} 只能是 {' / '.join(f.codes)}"))
        if f.non_negative:
            checks.append((c, f"{_typed(f.type, c)} < 0", f"{f.label} 不能为负数"))
    for earlier, later in entity.dates_in_order:
        a, b = _typed("date", earlier), _typed("date", later)
        labels = {f.name: f.label for f in entity.fields}
        checks.append((later, f"{a} > {b}",
                       f"{labels[later]} 早于 {labels[earlier]}"))
    return checks


def validate(con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> None:
    """Fill ``rejects_`` (entity, line, column, value, reason) for the staged entities.

    One scan per file counts the rows failing each check; only the checks that fail
    scan again to list their rows. A file that cannot be read to its end (a damaged
    Parquet page) is a ``FileProblem`` naming it. References are not checked here: the
    same scan counts each reference a file sets (``ref_present_``), for the build's own
    joins to verify (``fill_from_staging``), or ``check_references`` lists them.
    """
    con.execute("CREATE OR REPLACE TABLE rejects_ (entity VARCHAR, line BIGINT, "
                "col VARCHAR, value VARCHAR, reason VARCHAR)")
    con.execute("CREATE OR REPLACE TABLE ref_present_ (entity VARCHAR, id_column VARCHAR, "
                "present BIGINT)")
    for entity in ENTITIES:
        table = f"stg_{entity.name}"
        checks = row_checks(entity)
        key = ", ".join(entity.key)
        present = [f"count(*) FILTER (WHERE {_ref_present(ref)})" for ref in entity.refs]
        try:
            counts = con.execute(
                f"SELECT {', '.join(f'count(*) FILTER (WHERE {bad})' for _, bad, _ in checks)}"
                f", {''.join(p + ', ' for p in present)}"
                f"count(*) - count(DISTINCT ({key},)) FROM {table} s").fetchone()
        except duckdb.Error as exc:
            file = files[entity.name].name if entity.name in files else f"{entity.name}"
            reason = _duck_reason(str(exc))
            if file.endswith(".parquet"):  # its footer read well: the data under it did not
                reason = reason.replace("文件无法读取", "文件无法读取 (Parquet 数据已损坏)", 1)
            raise FileProblem(file, reason) from exc
        for ref, n in zip(entity.refs, counts[len(checks):-1], strict=True):
            con.execute("INSERT INTO ref_present_ VALUES (?, ?, ?)",
                        [entity.name, ref.id_column, n])
        for (column, bad, reason), failing in zip(checks, counts, strict=False):
            if failing:
                con.execute(f"INSERT INTO rejects_ SELECT '{entity.name}', line_, "
                            f"'{column}', {column}, ? FROM {table} WHERE {bad}", [reason])
        if counts[-1]:
            con.execute(f"""INSERT INTO rejects_
                SELECT '{entity.name}', line_, '{entity.key[0]}', concat_ws('|', {key}), ?
                FROM (SELECT line_, {key}, row_number() OVER (PARTITION BY {key}
                      ORDER BY line_) AS n FROM {table}) WHERE n > 1""",
                        [f"重复的业务键 ({', '.join(entity.key)}): 同一键在文件中出现多次"])
    check_rates(con)


def _ref_present(ref: Ref) -> str:
    """The staged row (``s``) sets this reference: a composite one by its last column
    (the term), the others following; an endorsement number may stay empty."""
    here = " AND ".join(f"s.{c} IS NOT NULL" for c in ref.columns
                        if c not in ("endorsement_no",)) or "TRUE"
    return f"s.{ref.columns[-1]} IS NOT NULL AND {here}"


def check_references(con: duckdb.DuckDBPyConnection, exclude_rejected: bool = False) -> int:
    """References by business key to rows present in the files; returns rejects added."""
    before = con.execute("SELECT count(*) FROM rejects_").fetchone()[0]
    for entity in ENTITIES:
        for ref in entity.refs:
            target = BY_NAME[ref.entity]
            present = _ref_present(ref)
            join = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{c}"
                                for c, k in zip(ref.columns, ref.keys, strict=True))
            alive = "WHERE line_ NOT IN (SELECT line FROM rejects_ WHERE entity = " \
                    f"'{target.name}')" if exclude_rejected else ""
            reason = (f"引用不存在: {'+'.join(ref.columns)} 在 {target.name} "
                      f"({target.label}) 中找不到")
            # An ANTI JOIN, not NOT EXISTS: DuckDB plans the correlated form with a pass
            # over the distinct outer keys first (10 M receivables: 5.5 s against 2.5 s).
            con.execute(f"""INSERT INTO rejects_
                SELECT '{entity.name}', s.line_, '{ref.columns[-1]}',
                       concat_ws('|', {', '.join('s.' + c for c in ref.columns)}), ?
                FROM stg_{entity.name} s
                ANTI JOIN (SELECT {', '.join(ref.keys)} FROM stg_{target.name} {alive}) t
                     ON {join}
                WHERE {present}
                  AND s.line_ NOT IN (SELECT line FROM rejects_ WHERE entity = '{entity.name}'
                                       AND reason = ?)""", [reason, reason])
    return con.execute("SELECT count(*) FROM rejects_").fetchone()[0] - before


def check_rates(con: duckdb.DuckDBPyConnection) -> None:
    """A foreign amount without its CNY twin needs a rate on or before its date."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE first_rate_ AS SELECT currency_code, "
                f"min({_typed('date', 'rate_date')}) AS first_date FROM stg_exchange_rate "
                "GROUP BY currency_code")
    for entity in ENTITIES:
        for conv in _converted(entity):
            day = _typed("date", "s." + conv.date)
            con.execute(f"""INSERT INTO rejects_
                SELECT '{entity.name}', s.line_, '{conv.cny}', s.currency_code || ' ' ||
                       s.{conv.date}, ?
                FROM stg_{entity.name} s LEFT JOIN first_rate_ r USING (currency_code)
                WHERE s.{conv.cny} IS NULL AND s.{conv.amount} IS NOT NULL
                  AND {day} IS NOT NULL AND (r.first_date IS NULL OR r.first_date > {day})""",
                        [f"没有 {conv.date} 当日或之前的兑换率, 无法折算人民币"])


def stage_rates(con: duckdb.DuckDBPyConnection) -> None:
    """``daily_rates_``: each currency's rate in force on every day from its first rate to
    its last; ``last_rates_``: the last one, in force on every later day."""
    con.execute(f"""CREATE OR REPLACE TABLE rates_ AS
        SELECT currency_code, {_typed('date', 'rate_date')} AS rate_date,
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


def _converted(entity: Entity) -> tuple[Any, ...]:
    return entity.converted


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
    on = " AND ".join(f"p.{k} IS NOT DISTINCT FROM {_typed(types[k], 's.' + k)}"
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
        exprs.setdefault(name, _typed(f.type, f"s.{name}"))
    # The rate in force on a date: the latest on or before it, looked up by equality in
    # the day-by-day table (an ASOF join sorted all 10 M policies with every column: 28 s
    # of a 36 s fill), or the last rate for a date after it.
    rate_of: dict[str, str] = {}
    for conv in entity.converted:
        if conv.date not in rate_of:
            day, n = _typed("date", "s." + conv.date), len(rate_of)
            joins.append(f"LEFT JOIN loader.daily_rates_ x{n} ON x{n}.currency_code = "
                         f"s.currency_code AND x{n}.rate_date = {day}")
            joins.append(f"LEFT JOIN loader.last_rates_ y{n} ON y{n}.currency_code = "
                         f"s.currency_code AND {day} > y{n}.rate_date")
            rate_of[conv.date] = f"coalesce(x{n}.rate_to_cny, y{n}.rate_to_cny)"
        amount = _typed("money", f"s.{conv.amount}")
        exprs[conv.cny] = f"coalesce({_typed('money', 's.' + conv.cny)}, round(CAST(" \
                          f"{amount} AS DECIMAL(38,2)) * {rate_of[conv.date]}, 2))"
    if entity.id_column:
        exprs[entity.id_column] = "self.id_"
        joins.append(f"JOIN loader.map_{entity.name} self ON self.line_ = s.line_")
    if entity.name == "policy":
        exprs["class_id"] = "(SELECT class_id FROM risk WHERE risk.risk_id = m0.id_)"
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
        con.execute(f"ATTACH '{scratch_db}' AS loader (READ_ONLY)")
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
    result = LoadResult(ok=False, incremental=incremental)
    scratch = store.with_name(f".{store.name}.import-{os.getpid()}")
    scratch.mkdir(parents=True, exist_ok=True)
    scratch_db = scratch / "staging.duckdb"
    files = find_files(directory)
    con = _connect_scratch(scratch_db, settings)
    try:
        problems: list[Reject] = []
        if incremental:
            if not store.exists():
                result.rejects = [Reject(store.name, None, "", "", "增量导入需要已有的数据仓库")]
                return _finish(result, started, rejects_path, directory, user, settings, files)
            _stage_current_store(con, store, scratch)
        for i, entity in enumerate(ENTITIES):
            path = files.get(entity.name)
            note(f"读取 {entity.name}", 0.5 * i / len(ENTITIES))
            if path is None:
                if not incremental:
                    problems.append(Reject(f"{entity.name}.csv", None, "", "",
                                           "缺少文件 (全量导入需要每个实体的文件)"))
                continue
            try:
                if incremental:
                    result.rows_read[entity.name] = _overlay(con, entity, path, scratch)
                else:
                    result.rows_read[entity.name] = stage_file(con, entity, path, scratch)
            except FileProblem as problem:
                problems.append(problem.reject)
        if problems:
            result.rejects = problems
            return _finish(result, started, rejects_path, directory, user, settings, files)
        note("校验", 0.55)
        try:
            # References are checked by the build's own joins unless rows are rejected
            # already (then every problem is listed at once) or a partial load must
            # leave out the rows whose references fail before it builds.
            validate(con, files)
        except FileProblem as problem:
            result.rejects = [problem.reject]
            return _finish(result, started, rejects_path, directory, user, settings, files)
        references_checked = partial or bool(
            con.execute("SELECT count(*) FROM rejects_").fetchone()[0])
        if references_checked:
            check_references(con)
        rejects = _collect_rejects(con, files)
        if rejects and not partial:
            result.rejects = rejects
            return _finish(result, started, rejects_path, directory, user, settings, files)
        if rejects:
            # Leave out the rejected rows and, until nothing changes, the rows whose
            # references pointed at them.
            while check_references(con, exclude_rejected=True):
                pass
            rejects = _collect_rejects(con, files)
            for entity in ENTITIES:
                restage(con, entity, f"SELECT * FROM stg_{entity.name} WHERE line_ NOT IN "
                        f"(SELECT line FROM rejects_ WHERE entity = '{entity.name}')")
            result.rejects = rejects
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
                        replace(settings, build_threads=settings.duckdb_threads))
        except DanglingReference as exc:
            con = _connect_scratch(scratch_db, settings)
            check_references(con)
            result.rejects = _collect_rejects(con, files) or [Reject(
                store.name, None, "", "", f"生成数据仓库失败, 数据仓库未改变: {exc}")]
            return _finish(result, started, rejects_path, directory, user, settings, files)
        except (duckdb.Error, RuntimeError, OSError) as exc:
            log.exception("building %s from %s failed", store, directory)
            result.rejects = [Reject(store.name, None, "", "",
                                     f"生成数据仓库失败, 数据仓库未改变: {exc}")]
            return _finish(result, started, rejects_path, directory, user, settings, files)
        result.ok = True
        return _finish(result, started, rejects_path, directory, user, settings, files)
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


def _collect_rejects(con: duckdb.DuckDBPyConnection, files: dict[str, Path]) -> list[Reject]:
    rows = con.execute("SELECT DISTINCT entity, line, col, value, reason FROM rejects_ "
                       "ORDER BY entity, line, col").fetchall()
    return [Reject(files[e].name if e in files and line > 0 else
                   f"{e}.csv" if line > 0 else f"现有数据仓库 ({e})",
                   line if line > 0 else None, col, value or "", reason)
            for e, line, col, value, reason in rows]


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
            con.execute(f"CREATE OR REPLACE TABLE prev_{entity.name} AS SELECT * FROM "
                        f"read_parquet('{scratch / 'ids' / (entity.name + '.ids.parquet')}')")


def _overlay(con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, scratch: Path) -> int:
    """The day's rows replace the current rows of the same business key; new ones follow.

    The day's rows keep their file lines (rejects name them); the current rows they leave
    alone get lines before 1, so rows sort the same way however often a day is loaded.
    """
    name = entity.name
    con.execute(f"CREATE OR REPLACE TABLE cur_{name} AS SELECT * FROM stg_{name}")
    try:
        rows = stage_file(con, entity, path, scratch)
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
            user: str, settings: Settings, files: dict[str, Path]) -> LoadResult:
    result.seconds = time.perf_counter() - started
    if result.rejects:
        target = rejects_path or directory / "rejects.csv"
        try:
            with target.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow(["文件", "行", "列", "值", "原因"])
                for r in result.rejects:
                    w.writerow([r.file, r.row or "", r.column, r.value, r.reason])
            result.rejects_path = target
        except OSError:
            result.rejects_path = None
    record_history(settings, user, directory, files, result)
    return result


# --- load history (in the operational store) -----------------------------------------------

def record_history(settings: Settings, user: str, directory: Path, files: dict[str, Path],
                   result: LoadResult) -> None:
    record_load(settings.users_db, username=user, source=directory.name,
                files=[p.name for p in files.values()], rows_read=sum(result.rows_read.values()),
                rows_loaded=sum(result.rows_loaded.values()), rows_rejected=len(result.rejects),
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
    if len(result.rejects) > 50:
        print(f"… 共 {len(result.rejects):,} 处, 见 {result.rejects_path}")
    print(result.message)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
