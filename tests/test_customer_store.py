"""统一客户号 in the store: the generator's and the importer's customers are resolved on
every build, numbers stay with unchanged customers across loads, stewards' decisions
(kept in the operational store) are applied by every load and can be undone."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from data.customers.idcard import check_resident_id
from data.export_layout import export_store
from data.generate import generate
from data.load import load
from data.settings import Settings
from engines import engine_for
from ops import customers as decisions
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database

POLICIES = 3_000


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A generated store, its files, and a store loaded from them (own operational store)."""
    root = tmp_path_factory.mktemp("customer-store")
    settings = with_own_database(replace(Settings(), as_of=AS_OF, results_cache_entries=0,
                                         store_path=root / "loaded.duckdb"),
                                 root / "users.sqlite")
    generated = generate(root / "generated.duckdb", POLICIES, 5, AS_OF, settings)
    files = root / "files"
    export_store(generated, files)
    result = load(files, settings.store_path, settings, user="tester")
    assert result.ok, result.rejects[:5]
    return {"settings": settings, "generated": generated, "files": files, "root": root}


def _rows(store: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _numbers(store: Path) -> dict[str, str]:
    return dict(_rows(store, "SELECT customer_code, master_no FROM customer"))


def test_demo_resident_ids_pass_their_checksum(book: dict[str, Any]) -> None:
    """核心 records carry valid 身份证 numbers; the few that do not are the deliberate
    typing errors, and each is listed by the cleansing list."""
    store = book["generated"]
    ids = _rows(store, "SELECT customer_code, id_no FROM customer WHERE source_system = '核心' "
                       "AND id_type = '身份证' AND length(id_no) = 18")
    bad = {code for code, number in ids if not check_resident_id(number).valid}
    assert len(ids) > 1000 and len(bad) <= 0.01 * len(ids)
    listed = {c for (c,) in _rows(store, "SELECT customer_code FROM customer_issue "
                                         "WHERE issue = '证件号码无效'")}
    assert bad <= listed


def test_every_record_has_one_master_and_the_master_table_adds_up(book: dict[str, Any]
                                                                   ) -> None:
    for store in (book["generated"], book["settings"].store_path):
        missing, records, masters, joined = _rows(store, """SELECT
            count(*) FILTER (WHERE master_no IS NULL OR master_id IS NULL), count(*),
            count(DISTINCT master_no),
            (SELECT count(*) FROM customer c JOIN customer_master m
               ON m.master_id = c.master_id AND m.master_no = c.master_no)
            FROM customer""")[0]
        assert missing == 0 and joined == records
        assert _rows(store, "SELECT count(*), sum(records) FROM customer_master")[0] \
            == (masters, records)
        # Realistic duplicates: customers known to several systems, and some not merged.
        assert _rows(store, "SELECT count(*) FROM customer_master "
                            "WHERE source_systems LIKE '%、%'")[0][0] > 50
        assert _rows(store, "SELECT count(*) FROM customer_suspect")[0][0] > 0


def test_the_import_gives_the_generators_numbers(book: dict[str, Any]) -> None:
    # Same records, no history: the numbers derive from the records alone.
    assert _numbers(book["settings"].store_path) == _numbers(book["generated"])


def _day(files: Path, day: Path, changed_share: float = 0.02) -> set[str]:
    """A T+1 day: every 50th customer changes its address, and new 电销 records (some of
    them of existing people) arrive. Returns the codes of the changed records."""
    day.mkdir()
    with (files / "customer.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(head)}
    step = int(1 / changed_share)
    changed = [r[:] for r in body[::step]]
    for r in changed:
        r[col["address"]] = (r[col["address"]] or "") + "附1号"
    new = []
    for i, r in enumerate(body[1::step * 2]):
        n = r[:]
        n[col["customer_code"]] = f"T9{i:08d}"
        n[col["source_system"]] = "电销"
        n[col["id_no"]] = "无"
        new.append(n)
    with (day / "customer.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([head, *changed, *new])
    return {r[col["customer_code"]] for r in changed}


def test_numbers_stay_with_unchanged_customers_across_a_day(book: dict[str, Any],
                                                             tmp_path: Path) -> None:
    settings: Settings = book["settings"]
    store = tmp_path / "daily.duckdb"
    shutil.copy(settings.store_path, store)
    before = _numbers(store)
    masters: dict[str, set[str]] = {}
    for code, number in before.items():
        masters.setdefault(number, set()).add(code)
    changed = _day(book["files"], tmp_path / "day")
    result = load(tmp_path / "day", store, replace(settings, store_path=store),
                  incremental=True)
    assert result.ok, result.rejects[:5]
    after = _numbers(store)
    unchanged = [codes for codes in masters.values() if not codes & changed]
    moved = [codes for codes in unchanged if any(after[c] != before[c] for c in codes)]
    assert len(unchanged) > 1500
    assert len(moved) <= 0.001 * len(unchanged), sorted(map(sorted, moved))[:5]
    # The day's new 电销 records of existing people join their customers.
    joined = _rows(store, """SELECT count(*) FROM customer t JOIN customer c
        ON c.master_no = t.master_no AND c.customer_code <> t.customer_code
        WHERE t.customer_code LIKE 'T9%'""")[0][0]
    assert joined > 0


def _two_customers(store: Path) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """Two single-record 核心 customers of different people."""
    rows = _rows(store, """SELECT c.customer_code, c.source_system, c.master_no
        FROM customer c JOIN customer_master m USING (master_id)
        WHERE m.records = 1 AND c.source_system = '核心' AND c.customer_kind = '个人'
        ORDER BY c.customer_code LIMIT 2 OFFSET 40""")
    return rows[0], rows[1]


def test_a_merge_survives_reloads_and_undoing_it_gives_the_numbers_back(
        book: dict[str, Any], tmp_path: Path) -> None:
    settings = replace(book["settings"], store_path=tmp_path / "s.duckdb")
    shutil.copy(book["settings"].store_path, settings.store_path)
    store, files = settings.store_path, book["files"]
    a, b = _two_customers(store)
    decision_id = decisions.record_decision(
        settings.users_db, decision="merge", a=decisions.Record(a[0], a[1]),
        b=decisions.Record(b[0], b[1]), username="steward01", master_no=f"{a[2]},{b[2]}")
    try:
        for _ in range(2):  # the decision holds on every later load, full or not
            assert load(files, store, settings).ok
            merged = _numbers(store)
            assert merged[a[0]] == merged[b[0]] in {a[2], b[2]}
        assert decisions.undo_decision(settings.users_db, decision_id, "steward01")
        assert load(files, store, settings).ok
        back = _numbers(store)
        assert (back[a[0]], back[b[0]]) == (a[2], b[2])
    finally:
        decisions.undo_decision(settings.users_db, decision_id, "steward01")


def test_not_the_same_and_split_keep_records_apart_on_every_load(book: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    settings = replace(book["settings"], store_path=tmp_path / "s.duckdb")
    shutil.copy(book["settings"].store_path, settings.store_path)
    store, files = settings.store_path, book["files"]
    pairs = _rows(store, """SELECT a.customer_code, a.source_system, b.customer_code,
            b.source_system, a.master_no FROM customer a JOIN customer b
            ON a.master_no = b.master_no AND a.customer_code < b.customer_code
        JOIN customer_master m ON m.master_no = a.master_no AND m.records = 2
        ORDER BY a.customer_code LIMIT 2""")
    (a1, s1, b1, t1, _), (a2, _, b2, t2, m2) = pairs
    made = [decisions.record_decision(settings.users_db, decision="not_same",
                                      a=decisions.Record(a1, s1), b=decisions.Record(b1, t1),
                                      username="steward01"),
            decisions.record_decision(settings.users_db, decision="detach",
                                      a=decisions.Record(b2, t2), b=None, username="steward01",
                                      master_no=m2)]
    try:
        for _ in range(2):
            assert load(files, store, settings).ok
            numbers = _numbers(store)
            assert numbers[a1] != numbers[b1]
            assert numbers[a2] != numbers[b2] and numbers[a2] == m2  # the rest keeps it
    finally:
        for d in made:
            decisions.undo_decision(settings.users_db, d, "steward01")


def test_decisions_are_audited_and_a_new_one_supersedes_the_last(book: dict[str, Any]
                                                                 ) -> None:
    db = book["settings"].users_db
    a, b = decisions.Record("C000000001", "核心"), decisions.Record("C000000002", "核心")
    first = decisions.record_decision(db, decision="merge", a=a, b=b, username="steward01")
    second = decisions.record_decision(db, decision="not_same", a=b, b=a, username="steward01")
    live = [d for d in decisions.decisions(db) if d["decision_id"] in (first, second)]
    assert [d["decision"] for d in live] == ["not_same"]
    assert decisions.undo_decision(db, second, "steward01")
    assert not decisions.undo_decision(db, second, "steward01")  # once
    from auth.audit import query_audit

    events = [r["event"] for r in query_audit(db, limit=50)]
    assert events.count("customer_decision") >= 2
    assert events.count("customer_decision_undo") >= 2


def test_a_day_resolves_only_the_customers_it_touches_and_applies_decisions(
        book: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from data import customer_store

    def whole_book(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("an incremental day resolved the whole book")

    settings = replace(book["settings"], store_path=tmp_path / "s.duckdb")
    store = settings.store_path
    shutil.copy(book["settings"].store_path, store)
    before = _numbers(store)
    a, b = _two_customers(store)
    decision_id = decisions.record_decision(
        settings.users_db, decision="merge", a=decisions.Record(a[0], a[1]),
        b=decisions.Record(b[0], b[1]), username="steward01", master_no=f"{a[2]},{b[2]}")
    changed = _day(book["files"], tmp_path / "day")
    monkeypatch.setattr(customer_store, "resolve", whole_book)
    caplog.set_level("INFO", logger="data.customer_store")
    try:
        assert load(tmp_path / "day", store, settings, incremental=True).ok
        after = _numbers(store)
        assert after[a[0]] == after[b[0]] in {a[2], b[2]}  # the steward's merge holds
        masters: dict[str, set[str]] = {}
        for code, number in before.items():
            masters.setdefault(number, set()).add(code)
        unchanged = [codes for codes in masters.values()
                     if not codes & (changed | {a[0], b[0]})]
        moved = [codes for codes in unchanged if any(after[c] != before[c] for c in codes)]
        assert len(unchanged) > 1500 and len(moved) <= 0.001 * len(unchanged), moved[:5]
        figures = [r.args for r in caplog.records if "customers resolved" in r.getMessage()]
        assert figures and figures[-1]["resolved_again"] < figures[-1]["records"] / 2
        assert _rows(store, "SELECT count(*) FROM customer WHERE master_no IS NULL "
                            "OR master_id IS NULL")[0][0] == 0
        assert _rows(store, "SELECT sum(records) FROM customer_master")[0][0] == len(after)
        # Undone, the next day gives both customers their numbers back.
        assert decisions.undo_decision(settings.users_db, decision_id, "steward01")
        assert load(tmp_path / "day", store, settings, incremental=True).ok
        back = _numbers(store)
        assert (back[a[0]], back[b[0]]) == (a[2], b[2])
    finally:
        decisions.undo_decision(settings.users_db, decision_id, "steward01")


def test_the_customer_page_lists_proposals_the_change_history_and_decisions(
        book: dict[str, Any], tmp_path: Path) -> None:
    from queries.access import DataScope, Viewer
    from queries.catalog import CATALOG
    from queries.customer360 import customer_view

    settings = replace(book["settings"], store_path=tmp_path / "s.duckdb")
    store = settings.store_path
    shutil.copy(book["settings"].store_path, store)
    a, b = _two_customers(store)
    made = decisions.record_decision(
        settings.users_db, decision="not_same", a=decisions.Record(a[0], a[1]),
        b=decisions.Record(b[0], b[1]), username="steward01", reason="两个人")
    try:
        old = dict(_rows(store, "SELECT customer_code, address FROM customer"))
        changed = sorted(_day(book["files"], tmp_path / "day"))
        assert load(tmp_path / "day", store, settings, incremental=True).ok
        gm = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)
        masked = replace(gm, personal_data=False)
        code = next(c for c in changed if old[c])
        view = customer_view(engine_for(settings), gm, code)
        assert view is not None
        history = dict((s.key, r) for s, r in view.sections)["changes"]
        rows = [r for r in history.rows if r["customer_code"] == code]
        assert [(r["field"], r["old_value"], r["new_value"]) for r in rows] == [
            ("地址", old[code], old[code] + "附1号")]
        masked_view = customer_view(engine_for(settings), masked, code)
        hidden = dict((s.key, r) for s, r in masked_view.sections)
        assert all(r["new_value"].endswith("****") for r in hidden["changes"].rows)
        # 投保单: every proposal where a record of the customer is 投保人 or 被保险人.
        (with_proposals,) = _rows(store, """SELECT c.customer_code FROM proposal p
            JOIN customer c ON c.customer_id = p.insured_id
            GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")[0]
        view = customer_view(engine_for(settings), gm, with_proposals)
        codes = {r["customer_code"] for r in view.records}
        proposals = dict((s.key, r) for s, r in view.sections)["proposals"]
        expected = _rows(store, f"""SELECT count(*) FROM proposal p
            JOIN customer i ON i.customer_id = p.insured_id
            JOIN customer a ON a.customer_id = p.applicant_id
            WHERE i.customer_code IN ({', '.join('?' * len(codes))})
               OR a.customer_code IN ({', '.join('?' * len(codes))})""", [*codes, *codes])
        assert proposals.total == expected[0][0] > 0
        assert all({r["insured_code"], r["applicant_code"]} & codes for r in proposals.rows)
        # The steward's decision, with who and when, on both customers' pages (newest
        # first; earlier tests' decisions on the same records are listed as undone).
        for code in (a[0], b[0]):
            listed = customer_view(engine_for(settings), gm, code).decisions
            assert (listed[0]["decision_id"], listed[0]["decision"], listed[0]["made_by"],
                    listed[0]["reason"], listed[0]["undone"]) == (
                made, "不是同一客户", "steward01", "两个人", "有效") and listed[0]["made_at"]
            assert all("撤销" in d["undone"] for d in listed[1:])
    finally:
        decisions.undo_decision(settings.users_db, made, "steward01")
