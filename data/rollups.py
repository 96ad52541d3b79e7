"""Rollups built once per load, so no page recomputes per-policy sums per request.

Every rollup carries the scope columns (branch_id, dept_id, handler_id) of its policy,
so a user's data scope is a plain predicate with no join. Each lists the columns the
report pages read (queries/reports), not every attribute: on 10 M policies writing a
column of a rollup costs about as much as computing it.
"""

from __future__ import annotations

import duckdb

from data import bands
from data.customer_rollups import build_customer_rollups
from data.schema import column_sql
from data.settings import Settings
from data.steps import run_step
from data.written_data import apply_written_data

ENDORSE_KIND_SQL = """CASE
    WHEN e.endorse_type_code LIKE '%19%' THEN '注销保单'
    WHEN e.endorse_type_code LIKE '%21%'
         OR (e.subject_list_changed AND e.sum_insured_after = 0) THEN '全单退保'
    WHEN e.subject_list_changed AND e.premium_change > 0 THEN '加保'
    WHEN (e.subject_list_changed OR e.layup_refund) AND e.premium_change < 0
         AND e.sum_insured_after <> 0 THEN '减保'
    ELSE '其他' END"""


def _policy_pnl_sql() -> str:
    ratio = "(m.paid_closed_cny / NULLIF(m.received_cny, 0) * 100)"
    return f"""
    WITH rec AS (
        SELECT policy_id, sum(amount_cny) AS received_cny FROM receipt GROUP BY policy_id),
    pay AS (
        SELECT claim_id, sum(amount_cny) AS paid_cny FROM claim_payment GROUP BY claim_id),
    clm AS (
        SELECT c.policy_id,
               count(*) FILTER (WHERE c.register_date IS NOT NULL AND NOT c.cancelled)
                   AS claims_registered,
               sum(pay.paid_cny) FILTER (WHERE c.close_date IS NOT NULL) AS paid_closed_cny,
               -- 未决估损 (REPORTS.md): the estimates of open registered claims, whatever
               -- has been paid on them so far (an estimate is of the whole loss).
               sum(c.estimated_loss_cny) FILTER (
                   WHERE c.register_date IS NOT NULL AND c.close_date IS NULL
                         AND NOT c.cancelled) AS outstanding_cny,
               arg_max(c.reporter_phone, c.report_date) AS last_reporter_phone
        FROM claim c LEFT JOIN pay USING (claim_id) GROUP BY c.policy_id),
    -- Renewal: the next start of another policy on the same vehicle (a narrow window).
    ren AS (
        SELECT policy_id, lead(start_date) OVER (PARTITION BY vehicle_id
                                                 ORDER BY start_date, policy_id)
                   AS renewal_start_date
        FROM policy WHERE vehicle_id IS NOT NULL),
    m AS (
        SELECT p.policy_id, p.policy_no, p.branch_id, p.dept_id, p.handler_id, p.agent_id,
               p.insured_id, p.vehicle_id, p.use_years, p.clause_code, p.clause_name,
               p.sign_date, p.input_date, p.start_date, p.end_date, p.sum_insured,
               p.liability_limit, p.premium, p.sum_insured_cny, p.premium_cny, p.status,
               r.risk_code, rc.class_code, rc.class_name, rc.line,
               year(p.sign_date) AS sign_year, year(p.start_date) AS start_year,
               v.plate_no, vo.vin_order, vo.engine_no_order, v.vehicle_kind_code,
               v.vehicle_kind_name,
               v.use_nature_code, v.use_nature_name, v.brand_model, v.seats, v.tonnage,
               b.branch_code, d.dept_code, s.staff_code AS handler_code, cur.currency_code,
               ins.customer_code AS insured_code, p.applicant_id,
               app.code_order AS applicant_code_order,
               a.agent_code, strftime(p.end_date, '%Y-%m') AS end_month,
               clm.last_reporter_phone,
               coalesce(rec.received_cny, 0)::DECIMAL(18,2) AS received_cny,
               coalesce(clm.claims_registered, 0)::INTEGER AS claims_registered,
               coalesce(clm.paid_closed_cny, 0)::DECIMAL(18,2) AS paid_closed_cny,
               coalesce(clm.outstanding_cny, 0)::DECIMAL(18,2) AS outstanding_cny,
               ren.renewal_start_date
        FROM policy p
        JOIN risk r USING (risk_id) JOIN risk_class rc ON rc.class_id = p.class_id
        LEFT JOIN vehicle v USING (vehicle_id) LEFT JOIN vehicle_order vo USING (vehicle_id)
        LEFT JOIN rec USING (policy_id) LEFT JOIN clm USING (policy_id)
        LEFT JOIN ren USING (policy_id)
        JOIN branch b ON b.branch_id = p.branch_id JOIN department d ON d.dept_id = p.dept_id
        JOIN staff s ON s.staff_id = p.handler_id LEFT JOIN agent a ON a.agent_id = p.agent_id
        JOIN currency cur ON cur.currency_id = p.currency_id
        JOIN customer ins ON ins.customer_id = p.insured_id
        JOIN customer_order app ON app.customer_id = p.applicant_id)
    SELECT m.*,
           (m.paid_closed_cny + m.outstanding_cny)::DECIMAL(18,2) AS incurred_cny,
           -- Nothing paid over a negative premium is 0.00, not a signed zero.
           CASE WHEN m.paid_closed_cny = 0 AND m.received_cny <> 0 THEN 0.0
                ELSE round({ratio}, 2) END AS settled_loss_ratio_pct,
           CASE WHEN m.use_years IS NULL AND m.line = 'auto' THEN '98 未知'  -- no vehicle
                ELSE {bands.band_case("m.use_years", bands.USE_YEARS, "99 非车险")} END
               AS use_years_band,
           {bands.band_case("m.seats", bands.SEATS, "99 非车险")} AS seats_band,
           {bands.band_case("m.tonnage", bands.TONNAGE, "99 非车险")} AS tonnage_band,
           {bands.band_case("m.sum_insured_cny", bands.SUM_INSURED)} AS sum_insured_band,
           {bands.band_case(ratio, bands.LOSS_RATIO)} AS loss_ratio_band
    FROM m
    """


def _clean_days(stage: str) -> str:
    """A stage's days for the statistics: NULL when negative (the row is flagged)."""
    days = f"c.{stage}_days"
    return f"CASE WHEN {days} >= 0 THEN {days} END AS {stage}_ok_days"


def _negative_stage(stage: str, words: str) -> str:
    # concat_ws skips NULLs: only the stages that are negative are named.
    return f"CASE WHEN c.{stage}_days < 0 THEN '{words}' END"


# The policy's scope columns and the codes the fact pages filter and list by.
SCOPE = """p.branch_id, p.dept_id, p.handler_id, p.policy_no, r.risk_code"""
POLICY_JOIN = """JOIN policy p USING (policy_id) JOIN risk r ON r.risk_id = p.risk_id"""
CLASS_JOIN = "JOIN risk_class rc ON rc.class_id = p.class_id"
BRANCH_JOIN = "JOIN branch b_ ON b_.branch_id = p.branch_id"
HANDLER_JOIN = "JOIN staff s_ ON s_.staff_id = p.handler_id"
AGENT_JOIN = "LEFT JOIN agent a_ ON a_.agent_id = p.agent_id"

ROLLUPS: dict[str, str] = {
    # The policy's number and the parties are borrowed (queries/borrowed.py): their ids
    # and orders only.
    "proposal_fact": """
        SELECT x.proposal_id, x.proposal_no, x.policy_id, x.branch_id, x.dept_id,
               x.salesman_id, x.applicant_id, x.insured_id, x.input_date, x.start_date,
               x.end_date, x.sum_insured_cny, x.premium_cny, x.uw_status,
               po.no_order AS policy_no_order,
               ap.code_order AS applicant_code_order, ap.name_order AS applicant_name_order,
               ins.code_order AS insured_code_order, ins.name_order AS insured_name_order,
               s.staff_code AS salesman_code,
               CASE x.uw_status WHEN '0' THEN '未提交核保' WHEN '1' THEN '核保通过'
                    WHEN '2' THEN '核保未通过' WHEN '3' THEN '自动核保' WHEN '9' THEN '待核保'
                    WHEN 'w' THEN '核保通过但未转保单' END AS uw_status_name
        FROM proposal x LEFT JOIN policy_order po USING (policy_id)
        JOIN customer_order ap ON ap.customer_id = x.applicant_id
        JOIN customer_order ins ON ins.customer_id = x.insured_id
        JOIN staff s ON s.staff_id = x.salesman_id""",
    # 2.1's 支付 is the payment that settles the claim: the last payment out (a recovery
    # or reversal after it does not move it). A stage of negative days contradicts the
    # data; its clean column (``*_ok_days``) is NULL, so it is flagged, not averaged.
    "claim_fact": f"""
        WITH pay AS (
            SELECT claim_id, sum(amount_cny) AS paid_cny,
                   max(pay_date) FILTER (WHERE amount_cny > 0) AS settle_pay_date
            FROM claim_payment GROUP BY claim_id),
        stg AS (
            SELECT c.*, pay.paid_cny, pay.settle_pay_date,
                   date_diff('day', c.report_date, c.register_date) AS report_to_register_days,
                   date_diff('day', c.register_date, c.close_date) AS register_to_close_days,
                   CASE WHEN c.close_date IS NOT NULL
                        THEN date_diff('day', c.close_date, pay.settle_pay_date) END
                       AS close_to_pay_days,
                   CASE WHEN c.close_date IS NOT NULL
                        THEN date_diff('day', c.report_date, pay.settle_pay_date) END
                       AS report_to_pay_days
            FROM claim c LEFT JOIN pay USING (claim_id))
        SELECT c.claim_id, c.report_no, c.claim_no, c.policy_id, c.report_date,
               c.reporter_phone, c.loss_date, c.cause_name, c.loss_address,
               c.estimated_loss_cny, c.register_date, c.close_date, {SCOPE}, p.insured_id,
               rc.class_name,
               rc.line, b_.branch_code,
               coalesce(c.paid_cny, 0)::DECIMAL(18,2) AS paid_cny, c.settle_pay_date,
               c.report_to_register_days, c.register_to_close_days, c.close_to_pay_days,
               c.report_to_pay_days,
               {_clean_days("report_to_register")}, {_clean_days("register_to_close")},
               {_clean_days("close_to_pay")}, {_clean_days("report_to_pay")},
               nullif(concat_ws('; ',
                   {_negative_stage("report_to_register", "立案早于报案")},
                   {_negative_stage("register_to_close", "结案早于立案")},
                   {_negative_stage("close_to_pay", "支付早于结案")},
                   {_negative_stage("report_to_pay", "支付早于报案")}), '') AS cycle_anomaly,
               CASE WHEN least(c.report_to_register_days, c.register_to_close_days,
                               c.close_to_pay_days, c.report_to_pay_days) < 0
                    THEN 1 ELSE 0 END AS cycle_anomalies,
               CASE WHEN c.cancelled THEN 'cancelled' WHEN c.register_date IS NULL
                    THEN 'unregistered' WHEN c.close_date IS NULL THEN 'open'
                    ELSE 'closed' END AS stage,
               date_diff('day', c.report_date, $as_of) AS days_waiting,
               date_diff('day', c.register_date, $as_of) AS days_open,
               {bands.band_case("date_diff('day', c.register_date, $as_of)", bands.OPEN_DAYS,
                                "99 未立案")} AS open_age_band,
               year(c.close_date) AS close_year
        FROM stg c {POLICY_JOIN} {CLASS_JOIN} {BRANCH_JOIN}""",
    "receipt_fact": f"""
        SELECT x.receipt_id, x.receipt_no, x.policy_id, x.receipt_date, x.amount,
               x.amount_cny, {SCOPE}, p.insured_id, p.agent_id, b_.branch_code,
               s_.staff_code AS handler_code,
               s_.staff_name AS handler_name, a_.agent_code, a_.agent_name,
               cur.currency_code, c_.customer_code AS insured_code,
               c_.customer_name AS insured_name,
               CASE WHEN x.amount > 0 THEN x.amount ELSE 0 END AS received_in,
               CASE WHEN x.amount_cny > 0 THEN x.amount_cny ELSE 0 END AS received_in_cny,
               CASE WHEN x.amount_cny < 0 THEN -x.amount_cny ELSE 0 END AS refunded_cny
        FROM receipt x {POLICY_JOIN} {BRANCH_JOIN} {HANDLER_JOIN} {AGENT_JOIN}
        JOIN currency cur ON cur.currency_id = x.currency_id
        JOIN customer c_ ON c_.customer_id = p.insured_id""",
    # A ledger per planned receivable: its plan row (plan_rows = 1, plan_cny) carrying its
    # first receipt (receipt_cny on receipt_date), and a row for each further receipt
    # (plan_rows = 0), all carrying the receivable's attributes. Pages sum plan_cny, and
    # receipt_cny up to the statistics date, so a receivable paid in parts on both sides
    # of that date counts exactly what had come in; detail lists show the plan rows only.
    # Folding the first receipt into the plan row halves the ledger (10 M policies: 11 M
    # rows, not 22 M), as most receivables are paid at once.
    "receivable_fact": f"""
        WITH paid AS (
            SELECT receivable_id, sum(amount_cny) AS received_cny,
                   max(receipt_date) AS last_receipt_date, count(*) AS receipts,
                   min(receipt_id) AS first_receipt_id,
                   arg_min(amount_cny, receipt_id) AS first_cny,
                   arg_min(receipt_date, receipt_id) AS first_date
            FROM receipt WHERE receivable_id IS NOT NULL GROUP BY receivable_id),
        ledger AS (
            SELECT x.*, 1 AS plan_rows, x.amount_cny AS plan_cny,
                   coalesce(m.first_cny, 0)::DECIMAL(18,2) AS receipt_cny,
                   m.first_date AS receipt_date, m.received_cny, m.last_receipt_date
            FROM receivable x LEFT JOIN paid m USING (receivable_id)
            UNION ALL
            SELECT x.*, 0, 0::DECIMAL(18,2), r.amount_cny, r.receipt_date, m.received_cny,
                   m.last_receipt_date
            FROM receipt r JOIN paid m ON m.receivable_id = r.receivable_id
                                       AND m.receipts > 1 AND r.receipt_id <> m.first_receipt_id
            JOIN receivable x ON x.receivable_id = r.receivable_id)
        SELECT x.receivable_id, x.policy_id, x.term_no, x.due_date, x.amount, x.amount_cny,
               {SCOPE}, p.agent_id, p.insured_id, p.status, p.start_date, rc.class_code,
               rc.class_name, b_.branch_code, s_.staff_code AS handler_code, a_.agent_code,
               coalesce(x.received_cny, 0)::DECIMAL(18,2) AS received_cny,
               x.last_receipt_date, strftime(x.due_date, '%Y-%m') AS due_month,
               cur.currency_code, x.plan_rows, x.plan_cny, x.receipt_cny, x.receipt_date
        FROM ledger x {POLICY_JOIN} {CLASS_JOIN} {BRANCH_JOIN} {HANDLER_JOIN} {AGENT_JOIN}
        JOIN currency cur ON cur.currency_id = x.currency_id""",
    "endorsement_fact": f"""
        WITH rcp AS (
            SELECT endorsement_id, min(receipt_date) AS receipt_date,
                   min(currency_id) AS receipt_currency_id, sum(amount) AS receipt_amount
            FROM receipt WHERE endorsement_id IS NOT NULL GROUP BY endorsement_id)
        SELECT e.endorsement_id, e.endorsement_no, e.policy_id, e.endorse_type_code,
               e.endorse_date, e.effective_date, e.input_date, e.premium_change_cny,
               e.sum_insured_change_cny, e.premium_after_cny, {SCOPE}, rc.class_code, rc.line,
               p.start_date, p.end_date,
               {ENDORSE_KIND_SQL} AS endorse_kind, year(e.endorse_date) AS endorse_year,
               rcp.receipt_date, rcp.receipt_amount,
               rcur.currency_code AS receipt_currency_code
        FROM endorsement e {POLICY_JOIN} {CLASS_JOIN} LEFT JOIN rcp USING (endorsement_id)
        LEFT JOIN currency rcur ON rcur.currency_id = rcp.receipt_currency_id""",
    "commission_fact": f"""
        SELECT x.commission_id, x.fee_receipt_no, x.policy_id, x.pay_date, x.amount,
               x.amount_cny, {SCOPE}, b_.branch_code, ag.agent_code, ag.agent_name,
               pa.agent_code AS paying_agent_code, pa.agent_name AS paying_agent_name,
               cur.currency_code
        FROM commission x {POLICY_JOIN} {BRANCH_JOIN}
        JOIN agent ag ON ag.agent_id = x.agent_id JOIN agent pa ON pa.agent_id = x.paying_agent_id
        JOIN currency cur ON cur.currency_id = x.currency_id""",
    # 1.5: one row per registered claim (立案) of a commercial property policy; a policy
    # without one appears once with empty claim fields. Claim amounts and the P10/P30
    # refund are in their own currency, shown beside it (赔款币别, 批退币别).
    "property_risk_fact": """
        WITH pp AS (
            SELECT * FROM policy_pnl WHERE risk_code IN (
                SELECT risk_code FROM risk WHERE is_commercial_property)),
        pay AS (SELECT claim_id, sum(amount) AS paid FROM claim_payment
                GROUP BY claim_id),
        ref AS (SELECT policy_id, -sum(premium_change) AS refund_p10_p30,
                       min(currency_id) AS refund_currency_id
                FROM endorsement WHERE reason_code IN ('P10', 'P30') AND premium_change < 0
                      AND policy_id IN (SELECT policy_id FROM pp)
                GROUP BY policy_id),
        com AS (SELECT policy_id, sum(amount_cny) AS commission_cny FROM commission
                WHERE policy_id IN (SELECT policy_id FROM pp) GROUP BY policy_id)
        SELECT row_number() OVER (ORDER BY pp.policy_no, c.claim_id NULLS FIRST) AS row_id,
               pp.policy_id, pp.policy_no, pp.risk_code, pp.class_code, pp.branch_id,
               pp.dept_id, pp.handler_id, pp.dept_code, pp.insured_id,
               pp.sum_insured, pp.premium, pp.received_cny,
               coalesce(com.commission_cny, 0)::DECIMAL(18,2) AS commission_cny,
               coalesce(ref.refund_p10_p30, 0)::DECIMAL(18,2) AS refund_p10_p30,
               rcur.currency_code AS refund_currency_code,
               pp.sign_date, pp.start_date, pp.end_date, c.claim_no,
               c.loss_date, c.cause_code, c.loss_address, c.estimated_loss,
               ccur.currency_code AS claim_currency_code, coalesce(pay.paid, 0) AS paid,
               CASE WHEN c.claim_id IS NULL THEN 0 ELSE 1 END AS has_claim
        FROM pp
        LEFT JOIN claim c ON c.policy_id = pp.policy_id AND c.register_date IS NOT NULL
                             AND NOT c.cancelled
        LEFT JOIN pay ON pay.claim_id = c.claim_id LEFT JOIN ref ON ref.policy_id = pp.policy_id
        LEFT JOIN com ON com.policy_id = pp.policy_id
        LEFT JOIN currency ccur ON ccur.currency_id = c.currency_id
        LEFT JOIN currency rcur ON rcur.currency_id = ref.refund_currency_id
        ORDER BY row_id""",
    "rate_fact": """
        SELECT row_number() OVER (ORDER BY r.rate_date, r.currency_id) AS rate_id, r.*,
               c.currency_code, c.currency_name
        FROM exchange_rate r JOIN currency c USING (currency_id)
        WHERE r.currency_id <> (SELECT currency_id FROM currency WHERE currency_code = 'CNY')""",
}


# Where a value a rollup borrows (queries/borrowed.py) sorts among all of its kind: the
# rollup keeps these integers to sort by, not the text. Kept for the build only.
VALUE_ORDERS: dict[str, str] = {
    "policy_order": "SELECT policy_id, dense_rank() OVER (ORDER BY policy_no) AS no_order "
                    "FROM policy",
    "vehicle_order": "SELECT vehicle_id, dense_rank() OVER (ORDER BY vin) AS vin_order, "
                     "dense_rank() OVER (ORDER BY engine_no) AS engine_no_order FROM vehicle",
    "customer_order": "SELECT customer_id, "
                      "dense_rank() OVER (ORDER BY customer_code) AS code_order, "
                      "dense_rank() OVER (ORDER BY customer_name) AS name_order FROM customer",
}


def create_value_orders(con: duckdb.DuckDBPyConnection) -> None:
    for name, select in VALUE_ORDERS.items():
        columns = ", ".join(f"{c}::INTEGER AS {c}" if c.endswith("_order") else c
                            for c, *_ in con.execute(f"DESCRIBE {select}").fetchall())
        run_step(con, f"CREATE OR REPLACE TEMP TABLE {name} AS "
                      f"SELECT {columns} FROM ({select})")


def create_rollup(con: duckdb.DuckDBPyConnection, name: str, select: str,
                  params: dict[str, object] | None = None) -> None:
    """``CREATE TABLE name AS select``, near-unique text stored uncompressed."""
    shape = con.execute(f"DESCRIBE {select}", params).fetchall()
    columns = ", ".join(column_sql(column, sql_type) for column, sql_type, *_ in shape)
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    run_step(con, f"INSERT INTO {name} {select}", params)


def build_rollups(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)build every rollup from the base tables of an open store, after applying the
    decisions kept in the operational store (reassignments, the blacklist)."""
    apply_written_data(con, settings)
    create_value_orders(con)
    # Sorted by policy (numbered in start order): a lookup by id (综合查询) reads the row
    # groups holding it, and a window of start dates only its own.
    con.execute("SET preserve_insertion_order = true")
    try:
        create_rollup(con, "policy_pnl", _policy_pnl_sql() + " ORDER BY m.policy_id")
    finally:
        con.execute("SET preserve_insertion_order = false")
    # Ages (days waiting, days open) are as of the book's date.
    for name, select in ROLLUPS.items():
        create_rollup(con, name, select,
                      {"as_of": settings.today} if "$as_of" in select else None)
    build_customer_rollups(con, settings)
    for name in VALUE_ORDERS:
        con.execute(f"DROP TABLE {name}")
    # The opening screens of the summaries of one group per person or policy, ranked.
    from queries.openings_build import build_openings  # the catalog's, over these rollups

    build_openings(con, settings)
