"""Reading the files of a load into text staging tables of the scratch database: which
files there are, their encoding and header, every layout column as text (``stg_<entity>``),
the day's rows over the current store's for an incremental load, and the exchange rates
day by day."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import duckdb

from data.importer.checks import lit, one_row, typed
from data.importer.rejects import FileProblem, Reject, duck_reason
from data.importer.xlsx import XlsxProblem, stage_xlsx
from data.layout import ENTITIES, Entity
from data.settings import Settings

FORMATS = (".csv", ".parquet", ".xlsx")
MAX_HEADER_BYTES = 64 * 1024


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


def utf8_copy(path: Path, scratch: Path) -> Path:
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
        source_path = utf8_copy(path, scratch)
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
    return int(one_row(con, f"SELECT count(*) FROM stg_{entity.name}")[0])


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


def connect_scratch(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")  # phases are logged instead
    con.execute(f"SET memory_limit = '{settings.build_memory_limit}'")
    con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    # Scratch text is read once or twice and dropped: compressing it cost more than
    # writing it plainly.
    con.execute("SET disabled_compression_methods = 'dict_fsst'")
    return con


def stage_current_store(con: duckdb.DuckDBPyConnection, store: Path, scratch: Path) -> None:
    from data.export_layout import export_store

    current = scratch / "current"
    export_store(store, current, "parquet")
    for entity in ENTITIES:
        stage_file(con, entity, current / f"{entity.name}.parquet", scratch)


def stage_current_ids(con: duckdb.DuckDBPyConnection, store: Path, scratch: Path) -> None:
    from data.export_layout import export_ids

    export_ids(store, scratch / "ids")
    for entity in ENTITIES:
        if entity.id_column:
            ids = scratch / "ids" / f"{entity.name}.ids.parquet"
            con.execute(f"CREATE OR REPLACE TABLE prev_{entity.name} AS SELECT * FROM "
                        f"read_parquet({lit(str(ids))})")


def overlay(con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, scratch: Path,
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
    last = one_row(con, f"SELECT coalesce(max(line_), 0) FROM cur_{name}")[0]
    restage(con, entity, f"""
        SELECT c.line_ - {last} - 1 AS line_, {', '.join('c.' + n for n in entity.columns)}
        FROM cur_{name} c WHERE NOT EXISTS (SELECT 1 FROM stg_{name} d WHERE {key})
        UNION ALL SELECT line_, {', '.join(entity.columns)} FROM stg_{name}""")
    con.execute(f"DROP TABLE cur_{name}")
    return rows
