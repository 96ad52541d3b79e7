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
from data.importer.fill import DanglingReference, fill_from_staging, id_map_sql
from data.importer.history import LoadResult, finish_load, take_rejects
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
from data.layout import ENTITIES, OPTIONAL_FILES
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
    store.parent.mkdir(parents=True, exist_ok=True)
    with store.with_name(f".{store.name}.load-lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            result = LoadResult(ok=False, rejects=[Reject(
                store.name, None, "", "", "另一个导入正在进行, 请等它结束后再试")])
            return finish_load(result, time.perf_counter(), rejects_path, directory, user,
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
        return finish_load(result, started, rejects_path, directory, user, settings, files, sink)
    result = LoadResult(ok=False, incremental=incremental)
    files = find_files(directory)
    ambiguous = ambiguous_files(directory)
    if ambiguous:
        result.rejects = ambiguous
        return finish()
    scratch = store.with_name(f".{store.name}.import-{os.getpid()}")
    scratch.mkdir(parents=True, exist_ok=True)
    scratch_db = scratch / "staging.duckdb"
    con = connect_scratch(scratch_db, settings)
    try:
        problems: list[Reject] = []
        if incremental:
            if not store.exists():
                result.rejects = [Reject(store.name, None, "", "", "增量导入需要已有的数据仓库")]
                return finish()
            stage_current_store(con, store, scratch)
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
                    result.rows_read[entity.name] = overlay(con, entity, path, scratch,
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
            take_rejects(result, sink, files, settings, rejects_path, directory)
        previous = store.exists()
        if previous:
            stage_current_ids(con, store, scratch)
        for entity in ENTITIES:
            if entity.id_column:
                lines = con.execute(f"SELECT min(line_) = 2 AND max(line_) = count(*) + 1 "
                                    f"FROM stg_{entity.name}").fetchone()[0]
                con.execute(id_map_sql(entity, previous, bool(lines)))
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
            con = connect_scratch(scratch_db, settings)
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
