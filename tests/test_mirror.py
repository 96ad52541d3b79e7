"""The mirror of written data (queries/mirror.py): a row written to the operational store
is in the next statement that reads it, beside the analytical store's tables; a report
declared over it is checked, scoped and exported like any other."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from ops import db as ops_db
from queries import catalog, mirror
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG, check_report
from queries.engine import parse_filters, run_detail, run_summary
from queries.export import detail_csv
from queries.spec import Col, Dim, Lookup, Measure, Report, ScopeColumns, Summary
from queries.sql import Statement
from queries.store import run, table_columns
from tests.ops_fixtures import with_own_database
from tests.tiny_store import AS_OF, build_tiny_store

META = sa.MetaData()
NOTES = sa.Table(
    "probe_notes", META,
    sa.Column("note_id", sa.Integer, primary_key=True),
    sa.Column("staff_id", sa.Integer, nullable=False),
    sa.Column("dept_id", sa.Integer, nullable=False),
    sa.Column("branch_id", sa.Integer, nullable=False),
    sa.Column("note_date", sa.Date, nullable=False),
    sa.Column("cost", sa.Numeric(18, 2), nullable=False),
    sa.Column("content", sa.Text),
)
CHANGES = sa.Table("probe_changes", META, sa.Column("version", sa.Integer, nullable=False))
PROBE = mirror.Mirrored(
    copies=(mirror.copy_of(NOTES),),
    version=lambda con: con.execute(sa.select(CHANGES.c.version)).scalar_one(),
    derived=(("probe_note_fact", "SELECT n.*, s.staff_name FROM probe_notes n "
                                 "JOIN staff s USING (staff_id)"),),
)
REPORT = Report(
    slug="probe-notes", number="99.1", area="pnl", title="探针记事", store="operational",
    source="probe_note_fact", id_column="note_id", filters=(),
    dims=(Dim("staff", "员工", "staff_id", type="int",
              lookup=Lookup("staff", "staff_id", "staff_name")),),
    measures=(Measure("notes", "记事数", "count", type="int"),
              Measure("cost", "费用", "sum", "cost")),
    detail=(Col("note_date", "日期", "date"), Col("staff_name", "员工"),
            Col("cost", "费用", "money"), Col("content", "内容")),
    summaries=(Summary("by-staff", "按员工汇总", ("staff",)),),
    order=(("note_date", "desc"),), scope=ScopeColumns(self_="staff_id"),
)
GM = Viewer(1, "gm", "总经理", frozenset({REPORT.slug}), DataScope("company"), True)
SALES_2 = Viewer(2, "s2", "业务员二", frozenset({REPORT.slug}),
                 DataScope("self", 1, 1, 2), True)


@pytest.fixture(scope="module")
def probe_store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("mirror")
    staff = [{"staff_id": i, "staff_code": f"E0000{i}", "staff_name": name, "dept_id": 1,
              "branch_id": 1, "title": "业务员", "left_date": None}
             for i, name in ((1, "张三"), (2, "王五"))]
    store = build_tiny_store(folder / "store.duckdb", {"staff": staff})
    settings = with_own_database(replace(Settings(), store_path=store, as_of=AS_OF),
                                 folder / "ops.sqlite")
    META.create_all(ops_db.engine(settings.users_db))
    with ops_db.write(settings.users_db) as con:
        con.execute(sa.insert(CHANGES).values(version=0))
    return settings


@pytest.fixture
def probe(probe_store: Settings) -> Iterator[Settings]:
    """The probe mirrored and its report in the catalog for one test only: other tests
    of this process (parallel workers interleave modules) mirror their own stores."""
    mirror.register(PROBE)
    catalog.register(REPORT)
    try:
        yield probe_store
    finally:
        del CATALOG[REPORT.slug]
        catalog.ALL_REPORTS = tuple(r for r in catalog.ALL_REPORTS if r is not REPORT)
        mirror.unregister(PROBE)


def write_note(settings: Settings, note_id: int, staff_id: int, cost: str) -> None:
    with ops_db.write(settings.users_db) as con:
        con.execute(sa.insert(NOTES).values(
            note_id=note_id, staff_id=staff_id, dept_id=1, branch_id=1,
            note_date=date(2026, 6, note_id), cost=cost, content=f"拜访 {note_id}"))
        con.execute(sa.update(CHANGES).values(version=CHANGES.c.version + 1))


def count_notes(engine: Engine) -> int:
    st = Statement("SELECT count(*) FROM probe_note_fact", {})
    return int(run(engine, st)[1][0][0])


def test_a_write_is_in_the_next_statement(probe: Settings) -> None:
    before = count_notes(engine_for(probe))
    write_note(probe, 1, 1, "120.50")
    assert count_notes(engine_for(probe)) == before + 1
    write_note(probe, 2, 2, "80.25")
    assert count_notes(engine_for(probe)) == before + 2


def test_a_report_over_written_data_is_checked_scoped_and_not_served_stale(
        probe: Settings) -> None:
    assert check_report(REPORT, table_columns(engine_for(probe))) == []
    values = parse_filters(REPORT, {}, AS_OF)
    first = run_summary(engine_for(probe), REPORT, values, GM)
    write_note(probe, 3, 1, "10.00")
    # the cached result is of the old copy
    again = run_summary(engine_for(probe), REPORT, values, GM)
    assert again.totals["notes"] == first.totals["notes"] + 1
    # Parallel workers share out this module's tests: the first may see no note yet.
    assert float(again.totals["cost"]) == pytest.approx(float(first.totals["cost"] or 0) + 10.0)
    by_staff = {r["staff_label"]: r["cost"] for r in again.rows}
    assert by_staff["张三"] == pytest.approx(130.50) and by_staff["王五"] == pytest.approx(80.25)
    own = run_detail(engine_for(probe), REPORT, values, SALES_2)
    assert [r["staff_name"] for r in own.rows] == ["王五"]
    assert own.rows[0]["cost"] == pytest.approx(80.25)


def test_a_report_over_written_data_exports_from_the_mirror(probe: Settings) -> None:
    with ops_db.read(probe.users_db) as con:  # this test's own note, whatever ran before
        mine = con.execute(sa.select(NOTES.c.note_id).where(NOTES.c.note_id == 12)).first()
    if mine is None:
        write_note(probe, 12, 2, "80.25")
    values = parse_filters(REPORT, {}, AS_OF)
    text = b"".join(detail_csv(engine_for(probe), REPORT, values, SALES_2)).decode("utf-8-sig")
    assert "王五" in text and "80.25" in text and "张三" not in text


def test_a_declaration_must_say_it_reads_written_data(probe: Settings) -> None:
    problems = check_report(replace(REPORT, store="analytical"))
    assert any("store='operational'" in p for p in problems)
    assert any("store='operational'" in p for p in check_report(
        replace(REPORT, source="policy_pnl")))


def test_the_copy_is_kept_until_something_moves(probe: Settings) -> None:
    con = mirror.connection(probe)
    assert mirror.connection(probe) is con  # nothing moved: the same copy
    write_note(probe, 4, 2, "1.00")
    assert mirror.connection(probe) is not con
