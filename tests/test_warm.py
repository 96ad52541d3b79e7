"""A store is warmed when the app opens it: every report's default summary compiles."""

from __future__ import annotations

from data.settings import Settings
from queries.catalog import CATALOG
from queries.warm import warm


def test_warm_compiles_every_report_and_reads_its_tables(settings: Settings) -> None:
    done = warm(settings, budget_s=60.0)
    assert done["reports"] == len(CATALOG)
    assert done["tables"] >= len({r.source for r in CATALOG.values()})
