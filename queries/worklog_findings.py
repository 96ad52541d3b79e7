"""What the 工作日志 shows beside the analytical store: each employee's customers with their
policies and claims, the cost to serve each customer, and the anomalies a manager
should look at. SQL over the mirror's copies (``queries.worklog_sources``) and the
analytical tables, which resolve unqualified beside them.

The analytical figures are those of the last store load (T+1); the notes and expenses
are as of the last write.
"""

from __future__ import annotations

# Customers on each author's plans and notes: a customer of the store (customer_code),
# or a prospect known by name only.
CUSTOMER_LINKS = """
    WITH linked AS (
        SELECT user_id, staff_id, dept_id, branch_id, customer_code,
               CASE WHEN customer_code IS NULL THEN trim(customer_name) END AS prospect_name,
               entry_date AS day, 1 AS note
        FROM worklog_notes WHERE customer_code IS NOT NULL OR trim(customer_name) <> ''
        UNION ALL
        SELECT c.user_id, c.staff_id, c.dept_id, c.branch_id, c.customer_code,
               CASE WHEN c.customer_code IS NULL THEN trim(c.customer_name) END,
               p.start_date, 0
        FROM worklog_plan_customers c JOIN worklog_plans p USING (plan_id)),
    pairs AS (
        SELECT user_id, arg_max(staff_id, day) AS staff_id, arg_max(dept_id, day) AS dept_id,
               arg_max(branch_id, day) AS branch_id, customer_code, prospect_name,
               sum(note)::INTEGER AS notes, max(day) AS last_day
        FROM linked GROUP BY user_id, customer_code, prospect_name)
    SELECT row_number() OVER (ORDER BY x.user_id, x.customer_code NULLS LAST,
                              x.prospect_name) AS link_id,
           x.*, m.customer_id
    FROM pairs x LEFT JOIN customer m ON m.customer_code = x.customer_code"""

_POLICY = ("p.policy_id, p.policy_no, p.risk_code, p.start_date, p.end_date, p.premium_cny, "
           "p.received_cny, p.claims_registered, p.paid_closed_cny, p.outstanding_cny")
# 查询客户信息: one row per employee, customer and policy. Policies an employee handles
# (经办) come straight from the store — too many to copy, so this is a view; customers of
# their notes add the policies others handle, and a row without policy for a prospect
# or a customer without policies. Row ids: a handled policy's id; negative for the rest.
CUSTOMER_VIEW = f"""
    SELECT p.policy_id::BIGINT AS row_id, '经办保单' AS relation, p.handler_id AS staff_id,
           p.dept_id, p.branch_id, p.insured_id AS customer_id, p.insured_code AS customer_code,
           NULL::VARCHAR AS prospect_name, {_POLICY}, 1 AS has_policy
    FROM policy_pnl p
    UNION ALL
    SELECT -(l.link_id * 1000000 + row_number() OVER (PARTITION BY l.link_id
                                                      ORDER BY p.policy_id)),
           '记事客户', l.staff_id, l.dept_id, l.branch_id, l.customer_id, l.customer_code,
           NULL, {_POLICY}, 1
    FROM worklog_customer_links l JOIN policy_pnl p ON p.insured_id = l.customer_id
    WHERE p.handler_id IS DISTINCT FROM l.staff_id
    UNION ALL
    SELECT -(l.link_id * 1000000),
           CASE WHEN l.customer_id IS NULL THEN '新客户' ELSE '无保单客户' END,
           l.staff_id, l.dept_id, l.branch_id, l.customer_id, l.customer_code, l.prospect_name,
           NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0
    FROM worklog_customer_links l
    WHERE l.customer_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM policy_pnl p WHERE p.insured_id = l.customer_id)"""

# Cost to serve: per author, customer (of the store) and year, the notes' expenses
# beside the customer's figures of that year's policies (by start date). A customer
# served by several people has its figures shared by their part of the expense (of the
# visits when nothing was spent); the biggest part takes the cents rounding leaves, so
# a customer's shares add up to its figures exactly.
FIGURES = ("premium", "received", "commission", "paid_closed", "outstanding")


def _shared(name: str) -> str:
    part = f"round(coalesce(f.{name}, 0) * x.share, 2)"
    return (f"(CASE WHEN x.part_rank = 1 "
            f"THEN coalesce(f.{name}, 0) - (sum({part}) OVER c - {part}) "
            f"ELSE {part} END)::DECIMAL(18,2) AS {name}")


COST_TO_SERVE_FACT = f"""
    WITH spent AS (
        SELECT user_id, arg_max(staff_id, entry_date) AS staff_id,
               arg_max(dept_id, entry_date) AS dept_id,
               arg_max(branch_id, entry_date) AS branch_id,
               customer_code, year(entry_date) AS year, count(*)::INTEGER AS visits,
               sum(expense_amount)::DECIMAL(18,2) AS expense
        FROM worklog_notes WHERE customer_code IS NOT NULL
        GROUP BY user_id, customer_code, year(entry_date)),
    parts AS (
        SELECT s.*, CASE WHEN sum(expense) OVER c > 0
                         THEN CAST(expense AS DOUBLE) / sum(expense) OVER c
                         ELSE visits / sum(visits) OVER c END AS share,
               row_number() OVER (PARTITION BY customer_code, year
                                  ORDER BY expense DESC, visits DESC, user_id) AS part_rank
        FROM spent s WINDOW c AS (PARTITION BY customer_code, year)),
    mine AS (
        SELECT p.policy_id, p.insured_id, p.start_year, p.premium_cny, p.received_cny,
               p.paid_closed_cny, p.outstanding_cny
        FROM policy_pnl p JOIN customer m ON m.customer_id = p.insured_id
        WHERE m.customer_code IN (SELECT customer_code FROM spent)),
    com AS (
        SELECT policy_id, sum(amount_cny) AS commission_cny FROM commission
        WHERE policy_id IN (SELECT policy_id FROM mine) GROUP BY policy_id),
    f AS (
        SELECT m.customer_code, mine.start_year AS year, count(*)::INTEGER AS policies,
               sum(mine.premium_cny) AS premium, sum(mine.received_cny) AS received,
               coalesce(sum(com.commission_cny), 0) AS commission,
               sum(mine.paid_closed_cny) AS paid_closed,
               sum(mine.outstanding_cny) AS outstanding
        FROM mine JOIN customer m ON m.customer_id = mine.insured_id
        LEFT JOIN com USING (policy_id) GROUP BY ALL),
    shared AS (
        SELECT x.user_id, x.staff_id, x.dept_id, x.branch_id, x.customer_code, x.year,
               x.visits, x.expense, round(x.share * 100, 2) AS share_pct,
               coalesce(f.policies, 0)::INTEGER AS policies,
               {", ".join(_shared(n) for n in FIGURES)}
        FROM parts x LEFT JOIN f USING (customer_code, year)
        WINDOW c AS (PARTITION BY x.customer_code, x.year))
    SELECT row_number() OVER (ORDER BY x.year, x.customer_code, x.user_id) AS row_id, x.*,
           m.customer_id, m.customer_name, coalesce(m.master_no, m.customer_code) AS master_no,
           (coalesce(x.received, 0) - coalesce(x.commission, 0) - coalesce(x.paid_closed, 0)
            - coalesce(x.outstanding, 0))::DECIMAL(18,2) AS customer_pnl,
           (coalesce(x.received, 0) - coalesce(x.commission, 0) - coalesce(x.paid_closed, 0)
            - coalesce(x.outstanding, 0) - x.expense)::DECIMAL(18,2) AS pnl_after_cost,
           s_.staff_code, d_.dept_code, b_.branch_code
    FROM shared x JOIN customer m ON m.customer_code = x.customer_code
    LEFT JOIN staff s_ ON s_.staff_id = x.staff_id
    LEFT JOIN department d_ ON d_.dept_id = x.dept_id
    LEFT JOIN branch b_ ON b_.branch_id = x.branch_id"""

# 异常提示: facts worth a look, each with the reason in words — not a verdict.
# A note's expense this many times the department's median for its kind that year (交通
# and 招待 cost differently: a median over all kinds would flag every dinner).
OUTLIER_FACTOR = 3
OUTLIER_MIN_NOTES = 5  # the department's notes with an expense needed for a median


def _money(column: str) -> str:
    """Money in a reason's words as screens show it: thousands separators, two decimals."""
    return "format('{:,.2f}', CAST(" + column + " AS DOUBLE))"


DAILY = "日常工作计划"  # a 月计划 covers every day of its month: the day needs its own plan
_NOTE_COLUMNS = ("x.entry_id, x.entry_date AS event_date, x.expense_amount AS amount, "
                 "coalesce((SELECT m.customer_name FROM customer m "
                 "WHERE m.customer_code = x.customer_code), nullif(x.customer_name, ''), "
                 "x.customer_code) AS customer_name, "
                 "(SELECT coalesce(m.master_no, m.customer_code) FROM customer m "
                 "WHERE m.customer_code = x.customer_code) AS master_no, "
                 "nullif(x.receipt_no, '') AS receipt_no, nullif(x.content, '') AS content, "
                 "x.user_id, x.author_name, x.staff_id, x.dept_id, "
                 "x.branch_id")
ANOMALY_FACT = f"""
    WITH spent AS (
        SELECT user_id, year(entry_date) AS year, sum(expense_amount) AS spent,
               arg_max(author_name, entry_date) AS author_name,
               arg_max(staff_id, entry_date) AS staff_id,
               arg_max(dept_id, entry_date) AS dept_id,
               arg_max(branch_id, entry_date) AS branch_id
        FROM worklog_notes WHERE expense_amount > 0 GROUP BY user_id, year(entry_date)),
    running AS (
        SELECT user_id, year(entry_date) AS year, entry_date,
               sum(expense_amount) OVER (PARTITION BY user_id, year(entry_date)
                                         ORDER BY entry_date, entry_id) AS total
        FROM worklog_notes WHERE expense_amount > 0),
    -- The day the year's expenses went past the budget.
    crossed AS (
        SELECT r.user_id, r.year, min(r.entry_date) AS day
        FROM running r LEFT JOIN worklog_budgets b ON b.user_id = r.user_id AND b.year = r.year
        WHERE r.total > coalesce(b.amount, 0) GROUP BY ALL),
    found AS (
        SELECT 'over-budget' AS rule_code, '费用超预算' AS rule, NULL::INTEGER AS entry_id,
               c.day AS event_date,
               (s.spent - coalesce(b.amount, 0))::DECIMAL(18,2) AS amount,
               NULL::VARCHAR AS customer_name, NULL::VARCHAR AS master_no,
               NULL::VARCHAR AS receipt_no,
               NULL::VARCHAR AS content, s.user_id, s.author_name, s.staff_id, s.dept_id,
               s.branch_id,
               CASE WHEN b.amount IS NULL
                    THEN s.year || ' 年费用 ' || {_money("s.spent")} || ', 未录入年度预算'
                    ELSE s.year || ' 年费用 ' || {_money("s.spent")} || ' 超出年度预算 '
                         || {_money("b.amount")} || ' (超出 '
                         || {_money("s.spent - b.amount")} || ', 自 ' || c.day || ' 起)'
                    END AS reason
        FROM spent s JOIN crossed c USING (user_id, year)
        LEFT JOIN worklog_budgets b ON b.user_id = s.user_id AND b.year = s.year
        UNION ALL
        SELECT 'no-customer', '记事无客户', {_NOTE_COLUMNS},
               '记事未填客户' || CASE WHEN x.expense_amount > 0
                   THEN ', 费用 ' || {_money("x.expense_amount")} ELSE '' END
        FROM worklog_notes x
        WHERE x.customer_code IS NULL AND trim(x.customer_name) = ''
        UNION ALL
        SELECT 'same-receipt', '票据号重复', {_NOTE_COLUMNS},
               '票据号 ' || x.receipt_no || ' 共用于 ' || r.notes || ' 条记事'
        FROM worklog_notes x JOIN (
            SELECT trim(receipt_no) AS receipt, count(*) AS notes FROM worklog_notes
            WHERE trim(receipt_no) <> '' GROUP BY trim(receipt_no) HAVING count(*) > 1) r
            ON r.receipt = trim(x.receipt_no)
        UNION ALL
        SELECT 'no-plan', '无计划日费用', {_NOTE_COLUMNS},
               x.entry_date || ' 有费用 ' || {_money("x.expense_amount")} || ', 当日无工作计划'
        FROM worklog_notes x
        WHERE x.expense_amount > 0 AND NOT EXISTS (
            SELECT 1 FROM worklog_plans p WHERE p.user_id = x.user_id
                   AND p.kind = '{DAILY}' AND x.entry_date BETWEEN p.start_date AND p.end_date)
        UNION ALL
        SELECT 'cost-outlier', '单次费用远高于科室中位数', {_NOTE_COLUMNS},
               x.expense_kind || '费 ' || {_money("x.expense_amount")} || ', 为本科室 ' || m.year
               || ' 年' || x.expense_kind || '类每次费用中位数 ' || {_money("m.median")} || ' 的 '
               || round(x.expense_amount / m.median, 1) || ' 倍'
        FROM worklog_notes x JOIN (
            SELECT dept_id, year(entry_date) AS year, expense_kind,
                   quantile_cont(CAST(expense_amount AS DOUBLE), 0.5) AS median
            FROM worklog_notes WHERE expense_amount > 0 AND dept_id IS NOT NULL
            GROUP BY ALL HAVING count(*) >= {OUTLIER_MIN_NOTES}) m
            ON m.dept_id = x.dept_id AND m.year = year(x.entry_date)
               AND m.expense_kind = x.expense_kind
        WHERE x.expense_amount > {OUTLIER_FACTOR} * m.median)
    SELECT row_number() OVER (ORDER BY x.event_date, x.rule_code, x.entry_id, x.user_id)
               AS anomaly_id, x.*, strftime(x.event_date, '%Y-%m') AS event_month,
           s_.staff_code, d_.dept_code, b_.branch_code
    FROM found x LEFT JOIN staff s_ ON s_.staff_id = x.staff_id
    LEFT JOIN department d_ ON d_.dept_id = x.dept_id
    LEFT JOIN branch b_ ON b_.branch_id = x.branch_id"""
