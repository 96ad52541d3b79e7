"""The probabilistic pass: a Splink (Fellegi-Sunter) model on DuckDB over the normalised
records, with character-aware comparisons.

DuckDB's string distances count UTF-8 bytes, so names are compared by their exact
characters, their pinyin (homophones), their sorted pinyin (swapped characters) and a
Jaro-Winkler on the ASCII pinyin; 证件号 by Hamming distance on ASCII digits (one mistyped
or two swapped digits; edit distances are two orders of magnitude slower in DuckDB).
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.exceptions import SplinkException

DEFAULT_MODEL_PATH = Path(__file__).with_name("model_default.json")
# Below this many records EM has too few pairs to learn from: score with the default model
# (trained on the synthetic book; regenerate with ``python -m data.customers.model``).
MIN_TRAIN_RECORDS = 20_000
MAX_BLOCK_MOBILE = 30  # a number on more records than this is an agent's or a placeholder

COMPARISONS: list[dict[str, Any]] = [
    {"output_column_name": "name", "comparison_levels": [
        {"sql_condition": "name_key_l IS NULL OR name_key_r IS NULL", "is_null_level": True},
        {"sql_condition": "name_key_l = name_key_r", "label_for_charts": "姓名相同",
         "tf_adjustment_column": "name_key", "tf_adjustment_weight": 0.5},
        {"sql_condition": "name_py_l = name_py_r", "label_for_charts": "姓名同音"},
        {"sql_condition": "name_sorted_l = name_sorted_r", "label_for_charts": "姓名字序颠倒"},
        {"sql_condition": "ELSE", "label_for_charts": "姓名不同"},
    ]},
    {"output_column_name": "id", "comparison_levels": [
        {"sql_condition": "id_no_l IS NULL OR id_no_r IS NULL", "is_null_level": True},
        {"sql_condition": "id_no_l = id_no_r", "label_for_charts": "证件号相同"},
        {"sql_condition": "length(id_no_l) = length(id_no_r) AND hamming(id_no_l, id_no_r) <= 2",
         "label_for_charts": "证件号差一两位"},
        {"sql_condition": "id_no_l[7:14] = id_no_r[7:14]",
         "label_for_charts": "证件号出生日期段相同"},
        {"sql_condition": "ELSE", "label_for_charts": "证件号不同"},
    ]},
    {"output_column_name": "birth", "comparison_levels": [
        {"sql_condition": "birth_l IS NULL OR birth_r IS NULL", "is_null_level": True},
        {"sql_condition": "birth_l = birth_r", "label_for_charts": "出生日期相同"},
        {"sql_condition": "ELSE", "label_for_charts": "出生日期不同"},
    ]},
    {"output_column_name": "mobile", "comparison_levels": [
        {"sql_condition": "mobile_l IS NULL OR mobile_r IS NULL", "is_null_level": True},
        {"sql_condition": "mobile_l = mobile_r", "label_for_charts": "手机相同",
         "tf_adjustment_column": "mobile", "tf_adjustment_weight": 0.5},
        {"sql_condition": "ELSE", "label_for_charts": "手机不同"},
    ]},
    {"output_column_name": "address", "comparison_levels": [
        {"sql_condition": "addr_key_l IS NULL OR addr_key_r IS NULL", "is_null_level": True},
        {"sql_condition": "addr_key_l = addr_key_r", "label_for_charts": "地址相同"},
        {"sql_condition": "addr_rest_l = addr_rest_r AND city_l = city_r",
         "label_for_charts": "同城街道门牌相同"},
        {"sql_condition": "district_l = district_r AND city_l = city_r",
         "label_for_charts": "同区县"},
        {"sql_condition": "city_l = city_r", "label_for_charts": "同城市"},
        {"sql_condition": "ELSE", "label_for_charts": "地址不同"},
    ]},
    {"output_column_name": "branch", "comparison_levels": [
        {"sql_condition": "branch_code_l IS NULL OR branch_code_r IS NULL",
         "is_null_level": True},
        {"sql_condition": "branch_code_l = branch_code_r", "label_for_charts": "出单机构相同"},
        {"sql_condition": "ELSE", "label_for_charts": "出单机构不同"},
    ]},
]

# Every candidate pair: same kind of customer, not already one customer by the rules, not
# two different valid IDs of one kind, and (on an incremental day) touching a changed record.
PAIR_FILTER = ("l.is_company = r.is_company AND l.det <> r.det AND l.todo + r.todo > 0 "
               "AND NOT coalesce(l.id_class = r.id_class AND l.id_key <> r.id_key, false)")
BLOCKS = (
    "l.mobile_blk = r.mobile_blk",
    "l.name_py = r.name_py AND l.birth = r.birth",
    "l.name_py = r.name_py AND l.city = r.city AND l.district = r.district",
    "l.name_sorted = r.name_sorted AND l.birth = r.birth",
    "l.name_py = r.name_py AND l.is_company AND r.is_company",
)
# The key of each block, with the condition a record must meet to take part in it.
BLOCK_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("mobile_blk",), "true"), (("name_py", "birth"), "true"),
    (("name_py", "city", "district"), "true"), (("name_sorted", "birth"), "true"),
    (("name_py",), "is_company"))


def _settings(blocks: tuple[str, ...] = BLOCKS) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rid",
        comparisons=list(COMPARISONS),
        # SQL text is taken too (splink makes each a rule); its annotation names the types only.
        blocking_rules_to_generate_predictions=[f"{b} AND {PAIR_FILTER}" for b in blocks],  # type: ignore[misc]
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def _quiet() -> None:
    logging.getLogger("splink").setLevel(logging.ERROR)


def train_and_score(con: duckdb.DuckDBPyConnection, input_table: str, review_threshold: float,
                    sample_pairs: float, out_table: str) -> dict[str, Any]:
    """Train on ``input_table`` (u by random sampling, m by EM on two blockings), score its
    candidate pairs into ``out_table`` (rid_l, rid_r, match_probability, match_weight,
    gamma_*), and return the trained model for incremental days."""
    _quiet()
    db_api = DuckDBAPI(con)
    sdf = db_api.register(input_table, table_name="cust_model_input")
    linker = Linker(sdf, _settings(), log_level=None)
    try:
        linker.training.estimate_probability_two_random_records_match(
            ["l.id_key = r.id_key", "l.name_key = r.name_key AND l.mobile = r.mobile"],
            recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=sample_pairs)
        for rule in ("l.mobile_blk = r.mobile_blk",
                     "l.name_py = r.name_py AND l.birth = r.birth"):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=sample_pairs)
    except SplinkException as exc:
        # A book with too few duplicates to learn from (no shared mobiles, …).
        logging.getLogger(__name__).warning("模型训练失败，改用默认模型: %s", exc)
        linker.table_management.delete_tables_created_by_splink_from_db()
        score_with_model(con, input_table, default_model(), review_threshold, out_table)
        return default_model()
    _predict(linker, con, review_threshold, out_table)
    return linker.misc.save_model_to_json()


SMALL_INPUT = 5_000


def _no_candidates(con: duckdb.DuckDBPyConnection, input_table: str, out_table: str) -> bool:
    """A small book whose blocking gives no candidate pair gets an empty ``out_table``
    without starting Splink (a store of a handful of customers, as tests build)."""
    if con.execute(f"SELECT count(*) FROM {input_table}").fetchall()[0][0] > SMALL_INPUT:
        return False
    blocks = " OR ".join(f"({b})" for b in BLOCKS)
    found = con.execute(f"""SELECT count(*) FROM {input_table} l JOIN {input_table} r
        ON l.rid < r.rid AND ({blocks}) AND {PAIR_FILTER}""").fetchall()[0][0]
    if found:
        return False
    weights = ", ".join(f"NULL::DOUBLE AS mw_{c['output_column_name']}" for c in COMPARISONS)
    con.execute(f"CREATE OR REPLACE TABLE {out_table} AS SELECT NULL::BIGINT AS rid_l, "
                f"NULL::BIGINT AS rid_r, NULL::DOUBLE AS match_probability, "
                f"NULL::DOUBLE AS match_weight, {weights} LIMIT 0")
    return True


def score_with_model(con: duckdb.DuckDBPyConnection, input_table: str, model: dict[str, Any],
                     review_threshold: float, out_table: str) -> None:
    """Score candidate pairs of ``input_table`` with a model trained on an earlier load."""
    if _no_candidates(con, input_table, out_table):
        return
    _quiet()
    db_api = DuckDBAPI(con)
    sdf = db_api.register(input_table, table_name="cust_model_input")
    # The model was checked when it was trained (or shipped): no validation per load.
    linker = Linker(sdf, model, log_level=None, validate_settings=False)
    _predict(linker, con, review_threshold, out_table)


def _predict(linker: Linker, con: duckdb.DuckDBPyConnection, threshold: float,
             out_table: str) -> None:
    scored = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    weights = ", ".join(f"mw_{c['output_column_name']}" for c in COMPARISONS)
    con.execute(f"CREATE OR REPLACE TABLE {out_table} AS SELECT least(rid_l, rid_r) AS rid_l, "
                f"greatest(rid_l, rid_r) AS rid_r, match_probability, match_weight, {weights} "
                f"FROM {scored.physical_name}")
    linker.table_management.delete_tables_created_by_splink_from_db()


COMPARED_COLUMNS = ("name_key", "name_py", "name_sorted", "id_no", "birth", "mobile",
                    "addr_key", "addr_rest", "city", "district", "branch_code")


def level_case_sql(comparison: dict[str, Any]) -> str:
    """The comparison's levels as one CASE giving each pair its level's words."""
    def label(level: dict[str, Any]) -> str:
        return "缺失" if level.get("is_null_level") else level["label_for_charts"]

    whens = [f"WHEN {lv['sql_condition']} THEN '{label(lv)}'"
             for lv in comparison["comparison_levels"] if lv["sql_condition"] != "ELSE"]
    last = comparison["comparison_levels"][-1]["label_for_charts"]
    return f"CASE {' '.join(whens)} ELSE '{last}' END"


@cache
def _default_model_text() -> str:
    return DEFAULT_MODEL_PATH.read_text("utf-8")


def default_model() -> dict[str, Any]:
    return json.loads(_default_model_text())


def write_default_model(n_records: int = 200_000) -> None:
    """Train on a synthetic book and save the model used for small inputs."""
    import duckdb as _duckdb

    from data.customers.resolve import resolve
    from data.customers.synth import customer_set

    records, _, _ = customer_set(n_records, seed=11)
    con = _duckdb.connect()
    _, state = resolve(con, records, train=True)
    DEFAULT_MODEL_PATH.write_text(json.dumps(state.model, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    write_default_model()
