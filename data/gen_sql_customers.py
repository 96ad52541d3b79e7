"""The generator's customers: records of 核心, 理赔 and 电销 as those systems hold them.

One identity per real person or company (``g_ident``: a name, a 身份证 / 统一社会信用代码
whose check character passes, a mobile, an address). 核心 records (``C…``) are the ones
policies name; about 3 % of them are a second 核心 record of the person before them
(re-registered: homophone or swapped name, 15-digit ID, another mobile …). 理赔 (``L…``)
and 电销 (``T…``) records repeat a 核心 customer with their own habits (电销 rarely has
an ID), and 电销 also holds prospects who never bought. A few records carry the
placeholders and typing errors the cleansing lists exist for, and some staff and agents
are customers themselves (业务员客户).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from data.customers.synth_pools import HOMOPHONES

Ctx = dict[str, Any]

DUPLICATE_CORE = 0.03
CLAIMS_SHARE = 0.12
TELESALES_SHARE = 0.10
PROSPECTS_SHARE = 0.03
STAFF_CUSTOMERS = 0.05
PLACEHOLDER_MOBILE = "13800000000"


def _homophone_sql(name: str) -> str:
    """The name with each given-name character that has a homophone replaced by it."""
    src = "".join(HOMOPHONES)
    dst = "".join(v[0] for v in HOMOPHONES.values())
    return f"(left({name}, 1) || translate({name}[2:], '{src}', '{dst}'))"


def identity_count(n_cust: int) -> int:
    return n_cust + int(n_cust * PROSPECTS_SHARE) + 1


def customer_statements(ctx: Ctx, P: ModuleType) -> list[str]:
    n_cust, n_person, nb = ctx["n_cust"], ctx["n_person"], ctx["n_branch"]
    n_ident = identity_count(n_cust)
    name = (f"pick('{P.SURNAMES}', k, 's1') || pick('{P.GIVEN_CHARS}', k, 'g1') || "
            f"CASE WHEN u(k, 'g2') < 0.6 THEN pick('{P.GIVEN_CHARS}', k, 'g3') ELSE '' END"
            )
    trades = "[" + ", ".join(f"'{t}'" for t in P.COMPANY_TRADES) + "]"
    roads = "[" + ", ".join(f"'{r}'" for r in P.ROADS) + "]"
    columns = ("customer_id, customer_code, customer_name, customer_kind, id_type, id_no, "
               "phone, mobile, address, birthday, source_system")
    variant = _homophone_sql("i.name")
    swapped = "(left(i.name, 1) || i.name[3] || i.name[2])"
    id15 = "(i.id_no[1:6] || i.id_no[9:17])"
    return [
        f"""CREATE TEMP TABLE g_ident AS
            SELECT k, person, branch_id, birthday, ci.city,
                   CASE WHEN person THEN {name}
                        ELSE replace(ci.city, '区', '') || pick('{P.COMPANY_WORDS}', k, 'w1')
                             || pick('{P.COMPANY_WORDS}', k, 'w2')
                             || {trades}[1 + floor(u(k, 'tr') * 10)::INTEGER] END AS name,
                   CASE WHEN person THEN id_body || id_check(id_body)
                        ELSE id_body || uscc_check(id_body) END AS id_no,
                   '0' || (10 + floor(u(k, 'ac') * 89))::INTEGER::VARCHAR || '-'
                       || digits(k, 'ph', 8) AS phone,
                   CASE WHEN u(k, 'hasm') < 0.92 THEN '1' || (3 + floor(u(k, 'm1') * 7))::INTEGER
                        ::VARCHAR || digits(k, 'mob', 9) END AS mobile,
                   ci.city || {roads}[1 + floor(u(k, 'rd') * 16)::INTEGER]
                       || (1 + floor(u(k, 'no') * 888))::INTEGER::VARCHAR || '号' AS address
            FROM (SELECT k, person, birthday, branch_id,
                         CASE WHEN person THEN (110000 + floor(u(k, 'ar') * 540000))::INTEGER
                              ::VARCHAR || strftime(birthday, '%Y%m%d') || digits(k, 'id', 3)
                              ELSE '91' || digits(k, 'org', 15) END AS id_body
                  FROM (SELECT i AS k, i <= {n_person} OR i > {n_cust} AS person,
                               DATE '1945-01-01' + floor(u(i, 'bd') * 20000)::INTEGER
                                   AS birthday,
                               1 + floor(u(i, 'cb') * {nb})::INTEGER AS branch_id
                        FROM g_n WHERE i <= {n_ident}) x) y
            JOIN g_city ci USING (branch_id)""",
        # 核心: one record per customer id; a duplicate takes the identity of the one before.
        f"""INSERT INTO customer ({columns})
            SELECT c.c, 'C' || lpad(c.c::VARCHAR, 9, '0'),
                   CASE WHEN NOT c.dup THEN
                            CASE WHEN u(c.c, 'noname') < 0.0005 THEN '无' ELSE i.name END
                        WHEN u(c.c, 'dn') < 0.35 THEN {variant}
                        WHEN u(c.c, 'dn') < 0.45 AND length(i.name) = 3 THEN {swapped}
                        ELSE i.name END,
                   CASE WHEN i.person THEN '个人' ELSE '单位' END,
                   CASE WHEN i.person THEN '身份证' ELSE '统一社会信用代码' END,
                   CASE WHEN c.dup AND u(c.c, 'di') < 0.25 THEN {id15}
                        WHEN NOT c.dup AND u(c.c, 'badid') < 0.003
                            THEN i.id_no[1:17] || CASE i.id_no[18] WHEN '1' THEN '2' ELSE '1' END
                        ELSE i.id_no END,
                   i.phone,
                   CASE WHEN u(c.c, 'phm') < 0.004 THEN '{PLACEHOLDER_MOBILE}'
                        WHEN c.dup AND u(c.c, 'dm') < 0.3 THEN '1' || (3 + floor(u(c.c, 'm1')
                            * 7))::INTEGER::VARCHAR || digits(c.c, 'mob', 9)
                        ELSE i.mobile END,
                   CASE WHEN c.dup AND u(c.c, 'da') < 0.4 THEN replace(i.address, '号', ' 号')
                        ELSE i.address END,
                   CASE WHEN i.person THEN i.birthday END, '核心'
            FROM (SELECT i AS c, i > 1 AND i <= {n_person} AND u(i, 'dup') < {DUPLICATE_CORE}
                             AS dup
                  FROM g_n WHERE i <= {n_cust}) c
            JOIN g_ident i ON i.k = CASE WHEN c.dup THEN c.c - 1 ELSE c.c END""",
        # 理赔 and 电销 records follow the 核心 ids, in code order.
        f"""INSERT INTO customer ({columns})
            SELECT {n_cust} + row_number() OVER (ORDER BY code), *
            FROM (
                SELECT 'L' || lpad(i.k::VARCHAR, 9, '0') AS code,
                       CASE WHEN u(i.k, 'ln') < 0.12 THEN {variant} ELSE i.name END,
                       '个人', '身份证',
                       CASE WHEN u(i.k, 'li') < 0.15 THEN {id15}
                            WHEN u(i.k, 'li') < 0.25 THEN '无' ELSE i.id_no END,
                       NULL,
                       CASE WHEN u(i.k, 'lm') < 0.85 THEN i.mobile
                            ELSE '1' || (3 + floor(u(i.k, 'lm2') * 7))::INTEGER::VARCHAR
                                 || digits(i.k, 'lmob', 9) END,
                       CASE WHEN u(i.k, 'la') < 0.5 THEN i.address ELSE i.city END,
                       NULL::DATE, '理赔'
                FROM g_ident i WHERE i.person AND i.k <= {n_cust}
                                 AND u(i.k, 'lp') < {CLAIMS_SHARE}
                UNION ALL
                SELECT 'T' || lpad(i.k::VARCHAR, 9, '0'),
                       CASE WHEN u(i.k, 'tn') < 0.08 THEN {variant} ELSE i.name END,
                       '个人', '身份证',
                       CASE WHEN u(i.k, 'ti') < 0.3 THEN i.id_no ELSE '无' END, NULL,
                       CASE WHEN u(i.k, 'tp') < 0.01 THEN '{PLACEHOLDER_MOBILE}'
                            ELSE coalesce(i.mobile, '无') END,
                       CASE WHEN u(i.k, 'ta') < 0.5 THEN i.city || '***' ELSE i.address END,
                       NULL::DATE, '电销'
                FROM g_ident i WHERE i.person AND (i.k > {n_cust}
                                                   OR u(i.k, 'dx') < {TELESALES_SHARE}))""",
        # 业务员客户: some staff and agents insure themselves; the others get their own IDs.
        f"""UPDATE staff SET id_no = CASE WHEN own THEN body || id_check(body) ELSE c.id_no END,
                             mobile = CASE WHEN own THEN '139' || digits(staff_id, 'smob', 8)
                                           ELSE c.mobile END
            FROM (SELECT staff_id AS sid, u(staff_id, 'sc') >= {STAFF_CUSTOMERS} AS own,
                         '440106' || strftime(DATE '1965-01-01' + floor(u(staff_id, 'sbd')
                             * 12000)::INTEGER, '%Y%m%d') || digits(staff_id, 'sid', 3) AS body
                  FROM staff) s, customer c
            WHERE s.sid = staff.staff_id AND c.customer_id = 1 + (staff_id * 7919) % {n_person}""",
        f"""UPDATE agent SET id_no = c.id_no, mobile = c.mobile
            FROM customer c
            WHERE agent_kind = '个人代理' AND u(agent_id, 'ac') < {STAFF_CUSTOMERS * 4}
              AND c.customer_id = 1 + (agent_id * 104729) % {n_person}""",
    ]
