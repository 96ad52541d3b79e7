"""The sources of the 工作日志 query reports: the worklog tables of the operational store
(docs/WORKLOG.md) mirrored by ``queries.mirror``, and the facts built from them at each
load beside the analytical store's staff, customers and policies.

A note *counts* when it is neither deleted nor replaced by a correcting note. Every fact
keeps the author's ``user_id``, ``staff_id``, ``dept_id`` and ``branch_id`` (the scope
columns); a 科长 without a staff id is still scoped by department and branch.
"""

from __future__ import annotations

import sqlalchemy as sa

from ops import worklog_tables as wt
from queries import mirror
from queries.worklog_findings import (
    ANOMALY_FACT,
    COST_TO_SERVE_FACT,
    CUSTOMER_LINKS,
    CUSTOMER_VIEW,
)

STATUS_NAMES = (("draft", "草稿"), ("submitted", "已报备"), ("approved", "已批准"),
                ("returned", "已退回"))


def status_sql(alias: str) -> str:
    """A plan's status as users read it (草稿, 已报备 …)."""
    return f"CASE {alias}.status " + " ".join(
        f"WHEN '{k}' THEN '{v}'" for k, v in STATUS_NAMES) + " END"



def local_time(column: str) -> str:
    """An ISO UTC timestamp text of the operational store as local 'YYYY-MM-DD HH:MM'."""
    return (f"strftime(timezone('{{tz}}', CAST({column} AS TIMESTAMP) AT TIME ZONE 'UTC'), "
            "'%Y-%m-%d %H:%M')")


NOTES = """
    SELECT * FROM worklog_entries WHERE deleted_at IS NULL AND superseded_by IS NULL"""

# Who wrote worklog rows: their latest name and staff code, for names beside codes.
PEOPLE = """
    WITH a AS (
        SELECT user_id, author_name, staff_id, updated_at AS at FROM worklog_entries
        UNION ALL SELECT user_id, author_name, staff_id, updated_at FROM worklog_plans
        UNION ALL SELECT user_id, author_name, staff_id, updated_at FROM worklog_budgets)
    SELECT a.user_id, arg_max(a.author_name, a.at) AS person_name,
           arg_max(s.staff_code, a.at) AS person_code
    FROM a LEFT JOIN staff s ON s.staff_id = a.staff_id GROUP BY a.user_id"""

ORG = """
    LEFT JOIN staff s_ ON s_.staff_id = x.staff_id
    LEFT JOIN department d_ ON d_.dept_id = x.dept_id
    LEFT JOIN branch b_ ON b_.branch_id = x.branch_id"""
ORG_CODES = "s_.staff_code, d_.dept_code, b_.branch_code"
# The customer page's key beside a customer's name (its 统一客户号, else its code).
MASTER_NO = "coalesce(m.master_no, m.customer_code) AS master_no"

PLAN_FACT = f"""
    WITH pc AS (
        SELECT c.plan_id, count(*) AS customers,
               string_agg(coalesce(m.customer_name, nullif(c.customer_name, ''),
                                   c.customer_code), '、' ORDER BY c.plan_customer_id)
                   AS customer_names
        FROM worklog_plan_customers c LEFT JOIN customer m ON m.customer_code = c.customer_code
        GROUP BY c.plan_id),
    n AS (
        SELECT plan_id, count(*) AS notes, sum(expense_amount) AS spent
        FROM worklog_notes WHERE plan_id IS NOT NULL GROUP BY plan_id)
    SELECT x.plan_id, x.kind, x.start_date, x.end_date, nullif(x.purpose, '') AS purpose,
           x.planned_cost,
           strftime(x.start_date, '%Y-%m') AS plan_month, year(x.start_date) AS plan_year,
           x.status, {status_sql("x")} AS status_name,
           CASE WHEN x.status = 'approved' THEN 1 ELSE 0 END AS is_approved,
           CASE WHEN x.status = 'returned' THEN 1 ELSE 0 END AS is_returned,
           CASE WHEN x.status = 'submitted' THEN 1 ELSE 0 END AS is_submitted,
           x.reviewer_name, nullif(x.review_comment, '') AS review_comment,
           {local_time("x.submitted_at")} AS submitted_time,
           {local_time("x.reviewed_at")} AS reviewed_time,
           coalesce(pc.customers, 0)::INTEGER AS customers, pc.customer_names,
           coalesce(n.notes, 0)::INTEGER AS notes,
           coalesce(n.spent, 0)::DECIMAL(18,2) AS spent,
           x.user_id, x.author_name, x.staff_id, x.dept_id, x.branch_id, {ORG_CODES}
    FROM worklog_plans x LEFT JOIN pc USING (plan_id) LEFT JOIN n USING (plan_id) {ORG}"""

ENTRY_FACT = f"""
    SELECT x.entry_id, x.entry_date, strftime(x.entry_date, '%Y-%m') AS entry_month,
           year(x.entry_date) AS entry_year, x.customer_code, m.customer_id,
           coalesce(m.customer_name, nullif(x.customer_name, '')) AS customer_name,
           {MASTER_NO},
           CASE WHEN x.customer_code IS NOT NULL THEN '已有客户'
                WHEN x.prospect_kind IS NOT NULL THEN x.prospect_kind
                WHEN trim(x.customer_name) <> '' THEN '新客户' ELSE '无客户' END
               AS customer_kind,
           nullif(x.content, '') AS content, x.expense_amount,
           coalesce(x.expense_kind, '无费用') AS expense_kind,
           nullif(x.receipt_no, '') AS receipt_no,
           x.outcome, nullif(x.policy_no, '') AS policy_no, x.plan_id, p.kind AS plan_kind,
           nullif(p.purpose, '') AS plan_purpose, {status_sql("p")} AS plan_status,
           CASE WHEN x.corrects_entry_id IS NOT NULL THEN '更正' END AS corrected,
           x.user_id, x.author_name, x.staff_id, x.dept_id, x.branch_id, {ORG_CODES}
    FROM worklog_notes x LEFT JOIN worklog_plans p USING (plan_id)
    LEFT JOIN customer m ON m.customer_code = x.customer_code {ORG}"""

# A ledger: one row per note with an expense (expense_rows = 1) and twelve rows per
# budget, each a month's share (the year's remainder in December, so they add up).
BUDGET_NAME = "年度预算"
EXPENSE_FACT = f"""
    WITH months AS (SELECT unnest(range(1, 13)) AS month_no),
    rows AS (
        SELECT x.entry_id AS row_id, 1 AS expense_rows, x.entry_date AS expense_date,
               x.expense_kind, x.expense_amount AS expense, 0::DECIMAL(18,2) AS budget,
               x.customer_code, coalesce(m.customer_name, nullif(x.customer_name, ''))
                   AS customer_name, {MASTER_NO}, nullif(x.content, '') AS content,
               nullif(x.receipt_no, '') AS receipt_no, x.user_id, x.author_name, x.staff_id,
               x.dept_id, x.branch_id
        FROM worklog_notes x LEFT JOIN customer m ON m.customer_code = x.customer_code
        WHERE x.expense_amount > 0
        UNION ALL
        SELECT -(x.budget_id * 100 + month_no), 0, make_date(x.year, month_no, 1),
               '{BUDGET_NAME}', 0::DECIMAL(18,2),
               CASE WHEN month_no < 12 THEN round(x.amount / 12, 2)
                    ELSE x.amount - 11 * round(x.amount / 12, 2) END::DECIMAL(18,2),
               NULL, NULL, NULL, NULL, NULL, x.user_id, x.author_name, x.staff_id, x.dept_id,
               x.branch_id
        FROM worklog_budgets x, months)
    SELECT x.*, strftime(x.expense_date, '%Y-%m') AS expense_month,
           year(x.expense_date) AS expense_year, {ORG_CODES}
    FROM rows x {ORG}"""

WORKLOG = mirror.Mirrored(
    copies=(mirror.copy_of(wt.worklog_entries), mirror.copy_of(wt.worklog_plans),
            mirror.copy_of(wt.worklog_plan_customers), mirror.copy_of(wt.worklog_budgets)),
    version=lambda con: con.execute(
        sa.select(wt.worklog_changes.c.version)
        .where(wt.worklog_changes.c.counter_id == 1)).scalar(),
    derived=(("worklog_notes", NOTES), ("worklog_people", PEOPLE),
             ("worklog_plan_fact", PLAN_FACT), ("worklog_entry_fact", ENTRY_FACT),
             ("worklog_expense_fact", EXPENSE_FACT),
             ("worklog_customer_links", CUSTOMER_LINKS),
             ("worklog_cost_fact", COST_TO_SERVE_FACT),
             ("worklog_anomaly_fact", ANOMALY_FACT)),
    views=(("worklog_customer_fact", CUSTOMER_VIEW),),
)
mirror.register(WORKLOG)
