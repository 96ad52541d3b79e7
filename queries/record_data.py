"""The rows of a record page (queries/records.py) for one viewer: each section a detail
list of the store filtered to the record, scoped and masked by ``engine.run_detail``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.base import Engine
from queries import engine as reporting
from queries.access import Viewer
from queries.catalog import ALL_REPORTS
from queries.engine import ColumnMeta
from queries.filters import FilterValues
from queries.records import RECORD_PAGES, RecordPage, Section
from queries.sql import Condition

__all__ = ["RecordView", "SectionRows", "may_open_record", "record_view"]

MAX_NUMBER = 64  # longer than any policy or claim number


@dataclass(frozen=True)
class SectionRows:
    section: Section
    columns: list[ColumnMeta]  # shown columns (without ``hidden``)
    rows: list[dict[str, Any]]
    more: bool  # more rows than the section shows


@dataclass(frozen=True)
class RecordView:
    page: RecordPage
    number: str
    sections: list[SectionRows]


def may_open_record(viewer: Viewer, kind: str) -> bool:
    """The viewer may open a list of the catalog that links to records of ``kind``."""
    return any(viewer.may_open(r.slug) for r in ALL_REPORTS
               if any(c.link == kind for c in r.detail))


def _granted(viewer: Viewer, section: Section) -> bool:
    return section.grant is None or any(
        viewer.may_open(r.slug) for r in ALL_REPORTS if r.source == section.grant)


def record_view(engine: Engine, kind: str, number: str, viewer: Viewer
                ) -> RecordView | None:
    """The record's sections the viewer may see, or None when the record does not exist
    or lies outside the viewer's scope (or page grants): the two are not told apart."""
    page = RECORD_PAGES.get(kind)
    number = (number or "").strip()
    if page is None or not number or len(number) > MAX_NUMBER \
            or not may_open_record(viewer, kind):
        return None
    read: dict[str, list[dict[str, Any]]] = {}
    shown: list[SectionRows] = []
    for i, section in enumerate(page.sections):
        if i and not _granted(viewer, section):
            continue
        if section.value_from is None:
            either = [Condition(c, "=", number) for c in (section.match, *section.also_match)]
            condition = either[0] if len(either) == 1 else Condition("", "or", either)
        else:
            source, key = section.value_from
            values = sorted({r[key] for r in read.get(source, []) if r.get(key) is not None})
            if not values:
                continue
            condition = Condition(section.match, "in", values)
        result = reporting.run_detail(engine, section.list, FilterValues([condition]), viewer,
                                   limit=section.limit + 1, with_total=False)
        rows = result.rows[:section.limit]
        if i == 0 and not rows:
            return None
        read[section.key] = rows
        columns = [c for c in result.columns if c.key not in section.hidden]
        if section.card and rows and all(rows[0].get(c.key) is None for c in columns):
            continue  # e.g. no vehicle on a property policy
        shown.append(SectionRows(section, columns,
                                 [{k: v for k, v in r.items() if k not in section.hidden}
                                  for r in rows], len(result.rows) > section.limit))
    return RecordView(page, number, shown)
