"""What a load did: its result as the page and the command line show it, the rejects
report written beside the load history, and the history itself (in the operational
store)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from data.importer.rejects import Reject, RejectSink, report_path, write_listed
from data.settings import Settings
from ops.history import recent_loads, record_load

log = logging.getLogger("data.load")


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


@dataclass(frozen=True)
class LoadRequest:
    """What a load was asked to do: which folder into which store, how, and for whom."""

    directory: Path
    store: Path
    settings: Settings
    partial: bool = False
    incremental: bool = False
    user: str = ""
    rejects_path: Path | None = None  # None: beside the load history

    @property
    def report_target(self) -> Path:
        return self.rejects_path or report_path(self.settings, self.directory)


def take_rejects(request: LoadRequest, result: LoadResult, sink: RejectSink,
                 files: dict[str, Path]) -> None:
    """The first rejects into the result, all of them into the report."""
    result.rejects = sink.first(files)
    result.rejects_total = sink.count()
    target = request.report_target
    try:
        sink.write(files, target)
        result.rejects_path = target
    except (OSError, duckdb.Error):
        log.exception("writing the rejects report %s failed", target)
        result.rejects_path = None


def finish_load(request: LoadRequest, result: LoadResult, started: float,
                files: dict[str, Path], sink: RejectSink | None = None) -> LoadResult:
    """The load's time, its rejects report and its line in the load history."""
    result.seconds = time.perf_counter() - started
    if sink is not None:
        take_rejects(request, result, sink, files)
    elif result.rejects and result.rejects_path is None:
        target = request.report_target
        try:
            write_listed(result.rejects, target)
            result.rejects_path = target
        except OSError:
            result.rejects_path = None
    result.rejects_total = result.problems
    record_history(request.settings, request.user, request.directory, files, result)
    return result


def record_history(settings: Settings, user: str, directory: Path, files: dict[str, Path],
                   result: LoadResult) -> None:
    record_load(settings.users_db, username=user, source=directory.name,
                files=[p.name for p in files.values()], rows_read=sum(result.rows_read.values()),
                rows_loaded=sum(result.rows_loaded.values()), rows_rejected=result.problems,
                ok=result.ok, seconds=result.seconds, message=result.message)


def load_history(settings: Settings, limit: int = 200) -> list[dict[str, Any]]:
    return recent_loads(settings.users_db, limit)
