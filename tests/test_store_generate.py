"""The generated store: deterministic, referentially sound, realistic, safely swapped."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data.generate import generate
from data.schema import BASE_TABLES
from data.settings import ROOT, Settings

AS_OF = date(2026, 11, 20)


def table_checksums(path: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [name if schema == "main" else f"{schema}.{name}" for schema, name in
                 con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()]
        return {
            n: con.execute(f"SELECT count(*), coalesce(bit_xor(hash(COLUMNS(*))), 0) FROM {n}")
            .fetchone()
            for n in sorted(names)
        }
    finally:
        con.close()


def test_same_size_and_seed_give_identical_contents(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "c.duckdb"
    generate(a, 3000, 11, AS_OF, Settings(as_of=AS_OF))
    generate(b, 3000, 11, AS_OF, Settings(as_of=AS_OF, build_threads=1))
    generate(c, 3000, 12, AS_OF, Settings(as_of=AS_OF))
    sums_a = table_checksums(a)
    assert set(BASE_TABLES) <= set(sums_a)
    assert sums_a == table_checksums(b)
    assert sums_a["policy"] != table_checksums(c)["policy"]


ORPHANS = {
    "claim without policy": "claim c ANTI JOIN policy p USING (policy_id)",
    "payment without claim": "claim_payment x ANTI JOIN claim USING (claim_id)",
    "receivable without policy": "receivable x ANTI JOIN policy USING (policy_id)",
    "receipt without policy": "receipt x ANTI JOIN policy USING (policy_id)",
    "receipt without receivable": "(SELECT * FROM receipt WHERE receivable_id IS NOT NULL) x "
    "ANTI JOIN receivable USING (receivable_id)",
    "endorsement without policy": "endorsement x ANTI JOIN policy USING (policy_id)",
    "commission without policy": "commission x ANTI JOIN policy USING (policy_id)",
    "commission without agent": "commission x ANTI JOIN agent USING (agent_id)",
    "proposal to missing policy": "(SELECT * FROM proposal WHERE policy_id IS NOT NULL) x "
    "ANTI JOIN policy USING (policy_id)",
    "policy without insured": "policy x ANTI JOIN customer c ON c.customer_id = x.insured_id",
    "policy without handler": "policy x ANTI JOIN staff s ON s.staff_id = x.handler_id",
    "policy in wrong branch": "policy x JOIN department d USING (dept_id) "
    "WHERE d.branch_id <> x.branch_id",
    "renewal of another vehicle": "policy p JOIN policy q ON q.policy_id = p.renewal_of_policy_id "
    "WHERE q.vehicle_id <> p.vehicle_id OR q.start_date >= p.start_date",
    "auto policy without vehicle": "policy_pnl WHERE line = 'auto' AND vehicle_id IS NULL",
    "rate missing": "(SELECT DISTINCT currency_id, receipt_date AS d FROM receipt) x "
    "ANTI JOIN exchange_rate r ON r.currency_id = x.currency_id AND r.rate_date = x.d",
}


@pytest.mark.parametrize("what", sorted(ORPHANS))
def test_every_key_is_valid(store_path: Path, what: str) -> None:
    con = duckdb.connect(str(store_path), read_only=True)
    assert con.execute(f"SELECT count(*) FROM {ORPHANS[what]}").fetchone() == (0,)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("book") / "book.duckdb"
    generate(path, 100_000, 3, AS_OF, Settings(as_of=AS_OF))
    return duckdb.connect(str(path), read_only=True)


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


def test_claim_frequency_in_band(book: duckdb.DuckDBPyConnection) -> None:
    exposure = "(sum(greatest(date_diff('day', start_date, least(end_date, DATE '2026-11-20')), " \
               "0)) / 365.0)"
    auto = one(book, f"SELECT sum(claims_registered) / {exposure} FROM policy_pnl "
                     "WHERE line = 'auto'")
    prop = one(book, f"SELECT sum(claims_registered) / {exposure} FROM policy_pnl "
                     "WHERE line = 'property'")
    assert 0.10 <= auto <= 0.20
    assert prop < auto / 2


def test_vehicles_look_real(book: duckdb.DuckDBPyConnection) -> None:
    assert one(book, "SELECT count(*) FROM vehicle WHERE length(vin) <> 17") == 0
    wrong_plate = """SELECT count(*) FROM policy p JOIN vehicle v USING (vehicle_id)
                     JOIN branch b ON b.branch_id = p.branch_id
                     WHERE v.plate_no IS NOT NULL AND NOT starts_with(v.plate_no, b.plate_prefix)"""
    assert one(book, wrong_plate) == 0
    assert one(book, "SELECT count(*) FROM policy WHERE NOT regexp_full_match(policy_no, "
                     "'P[A-Z]{3}20[0-9]{2}[0-9]{4}[0-9]{7}')") == 0


def test_business_mix(book: duckdb.DuckDBPyConnection) -> None:
    kinds = {r[0] for r in book.execute("SELECT DISTINCT endorse_kind FROM endorsement_fact")
             .fetchall()}
    assert kinds == {"注销保单", "全单退保", "加保", "减保", "其他"}
    statuses = {r[0] for r in book.execute("SELECT DISTINCT uw_status FROM proposal").fetchall()}
    assert statuses == {"0", "1", "2", "3", "9", "w"}
    assert one(book, "SELECT count(*) FROM proposal WHERE uw_status = 'w' "
                     "AND policy_id IS NOT NULL") == 0
    assert one(book, "SELECT count(DISTINCT currency_id) FROM policy") >= 4
    stages = {r[0] for r in book.execute("SELECT DISTINCT stage FROM claim_fact").fetchall()}
    assert stages == {"unregistered", "open", "closed", "cancelled"}
    lapsed = one(book, "SELECT count(*) FROM policy_pnl WHERE line = 'auto' AND end_date < "
                       "DATE '2026-10-01' AND renewal_start_date IS NULL")
    renewed = one(book, "SELECT count(*) FROM policy_pnl WHERE renewal_start_date IS NOT NULL")
    assert lapsed > 1000 and renewed > 10_000
    assert one(book, "SELECT count(*) FROM policy_pnl WHERE renewal_start_date = end_date + 30") > 0
    assert one(book, "SELECT count(*) FROM policy_pnl WHERE renewal_start_date = end_date + 31") > 0
    unpaid = one(book, "SELECT count(*) FROM receivable_fact WHERE amount > 0 "
                       "AND received_cny = 0 AND due_date < DATE '2026-06-01'")
    assert unpaid > 100
    assert one(book, "SELECT count(*) FROM receipt WHERE amount < 0") > 100
    assert one(book, "SELECT count(*) FROM endorsement WHERE reason_code IN ('P10', 'P30')") > 100
    # Premiums are skewed: the mean well above the median.
    mean, median = book.execute("SELECT avg(premium_cny), median(premium_cny) FROM policy "
                                "WHERE class_id <> 1").fetchone()
    assert float(mean) > 1.3 * float(median)


def test_rollups_agree_with_base_tables(book: duckdb.DuckDBPyConnection) -> None:
    mismatch = one(book, """
        WITH r AS (SELECT policy_id, sum(amount_cny) AS s FROM receipt GROUP BY policy_id)
        SELECT count(*) FROM policy_pnl p LEFT JOIN r USING (policy_id)
        WHERE p.received_cny <> coalesce(r.s, 0)""")
    assert mismatch == 0
    paid = one(book, """
        SELECT count(*) FROM (
          SELECT c.policy_id, sum(x.amount_cny) AS s FROM claim c
          JOIN claim_payment x USING (claim_id) WHERE c.close_date IS NOT NULL GROUP BY 1) t
        JOIN policy_pnl p USING (policy_id) WHERE p.paid_closed_cny <> t.s""")
    assert paid == 0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_rebuild_leaves_the_old_store(tmp_path: Path) -> None:
    target = tmp_path / "store.duckdb"
    generate(target, 500, 1, AS_OF, Settings(as_of=AS_OF))
    before = _sha(target)
    proc = subprocess.Popen(
        [sys.executable, "-m", "data.generate", "--policies", "3000000", "--seed", "2",
         "--out", str(target), "--as-of", AS_OF.isoformat()],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not list(tmp_path.glob(".store.duckdb.building-*")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _sha(target) == before
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT count(*) FROM policy").fetchone() == (500,)


def test_receivable_ledger_agrees_with_receivables_and_receipts(
        book: duckdb.DuckDBPyConnection) -> None:
    # One plan row per receivable, every receipt against it counted once.
    plans, planned = book.execute(
        "SELECT sum(plan_rows), sum(plan_cny) FROM receivable_fact").fetchone()
    assert (plans, planned) == book.execute(
        "SELECT count(*), sum(amount_cny) FROM receivable").fetchone()
    assert one(book, "SELECT sum(receipt_cny) FROM receivable_fact") == one(
        book, "SELECT sum(amount_cny) FROM receipt WHERE receivable_id IS NOT NULL")


def test_near_unique_text_is_stored_plainly(book: duckdb.DuckDBPyConnection) -> None:
    """Numbers and names stored uncompressed (writing them compressed cost twice the
    time for little space); text of few values keeps its dictionary."""
    kinds = dict(book.execute("""
        SELECT column_name, string_agg(DISTINCT compression, ',')
        FROM pragma_storage_info('policy_pnl') WHERE segment_type = 'VARCHAR'
        GROUP BY 1""").fetchall())
    assert kinds["policy_no"] == kinds["insured_code"] == "Uncompressed"
    assert "Uncompressed" not in kinds["class_name"]
