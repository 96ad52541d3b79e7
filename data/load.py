"""``python -m data.load``: the T+1 importer's command line (``data.importer.run``).

    python -m data.load DIR --store var/store.duckdb [--incremental] [--partial]
        [--rejects rejects.csv] [--user 员工代码]
"""

from __future__ import annotations

from data.importer.history import LoadResult, load_history, record_history
from data.importer.run import load, main
from data.importer.stage import FORMATS, find_files

__all__ = ["FORMATS", "LoadResult", "find_files", "load", "load_history", "main",
           "record_history"]

if __name__ == "__main__":
    raise SystemExit(main())
