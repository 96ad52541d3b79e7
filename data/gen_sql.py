"""The generator's SQL, one function per stage. Each returns statements to run in order.

``ctx`` holds integers and ISO dates computed by the generator (never user input);
``P`` is data.gen_pools. Temp tables are prefixed ``g_`` and dropped with the connection.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from data.gen_sql_customers import customer_statements, identity_count

Ctx = dict[str, Any]


def _values(rows: list[tuple[Any, ...]]) -> str:
    def lit(v: Any) -> str:
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, (int, float)):
            return repr(v)
        return "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def reference_sql(ctx: Ctx, P: ModuleType) -> list[str]:
    classes = [(i + 1, c, n, line) for i, (c, n, line) in enumerate(P.CLASSES)]
    class_id = {c: i + 1 for i, (c, _, _) in enumerate(P.CLASSES)}
    risks = [(i + 1, r, n, class_id[c], cp) for i, (r, n, c, cp, _) in enumerate(P.RISKS)]
    cdf, acc = [], 0.0
    for i, (_, _, _, _, share) in enumerate(P.RISKS):
        if share > 0:
            cdf.append((i + 1, acc, acc + share))
            acc += share
    currencies = [(i + 1, c, n) for i, (c, n, _) in enumerate(P.CURRENCIES)]
    bases = [(i + 1, r) for i, (_, _, r) in enumerate(P.CURRENCIES)]
    return [
        f"INSERT INTO risk_class VALUES {_values(classes)}",
        f"INSERT INTO risk VALUES {_values(risks)}",
        f"CREATE TEMP TABLE g_risk_cdf(risk_id INTEGER, lo DOUBLE, hi DOUBLE); "
        f"INSERT INTO g_risk_cdf VALUES {_values(cdf)}; "
        f"UPDATE g_risk_cdf SET hi = 1.0000001 WHERE hi = (SELECT max(hi) FROM g_risk_cdf)",
        f"INSERT INTO currency VALUES {_values(currencies)}",
        # A daily rate for every currency and day: gentle waves around the base rate. The
        # same formula converts amounts, so conversion needs no lookup per row.
        f"""CREATE OR REPLACE TEMP MACRO rate(cur, d) AS
            CASE WHEN cur = 1 THEN 1 ELSE round([{", ".join(str(b) for _, b in bases)}][cur]
                 * (1 + 0.04 * sin(date_diff('day', DATE '{ctx["rate_start"]}', d) / 97.0 + cur)
                    + 0.015 * sin(date_diff('day', DATE '{ctx["rate_start"]}', d) / 11.0
                                  + 2 * cur)), 6) END::DECIMAL(18,6)""",
        f"""INSERT INTO exchange_rate
            SELECT c.currency_id, d::DATE, rate(c.currency_id, d::DATE)
            FROM currency c, range(DATE '{ctx["rate_start"]}', DATE '{ctx["as_of"]}' + 1,
                                   INTERVAL 1 DAY) t(d)""",
        # Most amounts are in CNY: they skip the 128-bit product (same result, 30x faster).
        "CREATE OR REPLACE TEMP MACRO cny(amount, cur, d) AS "
        "CASE WHEN cur = 1 THEN amount::DECIMAL(18,2) "
        "ELSE round(amount::DECIMAL(38,2) * rate(cur, d), 2)::DECIMAL(18,2) END",
    ]


def organisation_sql(ctx: Ctx, P: ModuleType) -> list[str]:
    n = ctx["n"]
    branches = [(i + 1, c, name, prov, plate) for i, (c, name, prov, plate, _) in
                enumerate(P.BRANCHES)]
    cities = [(i + 1, city) for i, (*_, city) in enumerate(P.BRANCHES)]
    nb, nd = len(P.BRANCHES), len(P.DEPARTMENTS)
    depts = [
        (b * nd + k + 1, f"{P.BRANCHES[b][0]}{k + 1:02d}", f"{P.BRANCHES[b][1][:-3]}{dn}", b + 1)
        for b in range(nb) for k, dn in enumerate(P.DEPARTMENTS)
    ]
    n_staff = max(nb * nd * 4, n // 300)
    n_agent = nb * max(4, n // 30000)
    n_cust = max(1000, int(n * 0.6))
    n_person = int(n_cust * 0.85)
    ctx.update(n_staff=n_staff, n_agent=n_agent, n_cust=n_cust, n_person=n_person,
               n_branch=nb, n_dept=nb * nd)
    name = "pick('{s}', {k}, 's1') || pick('{g}', {k}, 'g1') || " \
           "CASE WHEN u({k}, 'g2') < 0.6 THEN pick('{g}', {k}, 'g3') ELSE '' END"
    sname = name.format(s=P.SURNAMES, g=P.GIVEN_CHARS, k="s")
    aname = name.format(s=P.SURNAMES, g=P.GIVEN_CHARS, k="a")
    kinds = "[" + ", ".join(f"'{k}'" for k in P.AGENT_KINDS) + "]"
    return [
        # Row numbers to generate from. DuckDB reads range() on one thread; a table of
        # numbers is scanned by every thread (customers and vehicles build twice as fast).
        f"CREATE TEMP TABLE g_n AS SELECT range AS i FROM range(1, "
        f"{max(identity_count(n_cust), n)} + 1)",
        f"INSERT INTO branch VALUES {_values(branches)}",
        f"CREATE TEMP TABLE g_city(branch_id INTEGER, city VARCHAR); "
        f"INSERT INTO g_city VALUES {_values(cities)}",
        f"INSERT INTO department VALUES {_values(depts)}",
        # Staff: the first of each department is its 科长; 综合部 holds claims and finance staff.
        f"""INSERT INTO staff
            SELECT s, 'E' || lpad(s::VARCHAR, 5, '0'), {sname},
                   d.dept_id, d.branch_id,
                   CASE WHEN s <= {nb * nd} THEN '科长'
                        WHEN d.dept_name LIKE '%综合部' AND ((s - 1) // {nb * nd}) % 2 = 0 THEN '理赔员'
                        WHEN d.dept_name LIKE '%综合部' THEN '财务'
                        ELSE '业务员' END,
                   CASE WHEN s > {nb * nd} AND u(s, 'left') < 0.08
                        THEN DATE '{ctx["as_of"]}' - floor(u(s, 'ld') * 900)::INTEGER END,
                   NULL, NULL
            FROM range(1, {n_staff} + 1) t(s)
            JOIN department d ON d.dept_id = 1 + (s - 1) % {nb * nd}""",
        """CREATE TEMP TABLE g_sales AS
            SELECT row_number() OVER (ORDER BY hash(staff_id, 'rank')) AS rn, staff_id, dept_id, branch_id
            FROM staff WHERE title IN ('业务员', '科长')""",
        f"""INSERT INTO agent
            SELECT a, 'A' || lpad(a::VARCHAR, 5, '0'),
                   CASE WHEN k = '个人代理' THEN {aname}
                        ELSE pick('{P.COMPANY_WORDS}', a, 'w1') || pick('{P.COMPANY_WORDS}', a, 'w2')
                             || CASE k WHEN '经纪公司' THEN '保险经纪有限公司'
                                       WHEN '专业代理' THEN '保险代理有限公司'
                                       ELSE '汽车销售服务有限公司' END END,
                   k, 1 + (a - 1) % {nb}, NULL, NULL,
                   -- some 个人代理 left (the first of them always: 孤儿保单 of an agent)
                   CASE WHEN k = '个人代理' AND (u(a, 'aleft') < 0.12 OR a = first_person)
                        THEN DATE '{ctx["as_of"]}' - floor(u(a, 'ald') * 600)::INTEGER END
            FROM (SELECT a, k, min(a) FILTER (WHERE k = '个人代理') OVER () AS first_person
                  FROM (SELECT a, {kinds}[1 + floor(u(a, 'ak') * 4)::INTEGER] AS k
                        FROM range(1, {n_agent} + 1) t(a)))""",
        *customer_statements(ctx, P),
    ]


def policies_sql(ctx: Ctx, P: ModuleType) -> list[str]:
    from data.gen_sql_policy import policy_statements

    return policy_statements(ctx, P)


def claims_sql(ctx: Ctx, P: ModuleType) -> list[str]:
    from data.gen_sql_claims import claim_statements

    return claim_statements(ctx, P)


def finance_sql(ctx: Ctx, P: ModuleType) -> list[str]:
    from data.gen_sql_finance import finance_statements

    return finance_statements(ctx, P)
