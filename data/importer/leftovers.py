"""What a killed load leaves beside the store — the half-built store
(``.<store>.building-<pid>`` with its ``.wal`` and ``.tmp``) and the scratch folder
(``.<store>.import-<pid>``) — removed by the next load while it holds the load lock,
once the process that made them is gone."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_dead_leftovers(store: Path) -> list[Path]:
    """Remove the leftovers of dead loads of ``store``; returns what went."""
    if not store.parent.is_dir():
        return []
    pattern = re.compile(rf"\.{re.escape(store.name)}\.(?:building|import)-(\d+)"
                         r"(?:\.wal|\.tmp)?")
    removed = []
    for path in store.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match is None or _alive(int(match.group(1))):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
