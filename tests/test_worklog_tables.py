"""The 工作日志 tables: the migration builds what ops/worklog_tables.py declares, a row of
each table goes in and comes back as written (dates, money to the cent), the settings and
change-counter rows exist, the checks refuse what they should, and the revision goes
down and up again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from ops import db as ops_db
from ops import migrate
from ops import worklog_tables as wt
from ops.worklog_prospects import prospect_code, read_prospects
from tests.ops_fixtures import fresh_database

AUTHOR = {"user_id": 5, "author_name": "张三", "staff_id": 386, "dept_id": 12, "branch_id": 3}
AT = "2026-11-30T08:00:00"


@pytest.fixture
def db(tmp_path: Path) -> object:
    found = fresh_database(tmp_path / "worklog.sqlite")
    migrate.upgrade(found)
    return found


def test_every_table_round_trips(db: object) -> None:
    with ops_db.write(db) as con:
        con.execute(insert(wt.worklog_budgets).values(
            year=2026, amount=Decimal("36000.50"), created_at=AT, updated_at=AT, **AUTHOR))
        plan_id = con.execute(insert(wt.worklog_plans).values(
            kind="日常工作计划", start_date=date(2026, 11, 30), end_date=date(2026, 11, 30),
            purpose="拜访续保客户", planned_cost=Decimal("120.00"), created_at=AT,
            updated_at=AT, **AUTHOR)).inserted_primary_key[0]
        con.execute(insert(wt.worklog_plan_customers).values(
            plan_id=plan_id, customer_code="C0000001", customer_name="李四", **AUTHOR))
        con.execute(insert(wt.worklog_plan_customers).values(
            plan_id=plan_id, customer_name="某集团", prospect_kind="集团客户",
            prospect_phone="13912345678", **AUTHOR))
        entry_id = con.execute(insert(wt.worklog_entries).values(
            entry_date=date(2026, 11, 30), customer_code="C0000001", customer_name="李四",
            content="面谈续保", expense_amount=Decimal("88.88"), expense_kind="招待",
            receipt_no="R001", outcome="报价", plan_id=plan_id, created_at=AT,
            updated_at=AT, **AUTHOR)).inserted_primary_key[0]
        con.execute(insert(wt.worklog_entries).values(
            entry_date=date(2026, 11, 30), customer_code="C0000001", customer_name="李四",
            content="面谈续保(更正)", expense_amount=Decimal("66.60"), expense_kind="招待",
            outcome="签单", policy_no="PDAA2026", plan_id=plan_id,
            corrects_entry_id=entry_id, created_at=AT, updated_at=AT, **AUTHOR))
        con.execute(insert(wt.worklog_approvals).values(
            plan_id=plan_id, step="submit", by_user_id=5, by_name="张三", to_user_id=4,
            at=AT, **AUTHOR))
        con.execute(insert(wt.worklog_form_issues).values(
            action_date=date(2026, 11, 2), form_type="机动车保险单", action="领用",
            serial_from="000101", serial_to="000150", form_count=50, recorded_by=5,
            created_at=AT, **AUTHOR))
        problem_id = con.execute(insert(wt.worklog_problems).values(
            title="保单打印失败", assignee_user_id=4, assignee_name="科长", created_at=AT,
            updated_at=AT, **AUTHOR)).inserted_primary_key[0]
        con.execute(insert(wt.worklog_problem_replies).values(
            problem_id=problem_id, by_user_id=4, by_name="科长", body="已联系信息部",
            status_after="处理中", at=AT, **AUTHOR))
    with ops_db.read(db) as con:
        entries = con.execute(select(wt.worklog_entries).order_by(
            wt.worklog_entries.c.entry_id)).mappings().all()
        budget = con.execute(select(wt.worklog_budgets)).mappings().one()
        plan = con.execute(select(wt.worklog_plans)).mappings().one()
        settings = con.execute(select(wt.worklog_settings)).mappings().all()
        changes = con.execute(select(wt.worklog_changes)).mappings().all()
        counts = {t.name: len(con.execute(select(t)).all())
                  for t in (wt.worklog_plan_customers, wt.worklog_approvals,
                            wt.worklog_form_issues, wt.worklog_problem_replies)}
    assert [e["expense_amount"] for e in entries] == [Decimal("88.88"), Decimal("66.60")]
    assert entries[0]["entry_date"] == date(2026, 11, 30)
    assert entries[1]["corrects_entry_id"] == entries[0]["entry_id"]
    assert entries[0]["outcome"] == "报价" and entries[0]["deleted_at"] is None
    assert budget["amount"] == Decimal("36000.50")
    assert (plan["status"], plan["staff_id"], plan["dept_id"]) == ("draft", 386, 12)
    assert [(s["settings_id"], s["expense_limit"]) for s in settings] \
        == [(1, Decimal(wt.DEFAULT_EXPENSE_LIMIT))]
    assert [(c["counter_id"], c["version"]) for c in changes] == [(1, 0)]
    assert counts == {"worklog_plan_customers": 2, "worklog_approvals": 1,
                      "worklog_form_issues": 1, "worklog_problem_replies": 1}


@pytest.mark.parametrize(("table", "values"), [
    (wt.worklog_entries, {"entry_date": date(2026, 11, 1), "expense_amount": Decimal("-1"),
                          "created_at": AT, "updated_at": AT}),
    (wt.worklog_entries, {"entry_date": date(2026, 11, 1), "outcome": "成功",
                          "created_at": AT, "updated_at": AT}),
    (wt.worklog_plans, {"kind": "周计划", "start_date": date(2026, 11, 1),
                        "end_date": date(2026, 11, 1), "created_at": AT, "updated_at": AT}),
    (wt.worklog_plans, {"kind": "月计划", "start_date": date(2026, 11, 30),
                        "end_date": date(2026, 11, 1), "created_at": AT, "updated_at": AT}),
    (wt.worklog_form_issues, {"action_date": date(2026, 11, 1), "form_type": "保险单",
                              "action": "丢失", "form_count": 1, "recorded_by": 5,
                              "created_at": AT}),
])
def test_the_checks_refuse_impossible_rows(db: object, table: object, values: dict) -> None:
    with pytest.raises(IntegrityError), ops_db.write(db) as con:
        con.execute(insert(table).values(**values, **AUTHOR))  # type: ignore[arg-type]


def test_revision_goes_down_and_up(db: object) -> None:
    with ops_db.engine(db).connect() as raw:  # type: ignore[arg-type]
        con = raw.execution_options(ops_write=True)
        with con.begin():
            command.downgrade(migrate._config(con), "0005_worklog@0004")
    with ops_db.read(db) as con:  # type: ignore[arg-type]
        assert not {n for n in inspect(con).get_table_names() if n.startswith("worklog_")}
    migrate.upgrade(db)  # type: ignore[arg-type]
    with ops_db.read(db) as con:  # type: ignore[arg-type]
        names = {n for n in inspect(con).get_table_names() if n.startswith("worklog_")}
    assert names == {t for t in wt.metadata.tables if t.startswith("worklog_")}
    assert migrate.current(db) == migrate.head()  # type: ignore[arg-type]


def test_prospects_are_read_once_per_author_and_name(db: object) -> None:
    """What the store build reads of the prospects: one per author and name (spaces at
    the ends aside), a phone or 证件号 once given kept, the notes that count only."""
    other = {**AUTHOR, "user_id": 6, "staff_id": 387}

    def new_plan(con: object, author: dict, at: str) -> int:
        return con.execute(insert(wt.worklog_plans).values(  # type: ignore[attr-defined]
            kind="日常工作计划", start_date=date(2026, 11, 30), end_date=date(2026, 11, 30),
            created_at=at, updated_at=at, **author)).inserted_primary_key[0]

    with ops_db.write(db) as con:  # type: ignore[arg-type]
        first, later = new_plan(con, AUTHOR, AT), new_plan(con, AUTHOR, "2026-12-01T08:00:00")
        for plan_id, extra in ((first, {"prospect_phone": "13912345678",
                                        "prospect_id_no": "110101199003074514"}),
                               (later, {"prospect_kind": "代理客户"})):
            con.execute(insert(wt.worklog_plan_customers).values(
                plan_id=plan_id, customer_name=" 某集团 ",
                **{"prospect_kind": "集团客户", **extra}, **AUTHOR))
        con.execute(insert(wt.worklog_plan_customers).values(
            plan_id=new_plan(con, other, AT), customer_name="某集团", prospect_kind="集团客户",
            **other))
        con.execute(insert(wt.worklog_plan_customers).values(
            plan_id=first, customer_code="C0000001", customer_name="李四", **AUTHOR))
        for name, deleted in (("记事客户", None), ("删掉的客户", AT)):
            con.execute(insert(wt.worklog_entries).values(
                entry_date=date(2026, 11, 30), customer_name=name, prospect_kind="间接客户",
                deleted_at=deleted, created_at=AT, updated_at=AT, **AUTHOR))
    with ops_db.read(db) as con:  # type: ignore[arg-type]
        found = read_prospects(con)
    assert sorted((p.user_id, p.customer_name, p.prospect_kind, p.phone, p.id_no)
                  for p in found) == [
        (5, "某集团", "代理客户", "13912345678", "110101199003074514"),
        (5, "记事客户", "间接客户", None, None),
        (6, "某集团", "集团客户", None, None)]
    assert {p.customer_code for p in found} == {
        prospect_code(5, "某集团"), prospect_code(5, "记事客户"), prospect_code(6, "某集团")}
    assert len({p.customer_code for p in found}) == 3
