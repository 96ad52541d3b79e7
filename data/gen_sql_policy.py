"""Generator SQL for vehicles, policies and proposals.

Auto policies come in renewal chains per vehicle: each term starts the day after the
previous one ends, or after a gap (some on day 30 of grace, some on day 31, some long),
and a chain that stops before today is a lapse.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

AUTO_SHARE = 0.68


def _list(items: Any) -> str:
    return "[" + ", ".join("'" + str(i) + "'" for i in items) + "]"


def policy_statements(ctx: dict[str, Any], P: ModuleType) -> list[str]:
    n = ctx["n"]
    n_auto = round(n * AUTO_SHARE)
    n_prop = n - n_auto
    as_of, hist_start, hist_days = ctx["as_of"], ctx["hist_start"], ctx["hist_days"]
    n_sales = "(SELECT count(*) FROM g_sales)"
    kind_codes = _list(k for k, _ in P.VEHICLE_KINDS)
    kind_names = _list(v for _, v in P.VEHICLE_KINDS)
    use_codes = _list(k for k, _ in P.USE_NATURES)
    use_names = _list(v for _, v in P.USE_NATURES)
    brands = _list(P.BRANDS)
    vin_chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    plate_chars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return [
        # One row per vehicle: its handler (skewed: some handlers write much more) and chain.
        f"""CREATE TEMP TABLE g_veh AS
            SELECT v AS vehicle_id,
                   1 + floor(u(v, 'len') * 5)::INTEGER AS chain_len,
                   DATE '{hist_start}' + floor(u(v, 'fs') * {hist_days})::INTEGER AS first_start,
                   1 + floor(pow(u(v, 'h'), 1.4) * {n_sales})::INTEGER AS sales_rn,
                   floor(u(v, 'kind') * 100)::INTEGER AS kind_pct
            FROM (SELECT i AS v FROM g_n WHERE i <= {n_auto})""",
        f"""CREATE TEMP TABLE g_auto AS
            WITH terms AS (
                SELECT vehicle_id, first_start, sales_rn, unnest(range(chain_len))::INTEGER AS term
                FROM g_veh),
            gaps AS (
                SELECT *, CASE WHEN term = 0 THEN 0 ELSE
                          CASE WHEN g < 0.80 THEN 0
                               WHEN g < 0.90 THEN 1 + floor(u(vehicle_id * 8 + term, 'gd') * 28)
                               WHEN g < 0.94 THEN 29
                               WHEN g < 0.97 THEN 30
                               ELSE 60 + floor(u(vehicle_id * 8 + term, 'gl') * 240) END
                          END::INTEGER AS gap
                FROM (SELECT *, u(vehicle_id * 8 + term, 'gap') AS g FROM terms)),
            dated AS (
                SELECT vehicle_id, term, sales_rn,
                       first_start + (365 * term)::INTEGER
                         + (sum(gap) OVER (PARTITION BY vehicle_id ORDER BY term))::INTEGER
                         AS start_date
                FROM gaps)
            SELECT * FROM dated WHERE start_date <= DATE '{as_of}'
            ORDER BY vehicle_id, term LIMIT {n_auto}""",
        # Vehicles actually used; plate prefix from the branch of the vehicle's handler.
        f"""INSERT INTO vehicle
            SELECT v.vehicle_id,
                   CASE WHEN u(v.vehicle_id, 'np') < 0.02 THEN NULL
                        ELSE b.plate_prefix || pick('{plate_chars}', v.vehicle_id, 'p1')
                             || digits(v.vehicle_id, 'p2', 4) END,
                   'L' || array_to_string(list_transform(range(16),
                          lambda i: substr('{vin_chars}',
                               1 + (hash(v.vehicle_id, i, 'vin') % 33)::INTEGER, 1)), ''),
                   digits(v.vehicle_id, 'eng', 4) || pick('{plate_chars}', v.vehicle_id, 'e1')
                       || digits(v.vehicle_id, 'eng2', 6),
                   {kind_codes}[k], {kind_names}[k], {use_codes}[un], {use_names}[un],
                   {brands}[1 + floor(u(v.vehicle_id, 'br') * {len(P.BRANDS)})::INTEGER],
                   CASE k WHEN 1 THEN 5 + 2 * (u(v.vehicle_id, 'st') < 0.15)::INTEGER
                          WHEN 2 THEN 19 + floor(u(v.vehicle_id, 'st') * 35)::INTEGER
                          WHEN 6 THEN 2 ELSE 3 END,
                   CASE WHEN k IN (3, 4) THEN round(1.5 + pow(u(v.vehicle_id, 'tn'), 2) * 38, 1)
                        WHEN k = 5 THEN round(2 + u(v.vehicle_id, 'tn') * 8, 1)
                        ELSE 0 END::DECIMAL(8,2),
                   f.first_start - floor(pow(u(v.vehicle_id, 'age'), 1.5) * 3000)::INTEGER
            FROM (SELECT *, CASE WHEN kind_pct < 62 THEN 1 WHEN kind_pct < 72 THEN 2
                                 WHEN kind_pct < 86 THEN 3 WHEN kind_pct < 91 THEN 4
                                 WHEN kind_pct < 96 THEN 5 ELSE 6 END AS k
                  FROM g_veh) v
            JOIN (SELECT vehicle_id, min(start_date) AS first_start FROM g_auto
                  GROUP BY vehicle_id) f USING (vehicle_id)
            JOIN g_sales s ON s.rn = v.sales_rn
            JOIN branch b ON b.branch_id = s.branch_id
            CROSS JOIN LATERAL (SELECT CASE
                 WHEN v.k = 1 THEN CASE WHEN u(v.vehicle_id, 'un') < 0.85 THEN 1
                                        WHEN u(v.vehicle_id, 'un') < 0.95 THEN 2 ELSE 4 END
                 WHEN v.k = 2 THEN CASE WHEN u(v.vehicle_id, 'un') < 0.6 THEN 5 ELSE 2 END
                 WHEN v.k IN (3, 4) THEN CASE WHEN u(v.vehicle_id, 'un') < 0.75 THEN 6 ELSE 2 END
                 WHEN v.k = 5 THEN 3 ELSE 1 END AS un)""",
        # Non-auto policies: independent terms; cargo short, engineering long.
        f"""CREATE TEMP TABLE g_prop AS
            SELECT p AS key, c.risk_id,
                   DATE '{hist_start}' + floor(u(p, 'ps') * {hist_days})::INTEGER AS start_date,
                   1 + floor(pow(u(p, 'h'), 1.4) * {n_sales})::INTEGER AS sales_rn
            FROM (SELECT i AS p FROM g_n WHERE i <= {n_prop})
            JOIN g_risk_cdf c ON u(p, 'risk') >= c.lo AND u(p, 'risk') < c.hi""",
        # Policy ids in start order, the renewal link, and each policy's sequence within
        # its number series (risk, sign year, branch), all on these narrow rows: a window
        # over the wide policy rows costs four times as much.
        f"""CREATE TEMP TABLE g_pol AS
            WITH raw AS (
                SELECT 'A' AS src, vehicle_id * 8 + term AS key, vehicle_id,
                       CASE WHEN u(vehicle_id * 8 + term, 'dz') < 0.35 THEN 'DZA' ELSE 'DAA' END
                           AS risk_code,
                       start_date, start_date + 364 AS end_date, sales_rn
                FROM g_auto
                UNION ALL
                SELECT 'P', key, NULL, r.risk_code, start_date,
                       start_date + CASE WHEN r.risk_code IN ('YAA', 'YAE')
                                         THEN 30 + floor(u(key, 'len') * 90)::INTEGER
                                         WHEN r.risk_code = 'GAA'
                                         THEN 180 + floor(u(key, 'len') * 550)::INTEGER
                                         ELSE 364 END,
                       sales_rn
                FROM g_prop JOIN risk r USING (risk_id)),
            numbered AS (
                SELECT row_number() OVER (ORDER BY start_date, src, key) AS policy_id, raw.*
                FROM raw),
            signed AS (
                SELECT n.*, s.staff_id AS handler_id, s.dept_id, s.branch_id,
                       greatest(n.start_date - floor(u(n.policy_id, 'sg') * 20)::INTEGER,
                                DATE '{hist_start}' - 20) AS sign_date
                FROM numbered n JOIN g_sales s ON s.rn = n.sales_rn)
            SELECT *, CASE WHEN vehicle_id IS NOT NULL THEN lag(policy_id) OVER (
                          PARTITION BY vehicle_id ORDER BY start_date, policy_id) END
                          AS prev_policy_id,
                   row_number() OVER (PARTITION BY risk_code, year(sign_date), branch_id
                                      ORDER BY policy_id) AS policy_seq
            FROM signed""",
        # Scratch tables are dropped as soon as they are used: they hold buffer memory
        # the later steps (rollups) need, and a full buffer pool spills to disk.
        "DROP TABLE g_veh; DROP TABLE g_auto; DROP TABLE g_prop",
        *proposal_id_statements(ctx),
        f"""INSERT INTO policy
            WITH p AS (
                SELECT g.*, i.proposal_id, r.risk_id, r.risk_name, r.class_id, rc.line,
                       b.branch_code,
                       u(g.policy_id, 'cur') AS ucur,
                       z(g.policy_id, 'prem') AS zp, u(g.policy_id, 'big') AS ubig
                FROM g_pol g JOIN risk r USING (risk_code)
                JOIN risk_class rc USING (class_id)
                JOIN branch b ON b.branch_id = g.branch_id
                JOIN g_prop_ids i ON i.k = g.policy_id),
            q AS (
                SELECT p.*,
                       CASE WHEN line = 'property' AND risk_code <> 'QJA' AND ucur < 0.05 THEN 2
                            WHEN line = 'property' AND risk_code <> 'QJA' AND ucur < 0.07 THEN 3
                            WHEN line = 'property' AND risk_code <> 'QJA' AND ucur < 0.09 THEN 4
                            WHEN line = 'property' AND risk_code <> 'QJA' AND ucur < 0.10 THEN 5
                            ELSE 1 END AS currency_id,
                       round(CASE
                         WHEN risk_code = 'DZA' THEN 665 + 285 * (v.seats > 6)::INTEGER
                              + 2000 * (v.use_nature_code >= '201')::INTEGER
                         WHEN risk_code = 'DAA' THEN exp(8.0 + 0.45 * zp)
                              * (1 + 1.5 * (v.use_nature_code >= '201')::INTEGER)
                         WHEN line = 'property' THEN exp(8.3 + 1.1 * zp)
                              * CASE WHEN ubig < 0.01 THEN 25 ELSE 1 END
                         ELSE exp(7.0 + 0.8 * zp) END, 2)::DECIMAL(18,2) AS premium,
                       v.first_register_date
                FROM p LEFT JOIN vehicle v USING (vehicle_id)),
            r AS (
                SELECT q.*,
                       CASE WHEN risk_code = 'DZA' THEN 200000
                            ELSE round(premium * CASE WHEN line = 'auto'
                                                      THEN 40 + u(policy_id, 'si') * 80
                                                      ELSE 300 + u(policy_id, 'si') * 2500 END,
                             -2) END::DECIMAL(18,2) AS sum_insured,
                       CASE WHEN risk_code = 'DZA' THEN 200000
                            WHEN line = 'auto' THEN (1 + floor(u(policy_id, 'll') * 3)) * 1000000
                            WHEN risk_code = 'ZAA' THEN 5000000 ELSE 0 END::DECIMAL(18,2)
                           AS liability_limit,
                       u(policy_id, 'status') AS ust,
                       -- Customers: persons for private cars and households, companies for
                       -- the rest.
                       CASE WHEN risk_code IN ('QAA', 'QAB', 'YAA', 'YAE', 'ZAA', 'GAA', 'EAA')
                                 OR (vehicle_id IS NOT NULL AND u(policy_id, 'corp') < 0.12)
                            THEN {ctx["n_person"]} + 1
                                 + floor(u(coalesce(vehicle_id, policy_id), 'cust')
                                         * {ctx["n_cust"] - ctx["n_person"]})::INTEGER
                            ELSE 1 + floor(u(coalesce(vehicle_id, policy_id), 'cust')
                                           * {ctx["n_person"]})::INTEGER END AS insured_id
                FROM q)
            SELECT policy_id,
                   'P' || risk_code || strftime(sign_date, '%Y') || branch_code
                       || lpad(policy_seq::VARCHAR, 7, '0'),
                   proposal_id, risk_id, class_id, branch_id, dept_id, handler_id,
                   CASE WHEN u(policy_id, 'hasag') < 0.42
                        THEN branch_id + {ctx["n_branch"]}
                             * floor(u(policy_id, 'ag') * {ctx["n_agent"] // ctx["n_branch"]})
                             ::INTEGER END,
                   CASE WHEN u(policy_id, 'app') < 0.85 THEN insured_id
                        ELSE 1 + (insured_id::BIGINT * 7919) % {ctx["n_cust"]} END,
                   insured_id, vehicle_id,
                   CASE WHEN vehicle_id IS NOT NULL
                        THEN greatest(0, date_diff('year', first_register_date, start_date)) END,
                   risk_code || '01',
                   CASE WHEN risk_code = 'DAA' THEN '机动车综合商业保险条款'
                        WHEN risk_code = 'DZA' THEN '机动车交通事故责任强制保险条款'
                        ELSE risk_name || '条款' END,
                   sign_date,
                   least(sign_date + floor(u(policy_id, 'in') * 4)::INTEGER, DATE '{as_of}'),
                   start_date, end_date, currency_id, sum_insured, liability_limit, premium,
                   cny(sum_insured, currency_id, sign_date),
                   cny(liability_limit, currency_id, sign_date),
                   cny(premium, currency_id, sign_date),
                   CASE WHEN line <> 'auto' AND ust < 0.015 THEN '注销'
                        WHEN line <> 'auto' AND ust < 0.04 THEN '退保' ELSE '有效' END,
                   prev_policy_id  -- renewal: the previous term on the same vehicle
            FROM r""",
        "DROP TABLE g_pol",
        *proposal_statements(ctx),
    ]


def proposal_id_statements(ctx: dict[str, Any]) -> list[str]:
    """Every proposal's key (a policy's id, or minus the number of a proposal that did
    not become one), input date, id and number sequence: known before the policies are
    written, so each policy is written with its proposal's id."""
    as_of, n = ctx["as_of"], ctx["n"]
    n_extra = max(50, n // 8)
    return [
        f"""CREATE TEMP TABLE g_prop_ids AS
            WITH keys AS (
                SELECT g.policy_id AS k, r.risk_id, g.branch_id,
                       greatest(sign_date - 3,
                                sign_date - floor(u(g.policy_id, 'pin') * 10)::INTEGER)
                           AS input_date
                FROM g_pol g JOIN risk r USING (risk_code)
                UNION ALL
                -- Open proposals are recent; each copies the attributes of a policy.
                SELECT -x, r.risk_id, g.branch_id,
                       DATE '{as_of}' - floor(pow(u(x, 'age'), 2) * 400)::INTEGER
                FROM (SELECT i AS x FROM g_n WHERE i <= {n_extra})
                JOIN g_pol g ON g.policy_id = 1 + (x * 104729) % {n}
                JOIN risk r USING (risk_code))
            SELECT k, input_date, row_number() OVER (ORDER BY input_date, k) AS proposal_id,
                   row_number() OVER (PARTITION BY risk_id, year(input_date), branch_id
                                      ORDER BY k) AS seq
            FROM keys""",
    ]


def proposal_statements(ctx: dict[str, Any]) -> list[str]:
    n = ctx["n"]
    return [
        """CREATE TEMP TABLE g_prop_all AS
            SELECT policy_id AS k, policy_id, risk_id, branch_id, dept_id,
                   handler_id AS salesman_id, agent_id, applicant_id, insured_id, vehicle_id,
                   start_date, end_date, currency_id, sum_insured, premium,
                   sum_insured_cny, premium_cny,
                   CASE WHEN u(policy_id, 'uw') < 0.3 THEN '3' ELSE '1' END AS uw_status
            FROM policy""",
        # Proposals that did not become policies: not submitted, declined, pending, or
        # approved but not yet converted (w).
        f"""INSERT INTO g_prop_all
            SELECT i.k, NULL, p.risk_id, p.branch_id, p.dept_id, p.handler_id, p.agent_id,
                   p.applicant_id, p.insured_id, p.vehicle_id,
                   i.input_date + floor(u(-i.k, 'lead') * 30)::INTEGER,
                   i.input_date + floor(u(-i.k, 'lead') * 30)::INTEGER + 364,
                   p.currency_id, p.sum_insured, p.premium, p.sum_insured_cny, p.premium_cny,
                   CASE WHEN u(-i.k, 'st') < 0.2 THEN '0' WHEN u(-i.k, 'st') < 0.4 THEN '2'
                        WHEN u(-i.k, 'st') < 0.7 THEN '9' ELSE 'w' END
            FROM g_prop_ids i JOIN policy p ON p.policy_id = 1 + (-i.k * 104729) % {n}
            WHERE i.k < 0""",
        """INSERT INTO proposal
            SELECT i.proposal_id,
                   'T' || r.risk_code || strftime(i.input_date, '%Y') || b.branch_code
                       || lpad(i.seq::VARCHAR, 7, '0'),
                   g.risk_id, g.branch_id, g.dept_id, salesman_id, agent_id, applicant_id,
                   insured_id, vehicle_id, i.input_date, start_date, end_date, currency_id,
                   sum_insured, premium, sum_insured_cny, premium_cny, uw_status, g.policy_id
            FROM g_prop_all g JOIN g_prop_ids i USING (k) JOIN risk r USING (risk_id)
            JOIN branch b USING (branch_id)""",
        "DROP TABLE g_prop_all; DROP TABLE g_prop_ids; DROP TABLE g_n",
    ]
