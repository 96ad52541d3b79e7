"""Rollups of the customer pages (客户管理), built at load time after the others.

- ``renewal_fact``: policies ending around the data date with their renewal status;
- ``orphan_fact``: policies in force whose 经办人 or 代理人 has left (``left_date``);
- ``customer_year_fact``: one row per master customer (统一客户号) of the insured, year
  and 经办人 (its branch and
  department), the groups (新保, 续保, 潜在拓展, 出险) and the value grade read from it;
- ``blacklist_fact``: the maintained 黑名单 (copied from the operational store at the
  build) and the rule flags, one row per customer, reason and 经办人.

The customer of a policy here is its 被保险人. Every rollup carries the scope columns
(branch_id, dept_id, handler_id) of the business it counts.
"""

from __future__ import annotations

import duckdb

from data.search_index import build_search_index
from data.settings import Settings

# 续保状态 and the windows of 续保管理 (labels sort in their order).
RENEWAL_WINDOWS = (("1 已到期", "已到期 (近90天)"), ("2 30天内", "30天内到期"),
                   ("3 31-60天", "31-60天到期"), ("4 61-90天", "61-90天到期"))
RENEWAL_STATUSES = (("已续保", "已续保"), ("已报价", "已报价未成交"), ("待续保", "待续保"),
                    ("已脱保", "已脱保"))
# Rule flags of the 黑名单: frequent claims in one year, a history that loses money.
RULE_CLAIMS_PER_YEAR = 3
RULE_LOSS_RATIO_PCT = 150
RULE_MIN_INCURRED = 10_000

# The customer of these pages is the master customer (统一客户号) of the insured record:
# ``customer_party`` maps each record to it (a record not resolved is its own customer,
# a negative id), ``customer_party_name`` names it as customer_master does.
PARTY_TABLES = {
    "customer_party": """
        SELECT customer_id, coalesce(master_id, -customer_id) AS party_id FROM customer""",
    "customer_party_name": """
        SELECT coalesce(c.master_id, -c.customer_id) AS party_id,
               coalesce(min(c.master_no), min(c.customer_code)) AS master_no,
               min(c.customer_code) AS customer_code,
               coalesce(any_value(m.customer_name), arg_min(c.customer_name, c.customer_code))
                   AS customer_name,
               arg_min(c.customer_kind, c.customer_code) AS customer_kind
        FROM customer c LEFT JOIN customer_master m ON m.master_id = c.master_id
        GROUP BY 1""",
}

RENEWAL_FACT = """
    WITH nxt AS (
        SELECT p.renewal_of_policy_id AS policy_id, min(p.start_date) AS renewal_start,
               arg_min(p.policy_no, p.start_date) AS renewal_policy_no
        FROM policy p WHERE p.renewal_of_policy_id IS NOT NULL GROUP BY 1),
    ending AS (
        SELECT * FROM policy_pnl
        WHERE status = '有效' AND end_date BETWEEN $as_of - $window AND $as_of + $window),
    quote AS (
        SELECT e.policy_id, min(x.proposal_no) AS quote_no
        FROM ending e JOIN policy pol ON pol.policy_id = e.policy_id
        JOIN proposal x ON x.insured_id = e.insured_id AND x.risk_id = pol.risk_id
                       AND x.policy_id IS NULL AND x.uw_status <> '2'
                       AND x.start_date BETWEEN e.end_date - 30 AND e.end_date + $grace
        GROUP BY 1)
    SELECT e.policy_id, e.policy_no, e.branch_id, e.dept_id, e.handler_id, e.branch_code,
           e.handler_code, s.staff_name AS handler_name, e.agent_code, e.insured_id,
           e.insured_code, e.risk_code, e.class_name, e.line, e.plate_no, e.start_date,
           e.end_date, e.premium_cny, date_diff('day', $as_of, e.end_date) AS days_to_end,
           CASE WHEN e.end_date < $as_of THEN '1 已到期'
                WHEN e.end_date <= $as_of + 30 THEN '2 30天内'
                WHEN e.end_date <= $as_of + 60 THEN '3 31-60天' ELSE '4 61-90天' END
               AS end_window,
           coalesce(nxt.renewal_policy_no, CASE WHEN e.renewal_start_date
                    <= e.end_date + $grace THEN '(同车续保)' END) AS renewal_policy_no,
           quote.quote_no,
           CASE WHEN nxt.policy_id IS NOT NULL
                     OR e.renewal_start_date <= e.end_date + $grace THEN 1 ELSE 0 END
               AS is_renewed,
           CASE WHEN nxt.policy_id IS NOT NULL
                     OR e.renewal_start_date <= e.end_date + $grace THEN '已续保'
                WHEN quote.quote_no IS NOT NULL THEN '已报价'
                WHEN e.end_date + $grace < $as_of THEN '已脱保'
                ELSE '待续保' END AS renewal_status
    FROM ending e LEFT JOIN nxt USING (policy_id) LEFT JOIN quote USING (policy_id)
    JOIN staff s ON s.staff_id = e.handler_id"""

ORPHAN_FACT = """
    SELECT p.policy_id, p.policy_no, p.branch_id, p.dept_id, p.handler_id, p.branch_code,
           p.dept_code, p.handler_code, s.staff_name AS handler_name,
           least(s.left_date, a.left_date) AS left_date, s.left_date AS handler_left_date,
           p.agent_code, a.agent_name, a.left_date AS agent_left_date,
           CASE WHEN s.left_date IS NOT NULL AND a.left_date IS NOT NULL THEN '经办人和代理人离职'
                WHEN s.left_date IS NOT NULL THEN '经办人离职' ELSE '代理人离职' END
               AS orphan_reason,
           p.insured_id, p.insured_code, p.risk_code, p.class_name, p.line,
           p.plate_no, p.start_date, p.end_date, p.premium_cny,
           date_diff('day', $as_of, p.end_date) AS days_to_end
    FROM policy_pnl p JOIN staff s ON s.staff_id = p.handler_id
    LEFT JOIN agent a ON a.agent_id = p.agent_id
    WHERE (s.left_date IS NOT NULL OR a.left_date IS NOT NULL)
      AND p.status = '有效' AND p.end_date >= $as_of"""

CUSTOMER_YEAR_FACT = """
    WITH first AS (
        SELECT pt.party_id, arg_min(p.policy_id, (p.start_date, p.policy_id))
                   AS first_policy_id
        FROM policy p JOIN customer_party pt ON pt.customer_id = p.insured_id GROUP BY 1),
    renewed AS (SELECT DISTINCT renewal_of_policy_id AS policy_id FROM policy
                WHERE renewal_of_policy_id IS NOT NULL),
    ev AS (
        SELECT pt.party_id AS customer_id, p.start_year AS stat_year, p.branch_id,
               p.dept_id, p.handler_id, 1 AS policies, p.premium_cny, p.received_cny,
               p.incurred_cny,
               CASE WHEN f.first_policy_id = p.policy_id THEN 1 ELSE 0 END AS new_policies,
               CASE WHEN pol.renewal_of_policy_id IS NOT NULL THEN 1 ELSE 0 END
                   AS renewal_policies,
               0 AS claims, 0::DECIMAL(18,2) AS claim_paid_cny, 0 AS lapsed, 0 AS quotes,
               CASE WHEN p.line = 'auto' THEN 1 ELSE 0 END AS auto_policies,
               CASE WHEN p.line = 'property' THEN 1 ELSE 0 END AS property_policies
        FROM policy_pnl p JOIN policy pol USING (policy_id)
        JOIN customer_party pt ON pt.customer_id = p.insured_id
        JOIN first f ON f.party_id = pt.party_id
        UNION ALL
        SELECT pt.party_id, year(c.report_date), c.branch_id, c.dept_id, c.handler_id, 0,
               0, 0, 0, 0, 0, 1, c.paid_cny, 0, 0, 0, 0
        FROM claim_fact c JOIN policy p USING (policy_id)
        JOIN customer_party pt ON pt.customer_id = p.insured_id WHERE c.stage <> 'cancelled'
        UNION ALL
        SELECT pt.party_id, year(p.end_date), p.branch_id, p.dept_id, p.handler_id, 0, 0,
               0, 0, 0, 0, 0, 0, 1, 0, 0, 0
        FROM policy_pnl p JOIN customer_party pt ON pt.customer_id = p.insured_id
        WHERE p.status = '有效' AND p.end_date + $grace < $as_of
              AND p.policy_id NOT IN (SELECT policy_id FROM renewed)
              AND (p.renewal_start_date IS NULL OR p.renewal_start_date > p.end_date + $grace)
        UNION ALL
        SELECT pt.party_id, year(x.input_date), x.branch_id, x.dept_id, x.salesman_id, 0,
               0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0
        FROM proposal x JOIN customer_party pt ON pt.customer_id = x.insured_id
        WHERE x.policy_id IS NULL AND x.uw_status <> '2'),
    g AS (
        SELECT customer_id, stat_year, branch_id, dept_id, handler_id,
               sum(policies)::INTEGER AS policies,
               sum(premium_cny)::DECIMAL(18,2) AS premium_cny,
               sum(received_cny)::DECIMAL(18,2) AS received_cny,
               sum(incurred_cny)::DECIMAL(18,2) AS incurred_cny,
               sum(new_policies)::INTEGER AS new_policies,
               sum(renewal_policies)::INTEGER AS renewal_policies,
               sum(claims)::INTEGER AS claims,
               sum(claim_paid_cny)::DECIMAL(18,2) AS claim_paid_cny,
               sum(lapsed)::INTEGER AS lapsed, sum(quotes)::INTEGER AS quotes,
               sum(auto_policies) AS auto_policies, sum(property_policies) AS property_policies
        FROM ev GROUP BY ALL),
    w AS (
        SELECT g.*, (g.received_cny - g.incurred_cny)::DECIMAL(18,2) AS contribution_cny,
               sum(g.premium_cny) OVER cy AS year_premium_cny,
               sum(g.received_cny - g.incurred_cny) OVER cy AS year_contribution_cny,
               sum(g.claims) OVER cy AS year_claims,
               sum(g.auto_policies) OVER cy AS year_auto,
               sum(g.property_policies) OVER cy AS year_property
        FROM g WINDOW cy AS (PARTITION BY g.customer_id, g.stat_year))
    SELECT row_number() OVER (ORDER BY w.customer_id, w.stat_year, w.handler_id,
                                       w.branch_id, w.dept_id) AS row_id,
           w.customer_id, c.master_no, c.customer_code, c.customer_name, c.customer_kind,
           w.stat_year,
           w.branch_id, w.dept_id, w.handler_id, b.branch_code, s.staff_code AS handler_code,
           w.policies, w.premium_cny, w.received_cny, w.incurred_cny, w.contribution_cny,
           w.new_policies, w.renewal_policies, w.claims, w.claim_paid_cny, w.lapsed,
           w.quotes, w.year_claims::INTEGER AS year_claims,
           w.year_premium_cny::DECIMAL(18,2) AS year_premium_cny,
           w.year_contribution_cny::DECIMAL(18,2) AS year_contribution_cny,
           CASE WHEN w.new_policies > 0 THEN 1 ELSE 0 END AS is_new,
           CASE WHEN w.renewal_policies > 0 THEN 1 ELSE 0 END AS is_renewed,
           CASE WHEN w.claims > 0 THEN 1 ELSE 0 END AS has_claims,
           nullif(concat_ws('; ',
               CASE WHEN w.lapsed > 0 THEN '脱保' END,
               CASE WHEN w.quotes > 0 THEN '报价未成交' END,
               CASE WHEN w.policies > 0 AND w.year_auto > 0 AND w.year_property = 0
                    THEN '仅投保车险' END,
               CASE WHEN w.policies > 0 AND w.year_property > 0 AND w.year_auto = 0
                    THEN '仅投保财产险' END), '') AS potential_reason,
           CASE WHEN w.year_premium_cny >= $vip_premium
                     AND w.year_contribution_cny >= $vip_contribution THEN '1 VIP'
                WHEN w.year_premium_cny >= $key_premium AND w.year_contribution_cny >= 0
                    THEN '2 重要'
                WHEN w.year_contribution_cny < 0 THEN '4 亏损'
                ELSE '3 普通' END AS grade
    FROM w JOIN customer_party_name c ON c.party_id = w.customer_id
    JOIN branch b ON b.branch_id = w.branch_id JOIN staff s ON s.staff_id = w.handler_id"""

BLACKLIST_FACT = f"""
    WITH rules AS (
        SELECT customer_id, '规则' AS source, '出险频繁: ' || arg_max(stat_year, year_claims)
               || ' 年出险 ' || max(year_claims) || ' 次' AS reason
        FROM customer_year_fact WHERE year_claims >= {RULE_CLAIMS_PER_YEAR}
        GROUP BY customer_id
        UNION ALL
        SELECT pt.party_id, '规则', '高赔付: 累计已决+未决为到款保费的 '
               || round(sum(incurred_cny) / sum(received_cny) * 100) || '%'
        FROM policy_pnl p JOIN customer_party pt ON pt.customer_id = p.insured_id
        GROUP BY pt.party_id
        HAVING sum(incurred_cny) >= {RULE_MIN_INCURRED} AND sum(received_cny) > 0
               AND sum(incurred_cny) > sum(received_cny) * {RULE_LOSS_RATIO_PCT} / 100),
    listed AS (
        SELECT DISTINCT pt.party_id, '名单' AS source, l.reason, l.added_by, l.added_at
        FROM customer_blacklist l JOIN customer c ON c.customer_code = l.customer_code
        JOIN customer_party pt ON pt.customer_id = c.customer_id),
    entries AS (
        SELECT customer_id, source, reason, NULL::VARCHAR AS added_by,
               NULL::VARCHAR AS added_at FROM rules
        UNION ALL SELECT * FROM listed),
    org AS (SELECT DISTINCT pt.party_id AS customer_id, p.branch_id, p.dept_id, p.handler_id
            FROM policy_pnl p JOIN customer_party pt ON pt.customer_id = p.insured_id)
    SELECT row_number() OVER (ORDER BY e.customer_id, e.source, e.reason, o.handler_id,
                                       o.branch_id, o.dept_id) AS row_id,
           e.customer_id, c.master_no, c.customer_code, c.customer_name, e.source, e.reason,
           e.added_by,
           e.added_at, o.branch_id, o.dept_id, o.handler_id, b.branch_code,
           s.staff_code AS handler_code
    FROM entries e JOIN org o USING (customer_id)
    JOIN customer_party_name c ON c.party_id = e.customer_id
    JOIN branch b ON b.branch_id = o.branch_id JOIN staff s ON s.staff_id = o.handler_id"""


def build_customer_rollups(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The customer pages' rollups, from the base tables and the other rollups."""
    from data.rollups import create_rollup

    params = {"as_of": settings.today, "grace": settings.lapse_grace_days,
              "window": settings.renewal_window_days}
    for name, select in PARTY_TABLES.items():
        create_rollup(con, name, select)
    create_rollup(con, "renewal_fact", RENEWAL_FACT, params)
    create_rollup(con, "orphan_fact", ORPHAN_FACT, {"as_of": settings.today})
    create_rollup(con, "customer_year_fact", CUSTOMER_YEAR_FACT, {
        "as_of": settings.today, "grace": settings.lapse_grace_days,
        "vip_premium": settings.vip_premium, "vip_contribution": settings.vip_contribution,
        "key_premium": settings.key_premium})
    create_rollup(con, "blacklist_fact", BLACKLIST_FACT)
    build_search_index(con)
