"""The export job: the job process builds its engine (with the job's own DuckDB limits)
and writes the workbook (``queries.export_jobs``)."""

from __future__ import annotations

from engines import engine_for
from ops.runner import JobContext, Outcome
from queries import export_jobs


def run(context: JobContext) -> Outcome:
    engine = engine_for(export_jobs.job_settings(context.settings))
    return export_jobs.run(engine, context)
