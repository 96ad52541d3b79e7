"""The opening screen of a summary of one group per person, policy or receipt, for the
whole company and for a branch's head, is read from the table the load kept
(queries/openings.py): the same groups, in the same order, with the same figures and
totals as the full sorted summary's head, on DuckDB and on ClickHouse; another scope,
filter, order, size or summary runs the summary's own statement."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import duckdb
import pytest

from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries import engine as reporting
from queries import openings
from queries.access import DataScope, Viewer
from queries.catalog import CATALOG
from queries.openings_build import kept_summaries
from queries.spec import Report
from queries.summary import groups_statement
from queries.warm import default_args
from tests.test_engines_same_figures import BRANCH, GM, assert_same_rows

OPENINGS = [("premium-received-monthly", "by-person"), ("pnl-insured", "by-insured"),
            ("commission-list", "by-receipt")]


DEPARTMENT = Viewer(3, "d", "科长", frozenset(CATALOG), DataScope("department", dept_id=3),
                   False)


def _reads_opening(engine: Engine, slug: str, key: str, viewer: Viewer, args: dict[str, str],
                   max_groups: int | None, sort: list[tuple[str, str]] | None = None) -> bool:
    report = CATALOG[slug]
    values = reporting.parse_filters(report, args, engine.settings.today)
    dims = reporting.summary_dims(report, key, None)
    order = reporting.default_summary_sort(report, dims) if sort is None else sort
    st = groups_statement(engine, report, dims, values, viewer,
                           sv=reporting.settings_values(report, engine.settings),
                           max_groups=max_groups, sort=order)
    summary = next(s for s in report.summaries if s.key == key)
    return f"FROM {openings.table_name(report, summary)}" in st.sql()


def test_the_summaries_pages_open_on_keep_their_openings() -> None:
    kept = {(r.slug, s.key) for r, s in kept_summaries()}
    assert set(OPENINGS) <= kept
    assert all(CATALOG[slug].store == "analytical" and CATALOG[slug].summaries[0].key == key
               for slug, key in kept)


@pytest.mark.parametrize(("slug", "key"), OPENINGS)
@pytest.mark.parametrize("shown", [reporting.SUMMARY_GROUPS_SHOWN, 20])
@pytest.mark.parametrize("viewer", [GM, BRANCH], ids=["company", "branch"])
def test_opening_top_n_is_the_head_of_the_full_summary(slug: str, key: str, shown: int,
                                                       viewer: Viewer, engine: Engine,
                                                       clickhouse: Settings) -> None:
    report = CATALOG[slug]
    args = default_args(report, engine.settings)
    assert _reads_opening(engine, slug, key, viewer, args, shown)
    # published with it
    assert _reads_opening(engine_for(clickhouse), slug, key, viewer, args, shown)
    values = reporting.parse_filters(report, args, engine.settings.today)
    main = reporting.main_measure(report)
    # Every group in the default order (the statement itself: no limit, no table).
    full = reporting.run_summary(engine, report, values, viewer, key, max_groups=None)
    assert full.sort == [(main, "desc")] and len(full.rows) > 20
    for engine_settings in (engine.settings, clickhouse):
        head = reporting.run_summary(engine_for(engine_settings), report, values, viewer, key,
                                  max_groups=shown)
        what = f"{slug} {key} top {shown} for {viewer.username} on " \
               f"{engine_settings.store_engine}"
        assert head.truncated == (len(full.rows) > shown), what
        assert head.sort == full.sort, what
        if engine_settings is engine.settings:  # identical figures on the same engine
            assert head.rows == full.rows[:shown], what
            assert head.totals == full.totals, what
        assert_same_rows(full.rows[:shown], head.rows, what)
        assert_same_rows([full.totals], [head.totals], what + " totals")
    # The ranking is by the main measure over all groups, largest first.
    values_shown = [r[main] for r in full.rows[:shown]]
    assert values_shown == sorted(values_shown, reverse=True)


@pytest.mark.parametrize(("slug", "key"), OPENINGS)
def test_other_requests_run_the_statement_with_the_same_figures(
        slug: str, key: str, engine: Engine, as_of: date) -> None:
    report = CATALOG[slug]
    args = default_args(report, engine.settings)
    main = reporting.main_measure(report)
    # A department's scope, a filter, another order, more groups than kept, no limit:
    # not a kept opening.
    assert not _reads_opening(engine, slug, key, DEPARTMENT, args, 20)
    narrowed = {**args, "branch": "1"}
    assert not _reads_opening(engine, slug, key, GM, narrowed, 20)
    other = next(m.key for m in report.measures if m.key != main)
    assert not _reads_opening(engine, slug, key, BRANCH, args, 20, [(other, "desc")])
    assert not _reads_opening(engine, slug, key, GM, args, openings.OPENING_GROUPS + 1)
    assert not _reads_opening(engine, slug, key, GM, args, None)
    values = reporting.parse_filters(report, narrowed, as_of)
    full = reporting.run_summary(engine, report, values, GM, key, max_groups=None)
    head = reporting.run_summary(engine, report, values, GM, key, max_groups=20)
    assert full.rows and head.rows == full.rows[:20] and head.totals == full.totals


def test_a_store_kept_for_other_settings_runs_the_statement(settings: Settings) -> None:
    # Another "today" (the store was loaded yesterday, the month moved on): the
    # statement differs from the one the table was made by.
    later = replace(settings, as_of=date(2027, 3, 5))
    slug, key = OPENINGS[0]
    later_args = default_args(CATALOG[slug], later)
    assert not _reads_opening(engine_for(later), slug, key, GM, later_args, 20)


def test_a_summary_pages_do_not_open_on_runs_its_statement(engine: Engine) -> None:
    report = CATALOG["pnl-insured"]
    assert report.summaries[1].key == "by-insured-year"
    args = default_args(report, engine.settings)
    assert not _reads_opening(engine, "pnl-insured", "by-insured-year", GM, args, 20)
    assert _reads_opening(engine, "pnl-insured", "by-insured", GM, args, 20)


def test_a_store_kept_by_an_earlier_build_runs_the_statement(
        engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> None:
    # An earlier build's index numbered no openings: its tables are not read.
    path = tmp_path_factory.mktemp("earlier") / "store.duckdb"
    shutil.copyfile(engine.settings.store_path, path)
    with duckdb.connect(str(path)) as con:
        con.execute(f"ALTER TABLE {openings.INDEX} DROP COLUMN opening")
    earlier = replace(engine.settings, store_path=path)
    slug, key = OPENINGS[1]
    report = CATALOG[slug]
    args = default_args(report, earlier)
    assert not _reads_opening(engine_for(earlier), slug, key, GM, args, 20)
    assert _reads_opening(engine, slug, key, GM, args, 20)
    values = reporting.parse_filters(report, args, engine.settings.today)
    assert reporting.run_summary(engine_for(earlier), report, values, GM, key,
                                 max_groups=20).rows == \
        reporting.run_summary(engine, report, values, GM, key, max_groups=20).rows


def test_a_load_keeps_the_other_openings_when_one_fails(
        settings: Settings, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from queries import openings_build

    path = tmp_path_factory.mktemp("rebuilt") / "store.duckdb"
    shutil.copyfile(settings.store_path, path)
    real = openings_build.opening_statement

    def failing(report: Report, *args: object, **kwargs: object) -> object:
        if report.slug == "pnl-insured":
            raise RuntimeError("a report the store cannot answer")
        return real(report, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(openings_build, "opening_statement", failing)
    with duckdb.connect(str(path)) as con:
        openings_build.build_openings(con, settings)
        kept = {r for (r,) in con.execute(f"SELECT DISTINCT report FROM {openings.INDEX}")
                .fetchall()}
    assert "pnl-insured" not in kept
    assert {"premium-received-monthly", "commission-list"} <= kept
    rebuilt = replace(settings, store_path=path)
    args = default_args(CATALOG["pnl-insured"], rebuilt)
    assert not _reads_opening(engine_for(rebuilt), "pnl-insured", "by-insured", GM, args, 20)
    assert _reads_opening(engine_for(rebuilt), "commission-list", "by-receipt", GM, {}, 20)


@pytest.fixture(scope="module")
def kept_whole(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A copy of the test store with its openings kept whole (its book is smaller than a
    real one, below which they are not)."""
    from queries import openings_build

    path = tmp_path_factory.mktemp("whole") / "store.duckdb"
    shutil.copyfile(settings.store_path, path)
    whole = replace(settings, store_path=path)
    patch = pytest.MonkeyPatch()
    patch.setattr(openings_build, "WHOLE_MIN_ROWS", 0)
    try:
        with duckdb.connect(str(path)) as con:
            openings_build.build_openings(con, whole)
    finally:
        patch.undo()
    return engine_for(whole)


@pytest.mark.parametrize(("slug", "key"), [*OPENINGS, ("pnl-auto-agent", "by-agent")])
def test_any_order_of_an_opening_kept_whole_reads_it(slug: str, key: str, engine: Engine,
                                                     kept_whole: Engine) -> None:
    # The 20 worst by another measure, for the whole company: the opening's every group
    # sorted, the same groups, order, figures and totals as the statement's.
    report = CATALOG[slug]
    args = default_args(report, engine.settings)
    values = reporting.parse_filters(report, args, engine.settings.today)
    main = reporting.main_measure(report)
    other = next(m.key for m in report.measures if m.key != main and m.type != "text")
    order = [(other, "desc")]
    full = reporting.run_summary(engine, report, values, GM, key, max_groups=None, sort=order)
    whole = len(full.rows) <= openings.COMPLETE_GROUPS
    assert whole or slug != "pnl-auto-agent"  # a few hundred agents
    assert _reads_opening(kept_whole, slug, key, GM, args, 20, order) == whole
    # Not on a book this small, nor for another scope or other filters.
    assert not _reads_opening(engine, slug, key, GM, args, 20, order)
    assert not _reads_opening(kept_whole, slug, key, BRANCH, args, 20, order)
    assert not _reads_opening(kept_whole, slug, key, GM, {**args, "branch": "1"}, 20, order)
    head = reporting.run_summary(kept_whole, report, values, GM, key, max_groups=20,
                                 sort=order)
    what = f"{slug} {key} by {other}"
    assert head.truncated == (len(full.rows) > 20), what
    assert head.rows == full.rows[:20] and head.totals == full.totals, what
    assert head.rows and head.sort == order
