"""The T+1 importer: a round trip gives the same reports, loads are repeatable, and a
corpus of bad files is rejected with the right message while the store stays
byte-for-byte as it was."""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from data.export_layout import export_store
from data.generate import generate
from data.load import find_files, load, load_history
from data.settings import Settings
from engines import engine_for
from queries.access import DataScope, Viewer
from queries.catalog import ALL_REPORTS, CATALOG
from queries.engine import parse_filters, run_detail, run_summary
from tests.catalog_args import wide_args
from tests.test_engines_same_figures import assert_same_rows
from tests.test_store_generate import table_checksums

AS_OF = date(2026, 11, 20)
GM = Viewer(1, "gm", "总经理", frozenset(CATALOG), DataScope("company"), True)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, Path]:
    """A generated store, its files in the import layout, and a store loaded from them."""
    root = tmp_path_factory.mktemp("import")
    settings = replace(Settings(), as_of=AS_OF, users_path=root / "users.sqlite",
                       results_cache_entries=0)
    generated = generate(root / "generated.duckdb", 2_000, 11, AS_OF, settings)
    files = root / "files"
    export_store(generated, files)
    loaded = root / "loaded.duckdb"
    result = load(files, loaded, settings, user="tester")
    assert result.ok, result.rejects[:5]
    return settings, generated, files


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_loads_like_the_book(settings: Settings, files: Path, work: Path,
                                tables: tuple[str, ...] = ()) -> None:
    """Loading ``work`` gives the same ``tables`` (all when empty) as loading the book."""
    target = work.with_name(work.name + ".duckdb")
    result = load(work, target, settings)
    assert result.ok, result.rejects[:3]
    expected = table_checksums(files.parent / "loaded.duckdb")
    got = table_checksums(target)
    assert {t: got[t] for t in tables or expected} == {t: expected[t] for t in tables or expected}


def test_round_trip_gives_the_same_reports(book: tuple[Settings, Path, Path]) -> None:
    settings, generated, _ = book
    loaded = generated.with_name("loaded.duckdb")
    a, b = replace(settings, store_path=generated), replace(settings, store_path=loaded)
    # The work log's reports read written data, which no import carries; the customer
    # change history is of earlier loads (the generator makes one up, a first import has none).
    for report in (r for r in ALL_REPORTS
                   if r.store == "analytical" and r.source != "customer_change"):
        values = parse_filters(report, wide_args(report, AS_OF), AS_OF)
        for s in report.summaries:
            x = run_summary(engine_for(a), report, values, GM, s.key)
            y = run_summary(engine_for(b), report, values, GM, s.key)
            assert_same_rows(x.rows, y.rows, f"{report.slug} {s.key}")
            assert_same_rows([x.totals], [y.totals], f"{report.slug} totals")
        x = run_detail(engine_for(a), report, values, GM, limit=500)
        y = run_detail(engine_for(b), report, values, GM, limit=500)
        assert x.total == y.total > 0 or report.slug == "claims-unregistered"
        assert_same_rows(x.rows, y.rows, f"{report.slug} detail")


def test_loading_twice_gives_the_same_store(book: tuple[Settings, Path, Path],
                                             tmp_path: Path) -> None:
    settings, generated, files = book
    again = tmp_path / "again.duckdb"
    assert load(files, again, settings).ok
    assert table_checksums(again) == table_checksums(generated.with_name("loaded.duckdb"))
    # Parquet files load to the same store as CSV.
    export_store(again, tmp_path / "pq", "parquet")
    from_parquet = tmp_path / "pq.duckdb"
    assert load(tmp_path / "pq", from_parquet, settings).ok
    assert table_checksums(from_parquet) == table_checksums(again)


def test_gbk_file_is_read(book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    settings, _, files = book
    work = tmp_path / "gbk"
    shutil.copytree(files, work)
    rows = _read(work / "customer.csv")
    _write(work / "customer.csv", rows, encoding="gbk")
    _assert_loads_like_the_book(settings, files, work, ("customer",))


def _column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def _edit(name: str, column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    def edit(work: Path) -> None:
        rows = _read(work / f"{name}.csv")
        rows[row][_column(rows, column)] = value
        _write(work / f"{name}.csv", rows)
    return edit


def _drop_column(work: Path) -> None:
    rows = _read(work / "policy.csv")
    i = _column(rows, "premium")
    _write(work / "policy.csv", [r[:i] + r[i + 1:] for r in rows])


def _extra_column(work: Path) -> None:
    rows = _read(work / "policy.csv")
    _write(work / "policy.csv", [[*rows[0], "备注"]] + [[*r, "x"] for r in rows[1:]])


def _wrong_encoding(work: Path) -> None:
    text = (work / "customer.csv").read_text(encoding="utf-8")
    # 0xFF is neither UTF-8 nor GBK.
    (work / "customer.csv").write_bytes(text.encode("utf-8") + "Zoë,ÿ\n".encode("latin-1"))


def _duplicate(work: Path) -> None:
    rows = _read(work / "customer.csv")
    _write(work / "customer.csv", [*rows, rows[5]])


def _truncate(work: Path) -> None:
    data = (work / "receipt.csv").read_bytes()
    cut = data.rfind(b",", 0, len(data) // 2)
    (work / "receipt.csv").write_bytes(data[:cut])


def _empty(work: Path) -> None:
    (work / "vehicle.csv").write_bytes(b"")


def _huge_header(work: Path) -> None:
    # What a 2 GB single-line file starts like: no line break in sight.
    (work / "branch.csv").write_bytes(b"branch_code," + b"x" * 200_000)


BAD_FILES = {
    "wrong encoding": (_wrong_encoding, "customer.csv", "", "编码无法识别"),
    "missing column": (_drop_column, "policy.csv", "premium", "缺少必填列: premium"),
    "extra column": (_extra_column, "policy.csv", "备注", "多余的列: 备注"),
    "bad date": (_edit("policy", "start_date", "2026-02-30"), "policy.csv", "start_date",
                 "起保日期 不是有效的日期"),
    "negative premium": (_edit("policy", "premium", "-12.50"), "policy.csv", "premium",
                         "单面保费 不能为负数"),
    "unknown branch": (_edit("policy", "branch_code", "9999"), "policy.csv", "branch_code",
                       "引用不存在: branch_code 在 branch"),
    # An optional reference: no NOT NULL stops the build, the count of resolved ids does.
    "unknown agent": (_edit("policy", "agent_code", "X0000"), "policy.csv", "agent_code",
                      "引用不存在: agent_code 在 agent"),
    "claim for unknown policy": (_edit("claim", "policy_no", "PXXX000000"), "claim.csv",
                                 "policy_no", "引用不存在: policy_no 在 policy"),
    "duplicate key": (_duplicate, "customer.csv", "customer_code", "重复的业务键"),
    "truncated file": (_truncate, "receipt.csv", "", "文件格式错误"),
    "empty file": (_empty, "vehicle.csv", "", "文件为空"),
    "huge header": (_huge_header, "branch.csv", "", "表头超过"),
    "end before start": (_edit("policy", "end_date", "2000-01-01"), "policy.csv", "end_date",
                         "终保日期 早于 起保日期"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_rejected_store_unchanged(case: str, book: tuple[Settings, Path, Path],
                                           tmp_path: Path) -> None:
    settings, generated, files = book
    mutate, file, column, reason = BAD_FILES[case]
    work = tmp_path / "files"
    shutil.copytree(files, work)
    mutate(work)
    store = tmp_path / "store.duckdb"
    shutil.copy(generated, store)
    before = _sha(store)
    result = load(work, store, settings, user="tester")
    assert not result.ok
    hits = [r for r in result.rejects if r.file == file and reason in r.reason
            and (not column or r.column == column)]
    assert hits, [(r.file, r.row, r.column, r.reason) for r in result.rejects[:5]]
    assert _sha(store) == before
    # The rejects report names file, row, column, value and reason.
    with (result.rejects_path or Path("missing")).open(encoding="utf-8-sig") as f:
        report = list(csv.reader(f))
    assert report[0] == ["文件", "行", "列", "值", "原因"] and len(report) > 1
    if case in {"bad date", "negative premium", "unknown branch", "unknown agent"}:
        assert hits[0].row == 2 and hits[0].value  # first data row, value quoted back


def test_partial_load_lists_every_row_left_out(book: tuple[Settings, Path, Path],
                                               tmp_path: Path) -> None:
    settings, _, files = book
    work = tmp_path / "files"
    shutil.copytree(files, work)
    rows = _read(work / "policy.csv")
    bad_policy = rows[3][_column(rows, "policy_no")]
    _edit("policy", "branch_code", "9999", row=3)(work)
    store = tmp_path / "partial.duckdb"
    result = load(work, store, settings, partial=True)
    assert result.ok
    left_out = {(r.file, r.row) for r in result.rejects}
    assert ("policy.csv", 4) in left_out
    # Rows of other files that pointed at the left-out policy are listed too.
    claims = _read(work / "claim.csv")
    dependent = [i + 1 for i, r in enumerate(claims)
                 if i and r[_column(claims, "policy_no")] == bad_policy]
    assert all(("claim.csv", line) in left_out for line in dependent)
    # Everything listed, and only that, is left out (a renewal of the policy goes too).
    policies_out = {line for f, line in left_out if f == "policy.csv"}
    assert result.rows_loaded["policy"] == len(rows) - 1 - len(policies_out)


def test_incremental_day_changes_and_adds(book: tuple[Settings, Path, Path],
                                          tmp_path: Path) -> None:
    settings, generated, files = book
    store = tmp_path / "store.duckdb"
    shutil.copy(generated.with_name("loaded.duckdb"), store)
    day = tmp_path / "day"
    day.mkdir()
    customers = _read(files / "customer.csv")
    changed = [customers[0], customers[1][:]]
    changed[1][_column(customers, "customer_name")] = "改名后的客户"
    new = customers[2][:]
    new[_column(customers, "customer_code")] = "C999999999"
    _write(day / "customer.csv", [*changed, new])
    result = load(day, store, settings, incremental=True, user="tester")
    assert result.ok, result.rejects[:3]
    assert "当日 2 行" in result.message
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        code = customers[1][_column(customers, "customer_code")]
        assert con.execute("SELECT customer_name FROM customer WHERE customer_code = ?",
                           [code]).fetchone()[0] == "改名后的客户"
        assert con.execute("SELECT count(*) FROM customer").fetchone()[0] == len(customers)
        assert con.execute("SELECT count(*) FROM policy").fetchone()[0] == len(
            _read(files / "policy.csv")) - 1
    finally:
        con.close()
    history = load_history(settings)
    assert history[0]["ok"] == 1 and history[0]["username"] == "tester"
    assert history[0]["rows_read"] == 2


def test_full_load_needs_every_required_file(book: tuple[Settings, Path, Path],
                                            tmp_path: Path) -> None:
    settings, _, files = book
    work = tmp_path / "files"
    shutil.copytree(files, work)
    (work / "customer.csv").unlink()
    assert "customer" not in find_files(work)
    result = load(work, tmp_path / "s.duckdb", settings)
    assert not result.ok and not (tmp_path / "s.duckdb").exists()
    assert [(r.file, r.reason[:4]) for r in result.rejects] == [("customer.csv", "缺少文件")]


def test_docs_show_the_layout_the_importer_checks() -> None:
    from data.layout import markdown

    docs = (Path(__file__).parent.parent / "docs" / "IMPORT.md").read_text(encoding="utf-8")
    assert markdown() in docs


def test_incremental_day_loaded_twice_gives_the_same_store(
        book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    settings, generated, files = book
    store = tmp_path / "store.duckdb"
    shutil.copy(generated.with_name("loaded.duckdb"), store)
    day = tmp_path / "day"
    day.mkdir()
    staff = _read(files / "staff.csv")
    moved = staff[5][:]
    moved[_column(staff, "staff_name")] = "调岗员工"
    hired = staff[6][:]
    hired[_column(staff, "staff_code")] = "E99999"
    _write(day / "staff.csv", [staff[0], hired, moved])
    assert load(day, store, settings, incremental=True).ok
    once = table_checksums(store)
    assert load(day, store, settings, incremental=True).ok
    assert table_checksums(store) == once
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        # The changed row keeps its id, the new one takes the next.
        ids = dict(con.execute("SELECT staff_code, staff_id FROM staff").fetchall())
        assert ids[moved[0]] == 5 and ids["E99999"] == len(staff)
    finally:
        con.close()


def test_full_load_keeps_the_ids_the_store_already_gave(
        book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    """Users' data scopes name branch, department and staff ids: files listing the same
    rows in another order, plus a new branch, must not move them."""
    settings, generated, files = book
    store = tmp_path / "store.duckdb"
    shutil.copy(generated.with_name("loaded.duckdb"), store)
    work = tmp_path / "files"
    shutil.copytree(files, work)
    for name in ("branch", "department", "staff"):
        rows = _read(work / f"{name}.csv")
        _write(work / f"{name}.csv", [rows[0], *reversed(rows[1:])])
    branches = _read(work / "branch.csv")
    new_branch = branches[1][:]
    new_branch[_column(branches, "branch_code")] = "9901"
    _write(work / "branch.csv", [branches[0], new_branch, *branches[1:]])
    import duckdb

    def ids() -> dict[str, list[tuple[str, int]]]:
        con = duckdb.connect(str(store), read_only=True)
        try:
            return {t: sorted(con.execute(f"SELECT {k}, {t}_id FROM {t}").fetchall())
                    for t, k in (("branch", "branch_code"), ("staff", "staff_code"))}
        finally:
            con.close()

    before = ids()
    assert load(work, store, settings).ok
    after = ids()
    assert [r for r in after["branch"] if r[0] != "9901"] == before["branch"]
    assert dict(after["branch"])["9901"] == len(before["branch"]) + 1
    assert after["staff"] == before["staff"]


def test_incremental_reject_names_the_day_file_row(book: tuple[Settings, Path, Path],
                                                    tmp_path: Path) -> None:
    settings, generated, files = book
    store = tmp_path / "store.duckdb"
    shutil.copy(generated.with_name("loaded.duckdb"), store)
    before = _sha(store)
    day = tmp_path / "day"
    day.mkdir()
    claims = _read(files / "claim.csv")
    bad = claims[1][:]
    bad[_column(claims, "policy_no")] = "P-NOT-THERE"
    _write(day / "claim.csv", [claims[0], claims[2], bad])
    result = load(day, store, settings, incremental=True)
    assert not result.ok and _sha(store) == before
    assert [(r.file, r.row, r.column, r.value) for r in result.rejects] == [
        ("claim.csv", 3, "policy_no", "P-NOT-THERE")]


def test_excel_file_is_read(book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    """An .xlsx sheet as a user saves it: dates as dates, numbers as numbers."""
    from datetime import datetime

    from openpyxl import Workbook

    settings, _, files = book
    work = tmp_path / "files"
    shutil.copytree(files, work)
    for name, dates in (("staff", {"left_date"}), ("exchange_rate", {"rate_date"})):
        rows = _read(work / f"{name}.csv")
        book_ = Workbook(write_only=True)
        sheet = book_.create_sheet()
        sheet.append(rows[0])
        typed = {i for i, c in enumerate(rows[0]) if c in dates}
        for row in rows[1:]:
            sheet.append([datetime.fromisoformat(v) if i in typed and v else
                          float(v) if name == "exchange_rate" and rows[0][i] == "rate_to_cny"
                          else v for i, v in enumerate(row)])
        book_.save(work / f"{name}.xlsx")
        (work / f"{name}.csv").unlink()
    _assert_loads_like_the_book(settings, files, work, ("staff", "exchange_rate"))


def test_excel_cell_beyond_the_header_is_rejected(book: tuple[Settings, Path, Path],
                                                  tmp_path: Path) -> None:
    from openpyxl import Workbook

    settings, generated, files = book
    work = tmp_path / "files"
    shutil.copytree(files, work)
    rows = _read(work / "agent.csv")
    book_ = Workbook(write_only=True)
    sheet = book_.create_sheet()
    for i, row in enumerate(rows):
        sheet.append([*row, "备注"] if i == 3 else row)
    book_.save(work / "agent.xlsx")
    (work / "agent.csv").unlink()
    store = tmp_path / "store.duckdb"
    shutil.copy(generated, store)
    before = _sha(store)
    result = load(work, store, settings)
    assert not result.ok and _sha(store) == before
    assert [(r.file, r.row, r.reason) for r in result.rejects] == [
        ("agent.xlsx", 4, "数据超出表头的列")]


def test_one_load_per_store_at_a_time(book: tuple[Settings, Path, Path],
                                      tmp_path: Path) -> None:
    import fcntl

    settings, generated, files = book
    store = tmp_path / "store.duckdb"
    shutil.copy(generated, store)
    before = _sha(store)
    with store.with_name(f".{store.name}.load-lock").open("a") as other_load:
        fcntl.flock(other_load, fcntl.LOCK_EX)
        result = load(files, store, settings)
    assert not result.ok and _sha(store) == before
    assert "另一个导入正在进行" in result.rejects[0].reason
    assert load(files, store, settings).ok  # the lock went with the other load


def test_incremental_needs_a_store(book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    settings, _, files = book
    result = load(files, tmp_path / "none.duckdb", settings, incremental=True)
    assert not result.ok and not (tmp_path / "none.duckdb").exists()
    assert "需要已有的数据仓库" in result.rejects[0].reason


def test_a_failing_build_changes_nothing(book: tuple[Settings, Path, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from data.importer import fill

    settings, generated, files = book
    store = tmp_path / "store.duckdb"
    shutil.copy(generated, store)
    before = _sha(store)
    real_insert = fill._insert_sql

    def losing_rows(entity, columns):  # type: ignore[no-untyped-def]
        sql = real_insert(entity, columns)
        return sql.replace(" ORDER BY", " WHERE s.line_ > 2 ORDER BY") \
            if entity.name == "claim" else sql

    monkeypatch.setattr(fill, "_insert_sql", losing_rows)
    result = load(files, store, settings)
    assert not result.ok and _sha(store) == before
    assert "claim" in result.rejects[0].reason and "未改变" in result.rejects[0].reason


def _parquet_files(files: Path, work: Path) -> None:
    """``work``: the book's files as Parquet, typed as the generator writes them."""
    import duckdb

    shutil.copytree(files, work)
    con = duckdb.connect()
    for path in work.glob("*.csv"):
        target = path.with_suffix(".parquet")
        con.execute(f"COPY (SELECT * FROM read_csv('{path}', header = true)) "
                    f"TO '{target}' (FORMAT parquet, ROW_GROUP_SIZE 500)")
        path.unlink()
    con.close()


def _parquet_edit(sql: str) -> Callable[[Path], None]:
    """Rewrite policy.parquet through ``sql`` over ``{p}`` (the file as it was)."""
    def edit(work: Path) -> None:
        import duckdb

        path = work / "policy.parquet"
        old = work / "policy.old.parquet"
        path.rename(old)
        source = f"read_parquet('{old}')"
        duckdb.connect().execute(f"COPY ({sql.format(p=source)}) TO '{path}' (FORMAT parquet)")
        old.unlink()
    return edit


def _parquet_damaged_pages(work: Path) -> None:
    # The footer (schema, row counts) reads well; the data pages under it do not.
    data = bytearray((work / "policy.parquet").read_bytes())
    for i in range(len(data) // 10, len(data) * 8 // 10):
        data[i] = 0xFF
    (work / "policy.parquet").write_bytes(bytes(data))


def _parquet_truncated(work: Path) -> None:
    data = (work / "policy.parquet").read_bytes()
    (work / "policy.parquet").write_bytes(data[: len(data) // 2])


BAD_PARQUET = {
    "negative premium": (
        _parquet_edit("SELECT * REPLACE (CASE WHEN policy_no = (SELECT min(policy_no) FROM {p}) "
                      "THEN -premium ELSE premium END AS premium) FROM {p}"),
        "premium", "单面保费 不能为负数"),
    "date as a number": (
        _parquet_edit("SELECT * REPLACE (CAST(strftime(start_date, '%Y%m%d') AS INTEGER) "
                      "AS start_date) FROM {p}"),
        "start_date", "起保日期 不是有效的日期"),
    "damaged pages": (_parquet_damaged_pages, "", "文件无法读取"),
    "truncated file": (_parquet_truncated, "", "不是有效的 Parquet 文件"),
}


@pytest.mark.parametrize("case", sorted(BAD_PARQUET))
def test_bad_parquet_rejected_store_unchanged(case: str, book: tuple[Settings, Path, Path],
                                              tmp_path: Path) -> None:
    """Parquet is read where it lies (not copied first): its faults still name the file,
    the row and the column, and change nothing."""
    settings, generated, files = book
    mutate, column, reason = BAD_PARQUET[case]
    work = tmp_path / "pq"
    _parquet_files(files, work)
    mutate(work)
    store = tmp_path / "store.duckdb"
    shutil.copy(generated, store)
    before = _sha(store)
    result = load(work, store, settings, user="tester")
    assert not result.ok
    hits = [r for r in result.rejects if r.file == "policy.parquet" and reason in r.reason
            and (not column or r.column == column)]
    assert hits, [(r.file, r.row, r.column, r.reason) for r in result.rejects[:5]]
    if column:
        assert hits[0].row and hits[0].value
    assert _sha(store) == before


def test_typed_parquet_loads_like_csv(book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    settings, _, files = book
    work = tmp_path / "pq"
    _parquet_files(files, work)
    _assert_loads_like_the_book(settings, files, work)


def _blank_columns(path: Path, names: tuple[str, ...]) -> None:
    rows = _read(path)
    cols = [_column(rows, n) for n in names]
    for row in rows[1:]:
        for i in cols:
            row[i] = ""
    _write(path, rows)


def test_amounts_without_cny_are_converted_at_the_rate_of_their_day(
        book: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    """Files may leave the CNY twins out: the importer converts at the rate in force on
    the transaction date, as the core systems do, to the same cent."""
    settings, _, files = book
    work = tmp_path / "files"
    shutil.copytree(files, work)
    _blank_columns(work / "receipt.csv", ("amount_cny",))
    _blank_columns(work / "policy.csv", ("sum_insured_cny", "liability_limit_cny", "premium_cny"))
    _assert_loads_like_the_book(settings, files, work, ("receipt", "policy"))


def test_a_date_after_the_last_rate_takes_the_last_rate(book: tuple[Settings, Path, Path],
                                                        tmp_path: Path) -> None:
    import duckdb

    settings, _, files = book
    work = tmp_path / "files"
    shutil.copytree(files, work)
    rates = _read(work / "exchange_rate.csv")
    usd = [r for r in rates[1:] if r[0] == "USD"]
    cut = sorted(r[1] for r in usd)[len(usd) // 2]
    _write(work / "exchange_rate.csv",
           [rates[0], *(r for r in rates[1:] if r[0] != "USD" or r[1] <= cut)])
    last_rate = max((r for r in usd if r[1] <= cut), key=lambda r: r[1])[2]
    _blank_columns(work / "receipt.csv", ("amount_cny",))
    target = tmp_path / "cut.duckdb"
    assert load(work, target, settings).ok
    con = duckdb.connect(str(target), read_only=True)
    later = con.execute(
        "SELECT r.amount, r.amount_cny, round(r.amount * CAST(? AS DECIMAL(18,6)), 2) "
        "FROM receipt r JOIN currency c USING (currency_id) "
        "WHERE c.currency_code = 'USD' AND r.receipt_date > CAST(? AS DATE)",
        [last_rate, cut]).fetchall()
    con.close()
    assert later, "the book has USD receipts after the cut"
    assert all(cny == expected for _, cny, expected in later)
