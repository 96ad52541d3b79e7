"""A real insurer's day (issue: an import a real insurer can run): each case is a tiny
import folder — the files of a small generated book, changed as a real export differs —
that loads, or is refused naming file, row and column."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data.export_layout import export_store
from data.generate import generate
from data.load import LoadResult, load
from data.settings import Settings
from engines import engine_for
from tests.test_store_generate import table_checksums

AS_OF = date(2026, 11, 20)
Book = tuple[Settings, Path]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """Settings and the files of a small generated book; ``loaded.duckdb`` beside them."""
    root = tmp_path_factory.mktemp("real")
    settings = replace(Settings(), as_of=AS_OF, users_path=root / "users.sqlite",
                       store_path=root / "loaded.duckdb", results_cache_entries=0,
                       login_fail_delay=0.0)
    generated = generate(root / "generated.duckdb", 400, 5, AS_OF, settings)
    export_store(generated, root / "files")
    assert load(root / "files", root / "loaded.duckdb", settings).ok
    return settings, root / "files"


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def edit(work: Path, name: str, change: Callable[[dict[str, str]], None]) -> None:
    """Apply ``change`` to every data row of ``name``.csv, as a dict by column."""
    rows = read(work / f"{name}.csv")
    out = [rows[0]]
    for row in rows[1:]:
        record = dict(zip(rows[0], row, strict=True))
        change(record)
        if record:  # an emptied record drops the row
            out.append([record[c] for c in rows[0]])
    write(work / f"{name}.csv", out)


def header_only(work: Path, name: str) -> None:
    write(work / f"{name}.csv", read(work / f"{name}.csv")[:1])


def set_cell(work: Path, name: str, column: str, value: str, row: int = 1) -> None:
    rows = read(work / f"{name}.csv")
    rows[row][rows[0].index(column)] = value
    write(work / f"{name}.csv", rows)


def copy(book: Book, tmp_path: Path, name: str = "files") -> Path:
    work = tmp_path / name
    shutil.copytree(book[1], work)
    return work


def refused(result: LoadResult, file: str, column: str, reason: str,
            row: int | None = 2) -> None:
    assert not result.ok
    hits = [r for r in result.rejects if r.file == file and r.column == column
            and reason in r.reason and (row is None or r.row == row)]
    assert hits, [(r.file, r.row, r.column, r.reason) for r in result.rejects[:8]]


def count(store: Path, sql: str, params: list[object] | None = None) -> int:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return int(con.execute(sql, params or []).fetchone()[0])
    finally:
        con.close()


# --- 7: a day with no rows of a kind -------------------------------------------------------

def test_header_only_file_means_none(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    header_only(work, "endorsement")

    def drop_endorsed(r: dict[str, str]) -> None:
        if r["endorsement_no"]:
            r.clear()
    edit(work, "receivable", drop_endorsed)
    edit(work, "receipt", drop_endorsed)
    result = load(work, tmp_path / "s.duckdb", settings)
    assert result.ok, result.rejects[:3]
    assert result.rows_read["endorsement"] == 0
    assert count(tmp_path / "s.duckdb", "SELECT count(*) FROM endorsement") == 0
    assert count(tmp_path / "s.duckdb", "SELECT count(*) FROM policy") == 400


def test_missing_optional_files_mean_none(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    for name in ("agent", "commission"):
        (work / f"{name}.csv").unlink()

    def no_agent(r: dict[str, str]) -> None:
        r["agent_code"] = ""
    edit(work, "policy", no_agent)
    edit(work, "proposal", no_agent)
    result = load(work, tmp_path / "s.duckdb", settings)
    assert result.ok, result.rejects[:3]
    assert count(tmp_path / "s.duckdb", "SELECT count(*) FROM agent") == 0
    assert count(tmp_path / "s.duckdb", "SELECT count(*) FROM policy") == 400


# --- 8: the home currency needs no rate --------------------------------------------------------

def test_cny_amounts_convert_at_one_without_a_rate(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)

    def no_cny_rate(r: dict[str, str]) -> None:
        if r["currency_code"] == "CNY":
            r.clear()
    edit(work, "exchange_rate", no_cny_rate)

    def blank(r: dict[str, str]) -> None:
        r["amount_cny"] = ""
    edit(work, "receipt", blank)
    store = tmp_path / "s.duckdb"
    result = load(work, store, settings)
    assert result.ok, result.rejects[:3]
    cny = "SELECT count(*) FROM receipt JOIN currency USING (currency_id) " \
          "WHERE currency_code = 'CNY'"
    assert count(store, cny) > 300
    assert count(store, cny + " AND amount_cny IS DISTINCT FROM amount") == 0


# --- 11: use years derived ---------------------------------------------------------------------

def test_use_years_left_out_are_derived_as_the_book_has_them(book: Book,
                                                             tmp_path: Path) -> None:
    settings, files = book
    work = copy(book, tmp_path)
    rows = read(work / "policy.csv")
    i = rows[0].index("use_years")
    assert sum(1 for r in rows[1:] if r[i]) > 50  # the book's auto policies
    write(work / "policy.csv", [r[:i] + r[i + 1:] for r in rows])  # the column left out
    store = tmp_path / "s.duckdb"
    assert load(work, store, settings).ok
    expected = table_checksums(files.parent / "loaded.duckdb")
    got = table_checksums(store)
    assert got["policy"] == expected["policy"]
    assert got["policy_pnl"] == expected["policy_pnl"]


def test_auto_policy_without_use_years_or_vehicle_is_unknown_not_non_auto(
        book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    rows = read(work / "policy.csv")
    col = {c: i for i, c in enumerate(rows[0])}
    auto = next(n for n, r in enumerate(rows) if n and r[col["vin"]])
    policy_no = rows[auto][col["policy_no"]]
    rows[auto][col["vin"]] = rows[auto][col["use_years"]] = ""
    write(work / "policy.csv", rows)
    store = tmp_path / "s.duckdb"
    assert load(work, store, settings).ok
    con = duckdb.connect(str(store), read_only=True)
    band = con.execute("SELECT use_years_band, line FROM policy_pnl WHERE policy_no = ?",
                       [policy_no]).fetchone()
    non_auto = con.execute("SELECT DISTINCT use_years_band FROM policy_pnl "
                           "WHERE line <> 'auto'").fetchall()
    con.close()
    assert band == ("98 未知", "auto")
    assert non_auto == [("99 非车险",)]


# --- 14: organisation consistency -------------------------------------------------------------

def _other_dept(work: Path, branch: str) -> str:
    return next(r[0] for r in read(work / "department.csv")[1:] if r[2] != branch)


@pytest.mark.parametrize("name", ["policy", "staff"])
def test_department_of_another_branch_is_refused(name: str, book: Book,
                                                 tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    rows = read(work / f"{name}.csv")
    branch = rows[1][rows[0].index("branch_code")]
    other = _other_dept(work, branch)
    set_cell(work, name, "dept_code", other)
    result = load(work, tmp_path / "s.duckdb", settings)
    refused(result, f"{name}.csv", "dept_code", "属于支公司")
    assert not (tmp_path / "s.duckdb").exists()


# --- 15: plausible dates -------------------------------------------------------------------

@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_implausible_rate_date_is_refused(day: str, book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    set_cell(work, "exchange_rate", "rate_date", day)
    result = load(work, tmp_path / "s.duckdb", settings)
    refused(result, "exchange_rate.csv", "rate_date", "超出合理范围 (1900-01-01 至 2100-12-31)")


def test_year_zero_is_an_invalid_date_not_an_order_problem(book: Book,
                                                           tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    set_cell(work, "policy", "end_date", "0000-01-01")
    result = load(work, tmp_path / "s.duckdb", settings)
    refused(result, "policy.csv", "end_date", "终保日期 不是有效的日期")
    assert not any("早于" in r.reason for r in result.rejects)


# --- 16: smaller faults, each named ------------------------------------------------------------

def test_folder_and_store_names_with_quotes_load(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path, "day 'one' \"1\"")
    store = tmp_path / "it's" / "store.duckdb"
    result = load(work, store, replace(settings, users_path=store.with_name("u.sqlite")))
    assert result.ok, result.rejects[:3]
    assert count(store, "SELECT count(*) FROM policy") == 400


def test_money_with_three_decimals_is_refused_not_rounded(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    set_cell(work, "policy", "premium", "12.345")
    refused(load(work, tmp_path / "s.duckdb", settings), "policy.csv", "premium",
            "单面保费 最多 2 位小数")


def test_nul_byte_in_a_customer_code_is_refused_in_customer_csv(book: Book,
                                                                 tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    path = work / "customer.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b",", b"\x00,", 1)
    path.write_bytes(b"\n".join(lines))
    refused(load(work, tmp_path / "s.duckdb", settings), "customer.csv", "customer_code",
            "含有空字符")


def test_amount_overflowing_when_converted_is_refused_with_its_row(book: Book,
                                                                  tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    rows = read(work / "receipt.csv")
    col = {c: i for i, c in enumerate(rows[0])}
    row = next(n for n, r in enumerate(rows) if n and r[col["currency_code"]] in ("EUR", "USD"))
    rows[row][col["amount"]] = "9999999999999999.99"
    rows[row][col["amount_cny"]] = ""
    write(work / "receipt.csv", rows)
    result = load(work, tmp_path / "s.duckdb", settings)
    refused(result, "receipt.csv", "amount", "折人民币后超出金额范围", row=row + 1)


def test_amount_beyond_the_column_is_refused(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    set_cell(work, "claim_payment", "amount", "123456789012345678.00")
    refused(load(work, tmp_path / "s.duckdb", settings), "claim_payment.csv", "amount",
            "支付金额 超出范围")


def test_two_files_for_one_entity_are_refused(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    work = copy(book, tmp_path)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{work / 'agent.csv'}')) "
                f"TO '{work / 'agent.parquet'}' (FORMAT parquet)")
    con.close()
    result = load(work, tmp_path / "s.duckdb", settings)
    refused(result, "agent.csv", "", "同一实体有多个文件: agent.csv, agent.parquet", row=None)


def test_a_killed_loads_leftovers_go_with_the_next_load(book: Book, tmp_path: Path) -> None:
    settings, _ = book
    store = tmp_path / "store.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    leftovers = [tmp_path / f".store.duckdb.building-{dead}",
                 tmp_path / f".store.duckdb.building-{dead}.wal"]
    for path in leftovers:
        path.write_bytes(b"x" * 1000)
    scratch = tmp_path / f".store.duckdb.import-{dead}"
    (scratch / "current").mkdir(parents=True)
    (scratch / "staging.duckdb").write_bytes(b"x")
    alive = tmp_path / f".store.duckdb.building-{os.getppid()}"
    alive.write_bytes(b"busy")
    assert load(book[1], store, settings).ok
    assert not any(p.exists() for p in [*leftovers, scratch])
    assert alive.exists()  # a running process's file is not garbage


# --- 12, 13: an imported store has no demo people and no demo users -----------------------------

def test_imported_store_without_claims_or_finance_staff_starts_without_demo_users(
        book: Book, tmp_path: Path) -> None:
    from auth.templates import ensure_demo_users
    from auth.users import list_users
    from queries.demo_people import find_demo_people

    settings, _ = book
    work = copy(book, tmp_path)

    def everyone_sells(r: dict[str, str]) -> None:
        if r["title"] in ("理赔员", "财务"):
            r["title"] = "业务员"
    edit(work, "staff", everyone_sells)
    own = replace(settings, store_path=tmp_path / "s.duckdb", users_path=tmp_path / "u.sqlite")
    assert load(work, own.store_path, own).ok
    assert find_demo_people(engine_for(own)) is None
    ensure_demo_users(engine_for(own))  # what the app does at start-up
    assert list_users(own.users_db, templates=False) == []


def test_readme_first_install_steps_work_on_an_imported_store(
        book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README: create the first administrator with ``auth.admin create-admin``, sign in,
    change the password, add staff on the 用户权限录入 page."""
    from app import create_app
    from auth import admin
    from auth.templates import ensure_demo_users
    from auth.users import get_user, list_users
    from tests.dash_calls import answer
    from tests.test_admin_pages import create, template_id

    settings, files = book
    own = replace(settings, store_path=tmp_path / "s.duckdb", users_path=tmp_path / "u.sqlite")
    assert load(files, own.store_path, own).ok
    ensure_demo_users(engine_for(own))
    assert list_users(own.users_db, templates=False) == []
    monkeypatch.setenv("STORE_PATH", str(own.store_path))
    monkeypatch.setenv("USERS_PATH", str(own.users_db))
    monkeypatch.setenv("ADMIN_PASSWORD", "First-admin-2026")
    assert admin.main(["create-admin", "--username", "0001", "--name", "张三"]) == 0
    client = create_app(own).server.test_client()
    signed = client.post("/login", data={"username": "0001", "password": "First-admin-2026"})
    assert signed.headers["Location"] == "/change-password"
    changed = client.post("/change-password", data={
        "old_password": "First-admin-2026", "new_password": "Own-admin-2026",
        "new_password_again": "Own-admin-2026"})
    assert changed.status_code == 302
    assert client.get("/admin/admin-users").status_code == 200
    values = {"new-username": "E00001", "new-name": "业务员一", "new-scope": "self",
              "new-branch": "1", "new-dept": "1", "new-staff": "1",
              "new-pages": ["pnl-auto-cube"], "new-pii": False, "new-admin": False,
              "new-template": template_id(own, "tpl-sales")}
    done = answer(create(client, values))
    assert "一次性密码" in json.dumps(done["new-message"], ensure_ascii=False)
    staff = get_user(own.users_db, username="E00001")
    assert staff is not None and staff.must_change_password and staff.staff_id == 1
