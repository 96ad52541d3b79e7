"""The importer's rejects: kept in the scratch database (``rejects_``), at most a set
number per file, and written from there to the rejects report — a file of junk lines
must not become millions of Python objects or a report bigger than the file.

The report (UTF-8 with BOM, opens in Excel) goes beside the load history, never into the
folder being loaded.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from data.importer.checks import lit, one_row
from data.settings import Settings

HEADER = ["文件", "行", "列", "值", "原因"]
SHOWN = 1_000  # rejects carried in the result (the screen shows the first 500)
REPORTS_KEPT = 100


@dataclass
class Reject:
    file: str
    row: int | None
    column: str
    value: str
    reason: str


class FileProblem(Exception):
    def __init__(self, file: str, reason: str, column: str = "", row: int | None = None):
        super().__init__(reason)
        self.reject = Reject(file, row, column, "", reason)


def duck_reason(message: str) -> str:
    first = message.splitlines()[0]
    if "Expected Number of Columns" in message or "too many" in message.lower() \
            or "Error when sniffing" in message or "CSV Error" in message:
        line = next((w for w in message.replace(":", " ").split() if w.isdigit()), "")
        where = f", 约第 {line} 行" if line else ""
        return f"文件格式错误 (列数不符, 文件可能被截断){where}: {first}"
    if "unicode" in message.lower():
        return "编码无法识别 (应为 UTF-8 或 GBK)"
    return f"文件无法读取: {first}"


class RejectSink:
    """``rejects_`` (entity, line, col, value, reason) with at most ``limit`` rows per
    entity; what a check finds beyond that is counted in ``rejects_more_``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, limit: int, fresh: bool = False):
        self.con, self.limit = con, max(int(limit), 1)
        verb = "CREATE OR REPLACE TABLE" if fresh else "CREATE TABLE IF NOT EXISTS"
        con.execute(f"{verb} rejects_ (entity VARCHAR, line BIGINT, col VARCHAR, "
                    "value VARCHAR, reason VARCHAR)")
        con.execute(f"{verb} rejects_more_ (entity VARCHAR, more BIGINT)")
        con.execute(f"{verb} rejects_stopped_ (entity VARCHAR, rows BIGINT)")

    def listed(self, entity: str) -> int:
        return int(one_row(self.con, "SELECT count(*) FROM rejects_ WHERE entity = ?",
                           [entity])[0])

    def full(self, entity: str) -> bool:
        return self.listed(entity) >= self.limit

    def any_full(self) -> bool:
        return bool(one_row(self.con, "SELECT count(*) FROM rejects_more_")[0])

    def add(self, entity: str, select: str, params: list[object] | None = None,
            failing: int | None = None) -> int:
        """List the rows of ``select`` (entity, line, col, value, reason) while the file
        has room; count the rest (``failing`` when the caller knows how many there are).
        Returns how many it found."""
        room = self.limit - self.listed(entity)
        if room <= 0 and failing is None:
            return 0  # the file stopped being checked
        inserted = 0
        if room > 0:
            inserted = int(one_row(
                self.con, f"INSERT INTO rejects_ SELECT * FROM ({select}) LIMIT {room}",
                params)[0])
            if inserted < room:
                return inserted
        total = failing if failing is not None else int(one_row(
            self.con, f"SELECT count(*) FROM ({select})", params)[0])
        if total > inserted:
            self.con.execute("INSERT INTO rejects_more_ VALUES (?, ?)",
                             [entity, total - inserted])
        return total

    def stopped(self, entity: str, rows: int) -> None:
        """The file was checked only to its first ``rows`` rows."""
        self.con.execute("INSERT INTO rejects_stopped_ VALUES (?, ?)", [entity, rows])

    def count(self) -> int:
        listed, more = one_row(
            self.con, "SELECT (SELECT count(*) FROM rejects_), "
            "(SELECT coalesce(sum(more), 0) FROM rejects_more_)")
        return int(listed) + int(more)

    def _rows_sql(self, files: dict[str, Path]) -> str:
        names = ", ".join(f"({lit(e)}, {lit(p.name)})" for e, p in files.items()) \
            or "(NULL, NULL)"
        return f"""
            WITH f(entity, file) AS (VALUES {names}),
            listed AS (SELECT DISTINCT entity, line, col, value, reason FROM rejects_),
            more AS (SELECT entity, sum(more) AS more, min(st.rows) AS rows
                     FROM rejects_more_ LEFT JOIN rejects_stopped_ st USING (entity)
                     GROUP BY entity)
            SELECT CASE WHEN r.line > 0 THEN coalesce(f.file, r.entity || '.csv')
                        ELSE '现有数据仓库 (' || r.entity || ')' END AS file,
                   CASE WHEN r.line > 0 THEN r.line END AS line, r.col, r.value, r.reason,
                   r.entity AS entity_, r.line AS sort_
            FROM listed r LEFT JOIN f USING (entity)
            UNION ALL
            SELECT coalesce(f.file, m.entity || '.csv'), NULL, '', '',
                   '另有 ' || format('{{:,}}', m.more) || ' 处错误未列出: 每个文件最多列出 '
                   || format('{{:,}}', {self.limit}) || ' 处 (设置 IMPORT_MAX_ERRORS), '
                   || CASE WHEN m.rows IS NULL THEN '超过后停止检查该文件'
                           ELSE '前 ' || format('{{:,}}', m.rows) || ' 行已超过, 其余行未检查'
                      END, m.entity, 9223372036854775807
            FROM more m LEFT JOIN f USING (entity)"""

    def first(self, files: dict[str, Path], n: int = SHOWN) -> list[Reject]:
        rows = self.con.execute(
            f"SELECT file, line, col, value, reason FROM ({self._rows_sql(files)}) "
            f"ORDER BY entity_, sort_, col LIMIT {int(n)}").fetchall()
        return [Reject(file, line, col or "", value or "", reason)
                for file, line, col, value, reason in rows]

    def write(self, files: dict[str, Path], target: Path) -> None:
        """The whole report, written by the engine (the listed rows may be many)."""
        body = target.with_name(target.name + ".body")
        self.con.execute(
            f"COPY (SELECT file, line, col, value, reason FROM ({self._rows_sql(files)}) "
            f"ORDER BY entity_, sort_, col) TO {lit(str(body))} (FORMAT csv, HEADER false)")
        try:
            with target.open("w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerow(HEADER)
                with body.open(encoding="utf-8", newline="") as src:
                    shutil.copyfileobj(src, out)
        finally:
            body.unlink(missing_ok=True)


def write_listed(rejects: list[Reject], target: Path) -> None:
    """A report of the few problems found before anything was staged (files refused)."""
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for r in rejects:
            w.writerow([r.file, r.row or "", r.column, r.value, r.reason])


def report_folder(settings: Settings) -> Path:
    """Beside the load history: the users database's folder, or the store's when that
    database is a server."""
    db = settings.users_db
    home = Path(db).parent if "://" not in str(db) else settings.store_path.parent
    return home / "load-rejects"


def report_path(settings: Settings, directory: Path) -> Path:
    """A new report beside the load history; the oldest beyond the last 100 go."""
    folder = report_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("*.csv"), key=lambda p: p.stat().st_mtime)[:-REPORTS_KEPT]:
        old.unlink(missing_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in directory.name)
    return folder / f"{stamp}-{safe or 'load'}-rejects.csv"

