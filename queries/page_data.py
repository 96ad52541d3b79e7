"""The rows a report page draws, fetched for ``layouts/report_page.py`` (which only
draws them): the summary the page's arguments ask for, the detail list's columns and
the names of the values drilled into."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engines.base import Engine
from queries import engine as reporting
from queries.access import Viewer
from queries.chart_data import band_label, is_band, missing_label
from queries.engine import ColumnMeta, SummaryResult, sort_words, summary_columns, summary_dims
from queries.filters import FilterValues
from queries.spec import Dim, Report
from queries.sql import NULL_TOKEN

__all__ = ["ColumnMeta", "DetailHead", "SummaryResult", "detail_head", "drill_crumbs",
           "drill_label", "sort_words", "summary_columns", "summary_dims", "summary_rows"]


def summary_rows(engine: Engine, report: Report, values: FilterValues, viewer: Viewer,
                 args: Mapping[str, str], *,
                 sort: Sequence[tuple[str, str]] | None = None) -> SummaryResult:
    """The summary chosen (``summary``, or a cube's ``group_by``), as many groups as the
    screen shows: the first in ``sort`` order (None: the summary's default)."""
    group_by = [g for g in (args.get("group_by") or "").split(",") if g] or None
    return reporting.run_summary(engine, report, values, viewer, args.get("summary"),
                              group_by=group_by if report.free_dims else None,
                              max_groups=reporting.SUMMARY_GROUPS_SHOWN, sort=sort)


@dataclass(frozen=True)
class DetailHead:
    """What the detail page shows above its rows (the grid pages them itself)."""

    columns: list[ColumnMeta]
    names: dict[str, str]  # drilled dimension key → its name as the viewer may see it
    crumbs: list[str]  # the drilled values as users know them: "归属支公司: 4401 广州"


def detail_head(engine: Engine, report: Report, values: FilterValues, viewer: Viewer
                ) -> DetailHead:
    names = reporting.drill_names(engine, report, values, viewer)
    return DetailHead(reporting.detail_columns(report), names, drill_crumbs(report, values, names))


def drill_crumbs(report: Report, values: FilterValues, names: Mapping[str, str]) -> list[str]:
    """Each drilled dimension and its value as users know it (the branch's name, not its
    id); ``names``: the looked-up names the viewer may see (``engine.drill_names``)."""
    dims = {d.key: d for d in report.dims}
    return [f"{dims[key[2:]].label}: {drill_label(dims[key[2:]], value, names)}"
            for key, value in values.drill.items()]


def drill_label(dim: Dim, value: str, names: Mapping[str, str]) -> str:
    if value == NULL_TOKEN:
        return missing_label(dim.key)
    if dim.lookup is None:
        return band_label(value) if is_band(dim) else value
    return names.get(dim.key, value)
