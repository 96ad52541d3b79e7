"""The importer's checks of one staged row, as SQL over the text of ``stg_<entity>``:
each is (column, condition marking a bad row, reason), counted in one scan per file
(``data.importer.validate``). Also the checks across files that no reference join sees: a
department belongs to the branch a row names with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from data.layout import SQL_TYPES, Entity
from data.settings import Settings

# Amounts in the home currency convert at 1: they need no rate.
HOME_CURRENCY = "CNY"
# Decimal places a value of the type may carry; more is refused, not rounded.
PLACES = {"money": 2, "rate": 6}
MONEY_MAX = "9999999999999999.99"  # DECIMAL(18,2)
TYPE_WORDS = {"int": "整数", "date": "日期 (YYYY-MM-DD)", "money": "金额", "rate": "汇率",
              "bool": "是否值 (true/false)"}


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date

    @classmethod
    def of(cls, settings: Settings) -> DateRange:
        return cls(settings.import_date_min, settings.import_date_max)

    def sql(self, expr: str) -> str:
        return f"{expr} BETWEEN DATE '{self.first}' AND DATE '{self.last}'"


def typed(f_type: str, column: str) -> str:
    if f_type == "bool":
        return f"TRY_CAST({column} AS BOOLEAN)"
    if f_type == "date":
        # ISO dates only: 2026-02-30 and 2026/2/3 are refused, not guessed.
        return f"TRY_STRPTIME({column}, '%Y-%m-%d')::DATE"
    return f"TRY_CAST({column} AS {SQL_TYPES[f_type]})"


def checked(entity: Entity, rows: int | None = None) -> str:
    """``stg_<entity>`` with each typed column cast once (``<col>__t``), aliased ``s``:
    the checks below read those instead of casting the text again in every condition.
    ``rows``: the first ones only.
    """
    extra = []
    for f in entity.fields:
        if f.type != "text":
            extra.append(f"{typed(f.type, f.name)} AS {f.name}__t")
    source = f"(SELECT * FROM stg_{entity.name} LIMIT {int(rows)})" if rows else \
        f"stg_{entity.name}"
    return f"(SELECT *{''.join(', ' + e for e in extra)} FROM {source}) s"


def row_checks(entity: Entity, dates: DateRange) -> list[tuple[str, str, str]]:
    """(column, SQL condition that marks a bad row, reason) for one staged entity, over
    ``checked(entity)``."""
    checks = []
    labels = {f.name: f.label for f in entity.fields}
    for f in entity.fields:
        c, t = f.name, f"{f.name}__t"
        if f.required:
            checks.append((c, f"{c} IS NULL", f"必填项为空: {f.label}"))
        if f.type == "text":
            # A NUL byte read into a code would match nothing and blame the rows naming it.
            checks.append((c, f"contains({c}, chr(0))", f"{f.label} 含有空字符 (NUL, 0x00)"))
        elif f.type in PLACES:
            # A number the column cannot hold still reads as a double; the decimals are
            # counted in the text (trailing zeros aside): the cast would round them.
            places, number = PLACES[f.type], f"TRY_CAST({c} AS DOUBLE)"
            checks.append((c, f"{c} IS NOT NULL AND {t} IS NULL AND {number} IS NULL",
                           f"{f.label} 不是有效的{TYPE_WORDS[f.type]}"))
            checks.append((c, f"{c} IS NOT NULL AND {t} IS NULL AND {number} IS NOT NULL",
                           f"{f.label} 超出范围 (最大 {MONEY_MAX})" if f.type == "money"
                           else f"{f.label} 超出范围"))
            beyond = "." + "_" * (places + 1)
            checks.append((c, f"{c} LIKE '%{beyond}%' AND {t} IS NOT NULL AND "
                              f"length(rtrim({c}, '0')) - strpos({c}, '.') > {places}",
                           f"{f.label} 最多 {places} 位小数"))
        elif f.type == "date":
            # Year 0000 parses as 1 BC: not a date either.
            checks.append((c, f"{c} IS NOT NULL AND ({t} IS NULL OR {t} < DATE '0001-01-01')",
                           f"{f.label} 不是有效的{TYPE_WORDS['date']}"))
            checks.append((c, f"{t} >= DATE '0001-01-01' AND NOT {dates.sql(t)}",
                           f"{f.label} 超出合理范围 ({dates.first} 至 {dates.last})"))
        else:
            checks.append((c, f"{c} IS NOT NULL AND {t} IS NULL",
                           f"{f.label} 不是有效的{TYPE_WORDS[f.type]}"))
        if f.codes:
            allowed = ", ".join("'" + v + "'" for v in f.codes)
            checks.append((c, f"{c} IS NOT NULL AND {c} NOT IN ({allowed})",
                           f"{f.label} 只能是 {' / '.join(f.codes)}"))
        if f.non_negative:
            checks.append((c, f"{t} < 0", f"{f.label} 不能为负数"))
    for earlier, later in entity.dates_in_order:
        a, b = f"{earlier}__t", f"{later}__t"
        # Only between two plausible dates: a broken one is reported as itself.
        checks.append((later, f"{a} > {b} AND {dates.sql(a)} AND {dates.sql(b)}",
                       f"{labels[later]} 早于 {labels[earlier]}"))
    return checks


# (entity, its department column, its branch column): the department must belong to
# that branch, or branch and department scopes disagree about the same row.
ORG_PAIRS = (("staff", "dept_code", "branch_code"), ("policy", "dept_code", "branch_code"),
             ("proposal", "dept_code", "branch_code"))


def org_mismatch_sql(entity: str, dept: str, branch: str) -> str:
    """Rejects (entity, line, column, value, reason) of rows whose department is in
    another branch than the row names."""
    return f"""SELECT '{entity}', s.line_, '{dept}', s.{dept},
               '归属机构 ' || s.{dept} || ' 属于支公司 ' || d.branch_code
               || ', 与本行的支公司 ' || s.{branch} || ' 不一致'
        FROM stg_{entity} s JOIN stg_department d ON d.dept_code = s.{dept}
        WHERE s.{branch} IS NOT NULL AND d.branch_code IS DISTINCT FROM s.{branch}"""


def lit(text: str) -> str:
    """A SQL string literal (quotes doubled): folder and file names are not trusted."""
    return "'" + text.replace("'", "''") + "'"


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
            ) -> tuple[Any, ...]:
    """The one row of an aggregate ``sql`` (a count always answers one)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise ValueError(f"no row from {sql[:60]!r}")
    return row
