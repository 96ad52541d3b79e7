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
import fcntl
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import duckdb

from data.build import build_store
from data.customer_store import inputs_from_ops
from data.importer.checks import one_row
from data.importer.fill import DanglingReference, fill_from_staging, id_map_sql
from data.importer.history import LoadRequest, LoadResult, finish_load, take_rejects
from data.importer.leftovers import remove_dead_leftovers
from data.importer.rejects import FileProblem, Reject, RejectSink
from data.importer.stage import (
    ambiguous_files,
    connect_scratch,
    find_files,
    overlay,
    restage,
    stage_current_ids,
    stage_current_store,
    stage_file,
    stage_none,
    stage_rates,
)
from data.importer.validate import check_references, validate
from data.layout import ENTITIES, OPTIONAL_FILES, Entity
from data.settings import Settings

# The name the load's phases have always been logged under.
log = logging.getLogger("data.load")
Progress = Callable[[str, float], None]


def load(directory: Path, store: Path, settings: Settings, *, partial: bool = False,
         incremental: bool = False, user: str = "", rejects_path: Path | None = None,
         progress: Progress | None = None) -> LoadResult:
    """Load ``directory`` into ``store``; one load per store at a time (from the command
    line or the admin page alike): two incremental loads over the same current store
    would each drop the other's day."""
    request = LoadRequest(directory, store, settings, partial=partial, incremental=incremental,
                          user=user, rejects_path=rejects_path)
    store.parent.mkdir(parents=True, exist_ok=True)
    with store.with_name(f".{store.name}.load-lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            result = LoadResult(ok=False, rejects=[Reject(
                store.name, None, "", "", "另一个导入正在进行, 请等它结束后再试")])
            return finish_load(request, result, time.perf_counter(), find_files(directory))
        try:
            # Holding the lock, no other load runs: what a killed one left is garbage.
            for path in remove_dead_leftovers(store):
                log.info("removed %s, left by a load that did not finish", path.name)
            return _Load(request, progress).run()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class _Load:
    """One load, stage by stage: each stage either hands on to the next or ends the load
    with its result (``finish``), the store unchanged unless the last one succeeds."""

    def __init__(self, request: LoadRequest, progress: Progress | None) -> None:
        self.request = request
        self.settings = request.settings
        self.store = request.store
        self.started = time.perf_counter()
        self.progress = progress or (lambda _msg, _f: None)
        self.result = LoadResult(ok=False, incremental=request.incremental)
        self.files = find_files(request.directory)
        self.scratch = self.store.with_name(f".{self.store.name}.import-{os.getpid()}")
        self.scratch_db = self.scratch / "staging.duckdb"

    def note(self, message: str, fraction: float) -> None:
        # The log says when each phase began: where a slow load spends its time.
        log.info("load %s: %s at %.1f s", self.request.directory.name, message,
                 time.perf_counter() - self.started)
        self.progress(message, fraction)

    def finish(self, sink: RejectSink | None = None) -> LoadResult:
        return finish_load(self.request, self.result, self.started, self.files, sink)

    def refuse(self, rejects: list[Reject]) -> LoadResult:
        self.result.rejects = rejects
        return self.finish()

    def run(self) -> LoadResult:
        ambiguous = ambiguous_files(self.request.directory)
        if ambiguous:
            return self.refuse(ambiguous)
        self.scratch.mkdir(parents=True, exist_ok=True)
        con = connect_scratch(self.scratch_db, self.settings)
        try:
            if self.request.incremental and not self.store.exists():
                return self.refuse([Reject(self.store.name, None, "", "",
                                           "增量导入需要已有的数据仓库")])
            problems = self.stage(con)
            if problems:
                return self.refuse(problems)
            checked = self.check(con)
            if isinstance(checked, LoadResult):
                return checked
            self.map_ids(con)
            con.close()
            return self.build(references_checked=checked)
        finally:
            con.close()
            shutil.rmtree(self.scratch, ignore_errors=True)

    def stage(self, con: duckdb.DuckDBPyConnection) -> list[Reject]:
        """Every file into its staging table (the day's rows over the current store's, for
        an incremental load); the problems of files that could not be read."""
        incremental = self.request.incremental
        if incremental:
            stage_current_store(con, self.store, self.scratch)
        problems: list[Reject] = []
        for i, entity in enumerate(ENTITIES):
            path = self.files.get(entity.name)
            self.note(f"读取 {entity.name}", 0.5 * i / len(ENTITIES))
            if path is None:
                if not incremental:
                    problems += self.no_file(con, entity)
                continue
            try:
                stage_one = overlay if incremental else stage_file
                self.result.rows_read[entity.name] = stage_one(con, entity, path, self.scratch,
                                                               self.settings)
            except FileProblem as problem:
                problems.append(problem.reject)
        return problems

    def no_file(self, con: duckdb.DuckDBPyConnection, entity: Entity) -> list[Reject]:
        if entity.name in OPTIONAL_FILES:  # none of this kind
            stage_none(con, entity)
            self.result.rows_read[entity.name] = 0
            return []
        return [Reject(f"{entity.name}.csv", None, "", "",
                       "缺少文件 (全量导入需要此文件; 没有数据时请给只有表头的文件)")]

    def check(self, con: duckdb.DuckDBPyConnection) -> bool | LoadResult:
        """Validate the staged rows: the load's end when they fail (a partial load leaves
        out the failing rows instead), else whether the references were checked."""
        self.note("校验", 0.55)
        try:
            sink = validate(con, self.files, self.settings)
        except FileProblem as problem:
            return self.refuse([problem.reject])
        # References are checked by the build's own joins unless rows are rejected
        # already (then every problem is listed at once) or a partial load must leave out
        # the rows whose references fail before it builds.
        references_checked = self.request.partial or sink.count() > 0
        if references_checked:
            check_references(con, sink)
        if sink.count() and (not self.request.partial or sink.any_full()):
            return self.finish(sink)
        if sink.count():
            left_out = self.leave_out_rejected(con, sink)
            if left_out is not None:
                return left_out
        return references_checked

    def leave_out_rejected(self, con: duckdb.DuckDBPyConnection, sink: RejectSink
                           ) -> LoadResult | None:
        # Leave out the rejected rows and, until nothing changes, the rows whose
        # references pointed at them — every one listed, or nothing loads.
        while not sink.any_full() and check_references(con, sink, exclude_rejected=True):
            pass
        if sink.any_full():
            return self.finish(sink)
        for entity in ENTITIES:
            restage(con, entity, f"SELECT * FROM stg_{entity.name} WHERE line_ NOT IN "
                    f"(SELECT line FROM rejects_ WHERE entity = '{entity.name}')")
        take_rejects(self.request, self.result, sink, self.files)
        return None

    def map_ids(self, con: duckdb.DuckDBPyConnection) -> None:
        """Ids by business key (the current store's kept), the rates by day, the counts."""
        previous = self.store.exists()
        if previous:
            stage_current_ids(con, self.store, self.scratch)
        for entity in ENTITIES:
            if entity.id_column:
                lines = one_row(con, f"SELECT min(line_) = 2 AND max(line_) = count(*) + 1 "
                                     f"FROM stg_{entity.name}")[0]
                con.execute(id_map_sql(entity, previous, bool(lines)))
        stage_rates(con)
        self.result.rows_loaded = {
            e.name: one_row(con, f"SELECT count(*) FROM stg_{e.name}")[0] for e in ENTITIES}

    def build(self, *, references_checked: bool) -> LoadResult:
        """The new store from the checked staging rows, swapped in."""
        self.note("生成数据仓库", 0.7)
        settings = self.settings
        try:
            # As many threads as cores: with 4 on 2 cores the fill's joins on business
            # keys took 30 % more CPU (10 M policies: 295 s against 268 s).
            build_store(self.store, fill_from_staging(
                self.scratch_db, verify_references=not references_checked),
                        replace(settings, build_threads=settings.duckdb_threads),
                        origin="imported", customers=inputs_from_ops(settings),
                        day=self.request.incremental)
        except DanglingReference as exc:
            return self.dangling(exc)
        except (duckdb.Error, RuntimeError, OSError) as exc:
            log.exception("building %s from %s failed", self.store, self.request.directory)
            self.result.rejects_path = None
            return self.refuse([Reject(self.store.name, None, "", "",
                                       f"生成数据仓库失败, 数据仓库未改变: {exc}")])
        self.result.ok = True
        return self.finish()

    def dangling(self, exc: DanglingReference) -> LoadResult:
        """A reference the build could not resolve: the full reference checks name the
        rows."""
        con = connect_scratch(self.scratch_db, self.settings)
        try:
            sink = RejectSink(con, self.settings.import_max_errors)
            check_references(con, sink)
            if sink.count():
                return self.finish(sink)
            return self.refuse([Reject(self.store.name, None, "", "",
                                       f"生成数据仓库失败, 数据仓库未改变: {exc}")])
        finally:
            con.close()


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
