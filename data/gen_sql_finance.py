"""Generator SQL for endorsements, planned receivables, receipts/refunds and commissions.

Endorsements cover every 批改类型 of REPORTS.md 1.4; premium arrives late for some
policies and never for others; refunds are paid out by finance; agents' fees are paid
in monthly receipts to a paying agent.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def finance_statements(ctx: dict[str, Any], P: ModuleType) -> list[str]:
    as_of = ctx["as_of"]
    return [
        f"""CREATE TEMP TABLE g_end AS
            WITH pol AS (
                SELECT p.*, rc.line, u(p.policy_id, 'end') AS ue, u(p.policy_id, 'ek') AS uk
                FROM policy p JOIN risk_class rc USING (class_id)
                WHERE p.start_date < DATE '{as_of}'),
            pick AS (
                SELECT *, CASE
                    WHEN status = '注销' THEN 'cancel'
                    WHEN status = '退保' AND uk < 0.75 THEN 'surrender'
                    WHEN status = '退保' THEN 'surrender_list'
                    WHEN (line = 'property' AND ue < 0.12) OR (line <> 'property' AND ue < 0.02)
                    THEN CASE WHEN uk < 0.30 THEN 'increase' WHEN uk < 0.55 THEN 'decrease'
                              WHEN uk < 0.65 THEN 'layup' ELSE 'other' END
                    END AS kind
                FROM pol)
            SELECT pick.*,
                   start_date + floor(u(policy_id, 'ed')
                       * greatest(date_diff('day', start_date,
                                            least(end_date, DATE '{as_of}')) - 1, 0))::INTEGER
                       AS endorse_date,
                   u(policy_id, 'eamt') AS ua
            FROM pick WHERE kind IS NOT NULL""",
        f"""INSERT INTO endorsement
            WITH e AS (
                SELECT *,
                       CASE kind WHEN 'cancel' THEN '1901' WHEN 'surrender' THEN '2101'
                                 WHEN 'surrender_list' THEN '0310' WHEN 'increase' THEN '0301'
                                 WHEN 'decrease' THEN '0302' WHEN 'layup' THEN '0501'
                                 ELSE '0801' END AS type_code,
                       CASE WHEN kind IN ('cancel', 'surrender', 'surrender_list') THEN 'P30'
                            WHEN kind IN ('decrease', 'layup') THEN 'P10'
                            WHEN kind = 'increase' THEN 'P01' ELSE 'P02' END AS reason,
                       round(CASE
                         WHEN kind IN ('cancel', 'surrender', 'surrender_list')
                         THEN -premium * date_diff('day', endorse_date, end_date)
                              / greatest(date_diff('day', start_date, end_date) + 1, 1)
                         WHEN kind = 'increase' THEN premium * (0.05 + ua * 0.25)
                         WHEN kind = 'decrease' THEN -premium * (0.05 + ua * 0.25)
                         WHEN kind = 'layup' THEN -premium * (0.02 + ua * 0.08)
                         ELSE 0 END, 2)::DECIMAL(18,2) AS d_prem,
                       round(CASE
                         WHEN kind IN ('cancel', 'surrender', 'surrender_list') THEN -sum_insured
                         WHEN kind = 'increase' THEN sum_insured * (0.05 + ua * 0.25)
                         WHEN kind = 'decrease' THEN -sum_insured * (0.05 + ua * 0.25)
                         ELSE 0 END, 2)::DECIMAL(18,2) AS d_si
                FROM g_end)
            SELECT row_number() OVER (ORDER BY endorse_date, policy_id),
                   'E' || substr(policy_no, 2) || '001', policy_id, type_code, reason,
                   kind IN ('surrender_list', 'increase', 'decrease')
                       OR (kind = 'other' AND ua < 0.3),
                   kind = 'layup',
                   endorse_date,
                   least(endorse_date + floor(ua * 5)::INTEGER, end_date),
                   least(endorse_date + floor(ua * 3)::INTEGER, DATE '{as_of}'),
                   currency_id, d_prem, d_si, premium + d_prem, sum_insured + d_si,
                   cny(d_prem, currency_id, endorse_date), cny(d_si, currency_id, endorse_date),
                   cny(premium + d_prem, currency_id, endorse_date),
                   cny(sum_insured + d_si, currency_id, endorse_date)
            FROM e""",
        "DROP TABLE g_end",
        # Planned receivables: large property premiums in four quarterly instalments,
        # everything else at once; endorsements with a premium change add their own.
        """CREATE TEMP TABLE g_recv AS
            WITH p AS (
                SELECT p.policy_id, p.premium, p.currency_id, p.start_date, p.sign_date,
                       CASE WHEN rc.line = 'property' AND p.premium_cny > 20000 THEN 4 ELSE 1 END
                           AS n_terms
                FROM policy p JOIN risk_class rc USING (class_id)),
            t AS (SELECT *, unnest(range(1, n_terms + 1)) AS term_no FROM p)
            SELECT policy_id, NULL::INTEGER AS endorsement_id, term_no,
                   greatest(start_date, sign_date) + (91 * (term_no - 1))::INTEGER AS due_date,
                   currency_id,
                   CASE WHEN term_no < n_terms THEN round(premium / n_terms, 2)
                        ELSE premium - (n_terms - 1) * round(premium / n_terms, 2)
                        END::DECIMAL(18,2) AS amount
            FROM t
            UNION ALL
            SELECT policy_id, endorsement_id, 1, effective_date, currency_id, premium_change
            FROM endorsement WHERE premium_change <> 0""",
        """INSERT INTO receivable
            SELECT row_number() OVER (ORDER BY due_date, policy_id, endorsement_id NULLS FIRST,
                                      term_no),
                   policy_id, endorsement_id, term_no, due_date, currency_id, amount,
                   cny(amount, currency_id, due_date)
            FROM g_recv""",
        "DROP TABLE g_recv",
        f"""INSERT INTO receipt
            WITH r AS (
                SELECT *, u(receivable_id, 'rc') AS ur, u(receivable_id, 'rd') AS ud
                FROM receivable),
            paid AS (
                SELECT *,
                       due_date + CASE
                           WHEN amount < 0 THEN floor(ud * 20)
                           WHEN ur < 0.80 THEN floor(ud * 15)
                           ELSE 16 + floor(pow(ud, 2) * 200) END::INTEGER AS receipt_date,
                       CASE WHEN amount > 0 AND ur > 0.975 THEN round(amount / 2, 2)
                            ELSE amount END::DECIMAL(18,2) AS paid_amount
                FROM r
                WHERE (amount < 0 AND ur < 0.92) OR (amount > 0 AND ur < 0.94))
            SELECT row_number() OVER (ORDER BY receipt_date, receivable_id),
                   'SK' || strftime(receipt_date, '%Y') || lpad(receivable_id::VARCHAR, 10, '0'),
                   policy_id, endorsement_id, receivable_id, receipt_date, currency_id,
                   paid_amount, cny(paid_amount, currency_id, receipt_date)
            FROM paid WHERE receipt_date <= DATE '{as_of}'""",
        f"""INSERT INTO commission
            WITH first_paid AS (
                SELECT policy_id, min(receipt_date) AS first_date
                FROM receipt WHERE amount > 0 GROUP BY policy_id),
            c AS (
                SELECT p.policy_id, p.agent_id, p.currency_id, p.premium, b.branch_code,
                       CASE WHEN u(p.policy_id, 'pa') < 0.8 THEN p.agent_id
                            ELSE 1 + (p.agent_id + {ctx["n_branch"]} - 1)
                                 % {ctx["n_agent"]} END AS paying_agent_id,
                       f.first_date + 10 + floor(u(p.policy_id, 'cd') * 30)::INTEGER AS pay_date,
                       round(p.premium * CASE WHEN rc.line = 'auto'
                                              THEN 0.08 + u(p.policy_id, 'cr') * 0.07
                                              ELSE 0.12 + u(p.policy_id, 'cr') * 0.13 END, 2)
                           ::DECIMAL(18,2) AS amount
                FROM policy p JOIN first_paid f USING (policy_id)
                JOIN risk_class rc USING (class_id) JOIN branch b USING (branch_id)
                WHERE p.agent_id IS NOT NULL)
            SELECT row_number() OVER (ORDER BY pay_date, policy_id),
                   'SXF' || branch_code || strftime(pay_date, '%Y%m')
                       || lpad(paying_agent_id::VARCHAR, 5, '0'),
                   policy_id, agent_id, paying_agent_id, pay_date, currency_id, amount,
                   cny(amount, currency_id, pay_date)
            FROM c WHERE pay_date <= DATE '{as_of}'""",
    ]
