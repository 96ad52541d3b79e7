"""疑似客户: pairs the model scored between the review and the automatic threshold that
ended up in different customers, with the evidence a data steward needs."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from data.customers.model import COMPARED_COLUMNS, COMPARISONS, level_case_sql
from data.customers.rules import MatchConfig

FIELD_LABELS = {"name": "姓名", "id": "证件号", "birth": "出生日期", "mobile": "手机",
                "address": "地址", "branch": "出单机构"}


def suspects_table(con: duckdb.DuckDBPyConnection, p: str, config: MatchConfig) -> pa.Table:
    """One row per pair: both records and their current 统一客户号, the score, one column
    per field saying how it compares (and its weight of evidence), ``agree`` (fields whose
    comparison speaks for the match) and ``evidence`` (all comparisons in words)."""
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in COMPARED_COLUMNS)
    names = [c["output_column_name"] for c in COMPARISONS]
    levels = ", ".join(f"{level_case_sql(c)} AS {c['output_column_name']}_cmp"
                       for c in COMPARISONS)
    agree = ", ".join(f"CASE WHEN mw_{n} > 0 THEN '{FIELD_LABELS[n]}' END" for n in names)
    evidence = ", ".join(f"'{FIELD_LABELS[n]}:' || {n}_cmp" for n in names)
    return con.sql(f"""
        WITH pairs AS (
            SELECT s.*, ll.customer_code AS customer_code_l, ll.source_system AS source_system_l,
                   ll.master_no AS master_no_l, lr.customer_code AS customer_code_r,
                   lr.source_system AS source_system_r, lr.master_no AS master_no_r, {sides}
            FROM {p}_pairs s
            JOIN {p}_links ll ON ll.rk = s.rk_l JOIN {p}_links lr ON lr.rk = s.rk_r
            JOIN {p}_norm l ON l.rk = s.rk_l JOIN {p}_norm r ON r.rk = s.rk_r
            WHERE s.match_probability >= {config.review_threshold}
              AND (s.mw_name > 0 OR s.mw_id > 0)
              AND ll.master_no <> lr.master_no
              AND NOT EXISTS (SELECT 1 FROM {p}_apart a
                              WHERE (a.rk_a = s.rk_l AND a.rk_b = s.rk_r)
                                 OR (a.rk_a = s.rk_r AND a.rk_b = s.rk_l))),
        compared AS (SELECT *, {levels} FROM pairs)
        SELECT customer_code_l, source_system_l, master_no_l, customer_code_r, source_system_r,
               master_no_r, round(match_probability, 6) AS match_probability,
               round(match_weight, 3) AS match_weight,
               concat_ws('、', {agree}) AS agree, concat_ws('；', {evidence}) AS evidence,
               {", ".join(f"{n}_cmp, round(mw_{n}, 3) AS {n}_weight" for n in names)}
        FROM compared
        ORDER BY match_probability DESC, customer_code_l, customer_code_r""").to_arrow_table()
