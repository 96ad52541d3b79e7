"""The refresh job: the store rebuilt from itself with the decisions of the operational
store (reassignments, the blacklist), after a branch head reassigns orphan policies or
someone edits the blacklist. Every rollup is rebuilt (a reassignment changes the 经办人
of every list), in a copy beside the store that is swapped in atomically; a load that
replaced the store meanwhile has applied the same decisions, so then the copy is
dropped rather than swapped over the newer day."""

from __future__ import annotations

import logging
import os
import shutil

from data.build import connect_for_build
from data.rollups import build_rollups
from data.steps import run_step
from engines import engine_for
from ops.customer_lists import REFRESH_KIND
from ops.runner import JobContext, Outcome

KIND = REFRESH_KIND
log = logging.getLogger(__name__)


def _identity(path: os.PathLike[str]) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def run(context: JobContext) -> Outcome:
    settings = context.settings
    store = settings.store_path
    before = _identity(store)
    tmp = store.with_name(f".{store.name}.refresh-{os.getpid()}")
    context.progress("复制数据", 0.05)
    try:
        shutil.copyfile(store, tmp)
        con = connect_for_build(tmp, settings)
        try:
            context.progress("重建汇总", 0.2)
            build_rollups(con, settings)
            run_step(con, "CHECKPOINT")
        finally:
            con.close()
        if _identity(store) != before:
            return Outcome("数据已由新的装载更新 (已包含这些变更), 本次刷新未替换数据",
                           {"replaced": False})
        os.replace(tmp, store)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(tmp.with_name(tmp.name + ".tmp"), ignore_errors=True)
    context.progress("发布新数据", 0.95)
    engine_for(settings).publish(store, log.info)
    return Outcome("数据已刷新: 转交的保单和黑名单已反映在各报表中", {"replaced": True})
