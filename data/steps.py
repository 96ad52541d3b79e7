"""Build statements run one by one with their duration logged: the build's profile."""

from __future__ import annotations

import logging
import re
import time

import duckdb

log = logging.getLogger("data.build")

_STEP_NAME = re.compile(r"(INSERT INTO|CREATE (?:OR REPLACE )?(?:TEMP )?(?:TABLE|MACRO)|UPDATE|"
                        r"DELETE FROM|DROP TABLE)\s+(\w+)", re.IGNORECASE)


def run_step(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> None:
    """Run one build statement and log how long it took (the build's profile)."""
    started, cpu = time.perf_counter(), time.process_time()
    con.execute(sql, params)
    match = _STEP_NAME.search(sql)
    label = f"{match.group(1).split()[0].lower()} {match.group(2)}" if match else sql[:40]
    # CPU seconds beside wall seconds: on a shared machine the wall time alone misleads.
    log.info("%-32s %6.1f s  cpu %6.1f s", label, time.perf_counter() - started,
             time.process_time() - cpu)
