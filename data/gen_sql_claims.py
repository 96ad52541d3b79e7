"""Generator SQL for claims and claim payments.

Auto policies claim at 10–20 % a year, property much less. Stages follow realistic
delays with a long tail: most claims close within weeks, some take a year; some are
cancelled, some still wait for registration, some are registered and open.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def claim_statements(ctx: dict[str, Any], P: ModuleType) -> list[str]:
    as_of = ctx["as_of"]
    causes = "[" + ", ".join(f"('{c}', '{n}')" for c, n in P.CAUSES) + "]"
    roads = "[" + ", ".join(f"'{r}'" for r in P.ROADS) + "]"
    return [
        f"""CREATE TEMP TABLE g_claim AS
            WITH pol AS (
                SELECT p.policy_id, p.start_date, p.end_date, p.currency_id, p.premium,
                       p.sum_insured, p.branch_id, rc.line, r.risk_code,
                       least(p.end_date, DATE '{as_of}') AS exposed_to
                FROM policy p JOIN risk r USING (risk_id) JOIN risk_class rc ON rc.class_id = p.class_id
                WHERE r.risk_code NOT IN ('JLK', 'JLA')),
            n AS (
                SELECT *, CASE WHEN line = 'auto'
                               THEN (u(policy_id, 'c1') < 0.12)::INTEGER
                                    + (u(policy_id, 'c2') < 0.03)::INTEGER
                                    + (u(policy_id, 'c3') < 0.006)::INTEGER
                               ELSE (u(policy_id, 'c1') < 0.035)::INTEGER
                                    + (u(policy_id, 'c2') < 0.006)::INTEGER END AS n_claims
                FROM pol),
            c AS (
                SELECT *, unnest(range(n_claims)) AS seq FROM n WHERE n_claims > 0),
            d AS (
                SELECT *, policy_id * 4 + seq AS k,
                       start_date + floor(u(policy_id * 4 + seq, 'loss')
                                          * greatest(date_diff('day', start_date, exposed_to), 0)
                                          )::INTEGER AS loss_date
                FROM c)
            SELECT d.*,
                   loss_date + CASE WHEN u(k, 'rep') < 0.85 THEN floor(u(k, 'rd') * 3)
                                    ELSE 3 + floor(pow(u(k, 'rd'), 2) * 60) END::INTEGER
                       AS report_date,
                   u(k, 'stage') AS ustage,
                   CASE WHEN u(k, 'reg') < 0.8 THEN 1 + floor(u(k, 'rgd') * 7)
                        ELSE 8 + floor(pow(u(k, 'rgd'), 2) * 80) END::INTEGER AS reg_delay,
                   CASE WHEN u(k, 'cl') < 0.65 THEN 5 + floor(u(k, 'cld') * 35)
                        WHEN u(k, 'cl') < 0.9 THEN 40 + floor(u(k, 'cld') * 140)
                        ELSE 180 + floor(u(k, 'cld') * 320) END::INTEGER AS close_delay,
                   round(CASE WHEN line = 'auto' THEN exp(8.1 + 0.9 * z(k, 'est'))
                              ELSE least(exp(9.5 + 1.3 * z(k, 'est')), sum_insured * 0.8) END,
                         2)::DECIMAL(18,2) AS estimate
            FROM d""",
        "DELETE FROM g_claim WHERE report_date > DATE '" + as_of + "'",
        f"""INSERT INTO claim
            SELECT row_number() OVER (ORDER BY report_date, k) AS claim_id,
                   'R' || risk_code || strftime(report_date, '%Y') || b.branch_code
                       || lpad(row_number() OVER (PARTITION BY risk_code, year(report_date),
                                                  b.branch_code ORDER BY k)::VARCHAR, 7, '0'),
                   CASE WHEN NOT cancelled AND register_date <= DATE '{as_of}'
                        THEN 'C' || risk_code || strftime(report_date, '%Y') || b.branch_code
                             || lpad(row_number() OVER (PARTITION BY risk_code, year(report_date),
                                                        b.branch_code ORDER BY k)::VARCHAR, 7, '0')
                   END,
                   policy_id, report_date,
                   CASE WHEN u(k, 'rph') < 0.97 THEN '1' || (3 + floor(u(k, 'rp1') * 7))
                        ::INTEGER::VARCHAR || digits(k, 'rpn', 9) END,
                   loss_date, cause.c, cause.n,
                   gc.city || {roads}[1 + floor(u(k, 'la') * 16)::INTEGER]
                       || CASE WHEN line = 'auto' THEN '与' || {roads}[1 + floor(u(k, 'lb') * 16)
                               ::INTEGER] || '交叉口'
                               ELSE (1 + floor(u(k, 'ln') * 500))::INTEGER::VARCHAR || '号' END,
                   currency_id, estimate, cny(estimate, currency_id, report_date),
                   cancelled, CASE WHEN cancelled THEN cancel_date END,
                   CASE WHEN NOT cancelled AND register_date <= DATE '{as_of}'
                        THEN register_date END,
                   CASE WHEN NOT cancelled AND register_date <= DATE '{as_of}'
                             AND register_date + close_delay <= DATE '{as_of}'
                        THEN register_date + close_delay END
            FROM (SELECT g.*, ustage < 0.05 AND report_date + 20 <= DATE '{as_of}' AS cancelled,
                         report_date + 1 + floor(u(k, 'cd') * 20)::INTEGER AS cancel_date,
                         CASE WHEN ustage > 0.985 AND report_date < DATE '{as_of}' - 30
                              THEN DATE '9999-12-31' ELSE report_date + reg_delay END
                             AS register_date,
                         {causes}[CASE WHEN line = 'auto' THEN 1 + floor(u(k, 'cz') * 6)
                                       ELSE 3 + floor(u(k, 'cz') * 7) END::INTEGER] AS cause
                  FROM g_claim g) x
            JOIN branch b USING (branch_id)
            JOIN g_city gc USING (branch_id)
            CROSS JOIN LATERAL (SELECT x.cause[1] AS c, x.cause[2] AS n) cause""",
        "DROP TABLE g_claim",
        # Payments: closed claims are paid after closing (one or two payments); some open
        # claims have a partial payment on account.
        f"""INSERT INTO claim_payment
            WITH base AS (
                SELECT c.claim_id, c.currency_id, c.estimated_loss, c.close_date,
                       c.register_date,
                       CASE WHEN c.close_date IS NOT NULL
                            THEN u(c.claim_id, 'pf') < 0.96
                            ELSE c.register_date IS NOT NULL AND u(c.claim_id, 'pp') < 0.15
                            END AS paid,
                       c.close_date IS NOT NULL AS closed,
                       1 + (u(c.claim_id, 'np') < 0.2)::INTEGER AS n_pay
                FROM claim c WHERE NOT c.cancelled),
            pays AS (
                SELECT *, unnest(range(n_pay)) AS seq FROM base WHERE paid),
            dated AS (
                SELECT *,
                       CASE WHEN closed THEN close_date + floor(u(claim_id * 2 + seq, 'pd')
                                                                 * 12)::INTEGER
                            ELSE register_date + 10 + floor(u(claim_id, 'pd') * 40)::INTEGER
                            END AS pay_date,
                       round(estimated_loss * CASE WHEN closed THEN 0.5 + u(claim_id, 'pr') * 0.6
                                                   ELSE 0.3 END / n_pay, 2)::DECIMAL(18,2)
                           AS amount
                FROM pays)
            SELECT row_number() OVER (ORDER BY pay_date, claim_id, seq), claim_id,
                   least(pay_date, DATE '{as_of}'), currency_id, amount,
                   cny(amount, currency_id, least(pay_date, DATE '{as_of}'))
            FROM dated WHERE closed OR pay_date <= DATE '{as_of}'""",
    ]
