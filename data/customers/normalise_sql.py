"""The normalisation rules of idcard / names / address / phone as DuckDB SQL, so a book
of a million records is normalised set-based on every core.

The Python functions in those modules are the reference for one value; a test checks
that this SQL gives the same answers on a generated set.
"""

from __future__ import annotations

from data.customers import address as A
from data.customers import idcard as I
from data.customers import phone as PH
from data.customers.names import COMPANY_SUFFIXES, PUNCT_PATTERN
from data.customers.text import PLACEHOLDER_TEXT

FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALFWIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_list(values) -> str:
    return "(" + ", ".join(_q(v) for v in sorted(values)) + ")"


def _list(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _weighted(term: str, weights) -> str:
    """Σ term(i)·w(i) unrolled: far faster in DuckDB than a lambda over a list."""
    return " + ".join(f"({term.format(i=i + 1)}) * {w}" for i, w in enumerate(weights))


RUN_DIGITS = "0123456789012345678901234567" * 2


def macros() -> str:
    """Temp macros the normalising SELECT uses (one statement per line)."""
    fw, hw = _q(FULLWIDTH), _q(HALFWIDTH)
    return f"""
CREATE OR REPLACE TEMP MACRO hw(s) AS CASE WHEN regexp_matches(s, '[\uFF01-\uFF5E\u3000]')
    THEN translate(s, {fw}, {hw}) ELSE coalesce(s, '') END;
CREATE OR REPLACE TEMP MACRO squeeze(s) AS regexp_replace(hw(s), '\\s+', '', 'g');
CREATE OR REPLACE TEMP MACRO one_char(s) AS s = repeat(left(s, 1), length(s));
CREATE OR REPLACE TEMP MACRO ph_text(v) AS lower(v) IN {_in_list(PLACEHOLDER_TEXT)}
    OR (one_char(v) AND lower(v)[1] IN ('0','x','-','*','?','？'));
CREATE OR REPLACE TEMP MACRO clean_num(s) AS upper(regexp_replace(hw(s), '[\\s\\-_.·]', '', 'g'));
CREATE OR REPLACE TEMP MACRO ph_id(n) AS one_char(n) OR one_char(rtrim(n, 'X'))
    OR (rtrim(n, 'X') <> '' AND contains({_q(RUN_DIGITS)}, rtrim(n, 'X')))
    OR length(n) - length(replace(n, '0', '')) >= length(n) - 2;
CREATE OR REPLACE TEMP MACRO id_check(b) AS
    substr('{I.ID_CHECK_CHARS}', (({_weighted("ascii(b[{i}]) - 48", I.ID_WEIGHTS)}) % 11)::INT + 1, 1);
CREATE OR REPLACE TEMP MACRO org_rest(b) AS
    11 - ({_weighted("instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', b[{i}]) - 1", I.ORG_WEIGHTS)}) % 11;
CREATE OR REPLACE TEMP MACRO org_check(b) AS
    CASE org_rest(b) WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE org_rest(b)::VARCHAR END;
CREATE OR REPLACE TEMP MACRO uscc_check(b) AS substr('{I.USCC_CHARS}', ((31 - ({_weighted(
    "instr('" + I.USCC_CHARS + "', b[{i}]) - 1", I.USCC_WEIGHTS)}) % 31) % 31)::INT + 1, 1);
CREATE OR REPLACE TEMP MACRO mobile_ok(d) AS regexp_full_match(d, '1[3-9][0-9]{{9}}')
    AND NOT (d IN {_in_list(PH.PLACEHOLDER_MOBILES)} OR one_char(d) OR one_char(d[4:])
    OR contains('012345678901234567890', d) OR contains('98765432109876543210', d));
"""


def _kind_sql() -> str:
    aliases = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in I._TYPE_ALIASES.items())
    return f"""CASE trim(hw(id_type)) {aliases} ELSE CASE
        WHEN regexp_full_match(idn, '[0-9]{{15}}|[0-9]{{17}}[0-9X]') THEN '{I.RESIDENT}'
        WHEN length(idn) = 18 THEN '{I.USCC}' WHEN length(idn) = 9 THEN '{I.ORG}'
        ELSE coalesce(nullif(trim(hw(id_type)), ''), '其他证件') END END"""


def _province_sql() -> tuple[str, str]:
    shorts = "|".join(sorted(A.PROVINCES, key=len, reverse=True))
    pattern = f"^({shorts})(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
    full = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in A.PROVINCES.items())
    return pattern, full


def normalise_sql(source: str) -> str:
    """SELECT over ``source`` (raw columns as VARCHAR) giving the normalised columns."""
    prov_re, prov_full = _province_sql()
    bare = "|".join(sorted(A.CITY_PROVINCE, key=len, reverse=True))
    city_prov = " ".join(f"WHEN {_q(c)} THEN {_q(A.PROVINCES[p])}"
                         for c, p in A.CITY_PROVINCE.items())
    munis = _in_list(A.MUNICIPALITIES)
    suffixes = "(" + "|".join(COMPANY_SUFFIXES) + ")+$"
    company = _in_list({"单位", "企业", "机构", "团体"})
    noise = r"[,，、;；()（）#＃]"
    return f"""
WITH r0 AS (
    SELECT *, clean_num(id_no) AS idn, regexp_replace(hw(mobile), '[^0-9]', '', 'g') AS md,
           regexp_replace(hw(phone), '[^0-9]', '', 'g') AS pd, squeeze(address) AS sq_addr,
           squeeze(customer_name) AS sq_name, squeeze(customer_kind) IN {company} AS is_company
    FROM {source}),
r AS (
    SELECT *, CASE WHEN ph_text(sq_addr) THEN '' ELSE regexp_replace(sq_addr, '{noise}', '', 'g')
              END AS addr_t,
           CASE WHEN ph_text(sq_name) THEN '' ELSE regexp_replace(sq_name, {_q(PUNCT_PATTERN)},
                '', 'g') END AS nm
    FROM r0),
k AS (
    SELECT *, CASE WHEN idn = '' OR idn IN ('无', 'NULL', 'NONE', '不详', '未知', '/', '-')
                   THEN NULL ELSE {_kind_sql()} END AS kind,
           CASE WHEN length(md) = 13 AND md[1:2] = '86' THEN md[3:]
                WHEN length(md) = 15 AND md[1:4] = '0086' THEN md[5:] ELSE md END AS m1,
           regexp_extract(addr_t, '{prov_re}', 1) AS p_short,
           regexp_replace(addr_t, '{prov_re}', '') AS a1
    FROM r),
i0 AS (
    SELECT *, CASE WHEN kind = '{I.RESIDENT}' AND regexp_full_match(idn, '[0-9]{{15}}')
                   THEN idn[1:6] || '19' || idn[7:] END AS body15
    FROM k),
i AS (
    SELECT *, CASE WHEN body15 IS NOT NULL THEN body15 || id_check(body15) ELSE idn END AS num
    FROM i0),
v AS (
    SELECT *,
      CASE kind
        WHEN '{I.RESIDENT}' THEN CASE
          WHEN NOT regexp_full_match(num, '[0-9]{{17}}[0-9X]') THEN '身份证号码应为 18 位 (或 15 位) 数字'
          WHEN ph_id(num) THEN '身份证号码是占位值'
          WHEN coalesce(try_strptime(num[7:14], '%Y%m%d')::DATE NOT BETWEEN DATE '1900-01-01'
               AND current_date, true) THEN '身份证号码中的出生日期无效'
          WHEN id_check(num[1:17]) <> num[18] THEN '身份证号码校验位错误' END
        WHEN '{I.USCC}' THEN CASE
          WHEN NOT regexp_full_match(num, '[{I.USCC_CHARS}]{{18}}')
            THEN '统一社会信用代码应为 18 位 (不含 I、O、Z、S、V)'
          WHEN ph_id(num) THEN '统一社会信用代码是占位值'
          WHEN uscc_check(num[1:17]) <> num[18] THEN '统一社会信用代码校验码错误' END
        WHEN '{I.ORG}' THEN CASE
          WHEN NOT regexp_full_match(num, '[0-9A-Z]{{8}}[0-9X]')
            THEN '组织机构代码应为 9 位 (8 位本体 + 校验码)'
          WHEN ph_id(num) THEN '组织机构代码是占位值'
          WHEN org_check(num[1:8]) <> num[9] THEN '组织机构代码校验码错误' END
        ELSE CASE WHEN ph_id(num) OR length(num) < 5
          THEN coalesce(nullif(trim(hw(id_type)), ''), '其他证件') || '号码是占位值或过短' END
      END AS problem,
      CASE p_short {prov_full} ELSE '' END AS province
    FROM i),
c AS (
    SELECT *,
      CASE WHEN p_short IN {munis} THEN province
           WHEN regexp_matches(a1, '^({bare})') THEN regexp_extract(a1, '^({bare})', 1) || '市'
           ELSE regexp_extract(a1, '^(.{{2,7}}?(自治州|地区|盟|市))', 1) END AS city0,
      CASE WHEN p_short IN {munis} THEN regexp_replace(CASE WHEN starts_with(a1, province)
                THEN a1[length(province) + 1:] ELSE a1 END, '^市辖区', '')
           WHEN regexp_matches(a1, '^({bare})') THEN regexp_replace(a1, '^({bare})市?', '')
           ELSE regexp_replace(a1, '^(.{{2,7}}?(自治州|地区|盟|市))', '') END AS a2
    FROM v),
d AS (
    SELECT *, CASE WHEN city0 = '' THEN '' ELSE
              regexp_extract(a2, '^(.{{1,6}}?(新区|区|县|旗|市)).', 1) END AS district0
    FROM c)
SELECT customer_code, coalesce(source_system, '') AS source_system, is_company,
    nullif(CASE WHEN is_company THEN CASE WHEN length(regexp_replace(nm, '{suffixes}', '')) >= 2
         THEN regexp_replace(nm, '{suffixes}', '') ELSE nm END ELSE nm END, '') AS name_key,
    kind AS id_kind, CASE WHEN kind IS NOT NULL THEN num END AS id_no,
    kind IS NOT NULL AND problem IS NULL AS id_valid,
    CASE WHEN kind IS NOT NULL AND problem IS NULL THEN
      CASE WHEN is_company AND kind = '{I.ORG}' THEN '{I.ORG}:' || num
           WHEN is_company AND kind = '{I.USCC}' AND org_check(num[9:16]) = num[17]
             THEN '{I.ORG}:' || num[9:17]
           ELSE kind || ':' || num END END AS id_key,
    CASE WHEN kind IS NOT NULL THEN problem END AS id_problem,
    CASE WHEN kind = '{I.RESIDENT}' AND problem IS NULL THEN try_strptime(num[7:14], '%Y%m%d')::DATE
         ELSE try_strptime(left(birthday, 10), '%Y-%m-%d')::DATE END AS birth,
    CASE WHEN kind = '{I.RESIDENT}' AND regexp_full_match(num, '[0-9]{{17}}[0-9X]')
         THEN CASE WHEN (ascii(num[17]) - 48) % 2 = 1 THEN '男' ELSE '女' END END AS sex,
    CASE WHEN mobile_ok(m1) THEN m1 WHEN m1 = '' AND length(pd) = 11 AND mobile_ok(pd) THEN pd
         END AS mobile,
    m1 <> '' AND NOT mobile_ok(m1) AS mobile_bad,
    CASE WHEN regexp_full_match(pd, '1[3-9][0-9]{{9}}') THEN NULL
         WHEN length(pd) >= 7 AND NOT (one_char(pd) OR one_char(pd[4:])
              OR contains('012345678901234567890', pd)) THEN pd END AS phone,
    pd <> '' AND NOT (regexp_full_match(pd, '1[3-9][0-9]{{9}}') AND mobile_ok(pd))
         AND NOT (length(pd) >= 7 AND NOT (one_char(pd) OR one_char(pd[4:])
              OR contains('012345678901234567890', pd))) AS phone_bad,
    nullif(CASE WHEN province = '' AND city0 <> ''
         THEN CASE left(city0, length(city0) - 1) {city_prov} ELSE '' END
         ELSE province END, '') AS province,
    nullif(city0, '') AS city, nullif(district0, '') AS district,
    nullif(CASE WHEN district0 <> '' THEN a2[length(district0) + 1:] ELSE a2 END, '') AS addr_rest,
    nullif(addr_t, '') AS addr_raw,
    nullif(squeeze(branch_code), '') AS branch_code
FROM d"""
