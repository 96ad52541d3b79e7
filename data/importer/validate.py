"""Validation of the staged files, as SQL in the scratch database: every row's checks
counted in one scan per file (``data.importer.checks``), the failing rows listed into the
reject sink, references by business key, departments in their rows' branches, and a rate
for every foreign amount to convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from data.importer.checks import (
    HOME_CURRENCY,
    MONEY_MAX,
    ORG_PAIRS,
    DateRange,
    checked,
    one_row,
    org_mismatch_sql,
    row_checks,
    typed,
)
from data.importer.rejects import FileProblem, RejectSink, duck_reason
from data.layout import BY_NAME, ENTITIES, Entity, Ref
from data.settings import Settings


def validate(con: duckdb.DuckDBPyConnection, files: dict[str, Path], settings: Settings
             ) -> RejectSink:
    """Fill ``rejects_`` (entity, line, column, value, reason) for the staged entities.

    One scan per file counts the rows failing each check; only the checks that fail
    scan again to list their rows, at most ``import_max_errors`` per file (the rest is
    counted). A file that cannot be read to its end (a damaged Parquet page) is a
    ``FileProblem`` naming it. References are not checked here: the same scan counts
    each reference a file sets (``ref_present_``), for the build's own joins to verify
    (``fill_from_staging``), or ``check_references`` lists them.
    """
    sink = RejectSink(con, settings.import_max_errors, fresh=True)
    con.execute("CREATE OR REPLACE TABLE ref_present_ (entity VARCHAR, id_column VARCHAR, "
                "present BIGINT)")
    dates = DateRange.of(settings)
    for entity in ENTITIES:
        table = f"stg_{entity.name}"
        checks = row_checks(entity, dates)
        key = ", ".join(entity.key)
        present = [f"count(*) FILTER (WHERE {_ref_present(ref)})" for ref in entity.refs]
        try:
            if _junk(con, sink, entity, checks):
                continue
            counts = one_row(
                con,
                f"SELECT {', '.join(f'count(*) FILTER (WHERE {bad})' for _, bad, _ in checks)}"
                f", {''.join(p + ', ' for p in present)}"
                f"count(*) - count(DISTINCT ({key},)) FROM {checked(entity)}")
        except duckdb.Error as exc:
            file = files[entity.name].name if entity.name in files else f"{entity.name}"
            reason = duck_reason(str(exc))
            if file.endswith(".parquet"):  # its footer read well: the data under it did not
                reason = reason.replace("文件无法读取", "文件无法读取 (Parquet 数据已损坏)", 1)
            raise FileProblem(file, reason) from exc
        for ref, n in zip(entity.refs, counts[len(checks):-1], strict=True):
            con.execute("INSERT INTO ref_present_ VALUES (?, ?, ?)",
                        [entity.name, ref.id_column, n])
        for (column, bad, reason), failing in zip(checks, counts, strict=False):
            if failing:
                sink.add(entity.name, f"SELECT '{entity.name}', line_, '{column}', "
                         f"{column}, ?::VARCHAR FROM {checked(entity)} WHERE {bad}", [reason],
                         failing)
        if counts[-1]:
            # Every row of a key after its first, by a join: a window over a file of
            # junk lines that share one key sorted them all in one thread.
            same = " AND ".join(f"s.{k} IS NOT DISTINCT FROM d.{k}" for k in entity.key)
            sink.add(entity.name, f"""
                WITH d AS (SELECT {key}, min(line_) AS first_ FROM {table} GROUP BY {key}
                           HAVING count(*) > 1)
                SELECT '{entity.name}', s.line_, '{entity.key[0]}',
                       concat_ws('|', {', '.join('s.' + k for k in entity.key)}), ?::VARCHAR
                FROM {table} s JOIN d ON {same} WHERE s.line_ > d.first_""",
                     [f"重复的业务键 ({', '.join(entity.key)}): 同一键在文件中出现多次"],
                     counts[-1])
    for name, dept, branch in ORG_PAIRS:
        if not sink.full(name):
            sink.add(name, org_mismatch_sql(name, dept, branch))
    check_rates(con, sink)
    return sink


PROBE_ROWS = 10_000


def _junk(con: duckdb.DuckDBPyConnection, sink: RejectSink, entity: Entity,
          checks: list[tuple[str, str, str]]) -> bool:
    """A file whose first rows alone fail more checks than may be listed is junk: those
    problems are listed and counted, the rest of the file is not checked (a failing
    cast costs far more than a good one: millions of them took minutes)."""
    source = checked(entity, PROBE_ROWS)
    filters = ", ".join(f"count(*) FILTER (WHERE {bad})" for _, bad, _ in checks)
    counts = one_row(con, f"SELECT {filters} FROM {source}")
    if sum(counts) <= sink.limit:
        return False
    for (column, bad, reason), failing in zip(checks, counts, strict=True):
        if failing:
            sink.add(entity.name, f"SELECT '{entity.name}', line_, '{column}', {column}, "
                     f"?::VARCHAR FROM {source} WHERE {bad}", [reason], failing)
    sink.stopped(entity.name, PROBE_ROWS)
    return True


def _ref_present(ref: Ref) -> str:
    """The staged row (``s``) sets this reference: a composite one by its last column
    (the term), the others following; an endorsement number may stay empty."""
    here = " AND ".join(f"s.{c} IS NOT NULL" for c in ref.columns
                        if c not in ("endorsement_no",)) or "TRUE"
    return f"s.{ref.columns[-1]} IS NOT NULL AND {here}"


def check_references(con: duckdb.DuckDBPyConnection, sink: RejectSink,
                     exclude_rejected: bool = False) -> int:
    """References by business key to rows present in the files; returns rejects added.
    A file that reached the most problems listed is not checked further."""
    before = sink.count()
    for entity in ENTITIES:
        for ref in entity.refs:
            if sink.full(entity.name):
                break
            target = BY_NAME[ref.entity]
            if sink.full(target.name):  # junk: nothing to find in it
                continue
            present = _ref_present(ref)
            join = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{c}"
                                for c, k in zip(ref.columns, ref.keys, strict=True))
            alive = "WHERE line_ NOT IN (SELECT line FROM rejects_ WHERE entity = " \
                    f"'{target.name}')" if exclude_rejected else ""
            reason = (f"引用不存在: {'+'.join(ref.columns)} 在 {target.name} "
                      f"({target.label}) 中找不到")
            # An ANTI JOIN, not NOT EXISTS: DuckDB plans the correlated form with a pass
            # over the distinct outer keys first (10 M receivables: 5.5 s against 2.5 s).
            sink.add(entity.name, f"""
                SELECT '{entity.name}', s.line_, '{ref.columns[-1]}',
                       concat_ws('|', {', '.join('s.' + c for c in ref.columns)}), ?::VARCHAR
                FROM stg_{entity.name} s
                ANTI JOIN (SELECT {', '.join(ref.keys)} FROM stg_{target.name} {alive}) t
                     ON {join}
                WHERE {present}
                  AND s.line_ NOT IN (SELECT line FROM rejects_ WHERE entity = '{entity.name}'
                                       AND reason = ?)""", [reason, reason])
    return sink.count() - before


def check_rates(con: duckdb.DuckDBPyConnection, sink: RejectSink) -> None:
    """A foreign amount without its CNY twin needs a rate on or before its date (the home
    currency converts at 1); converted, it must still fit the amount column."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE first_rate_ AS SELECT currency_code, "
                f"min({typed('date', 'rate_date')}) AS first_date, "
                f"max(TRY_CAST(rate_to_cny AS DECIMAL(18,6))) AS top_rate "
                "FROM stg_exchange_rate GROUP BY currency_code")
    for entity in ENTITIES:
        for conv in _converted(entity):
            if sink.full(entity.name):
                break
            day = typed("date", "s." + conv.date)
            amount = typed("money", "s." + conv.amount)
            sink.add(entity.name, f"""
                SELECT '{entity.name}', s.line_, '{conv.cny}', s.currency_code || ' ' ||
                       s.{conv.date}, ?::VARCHAR
                FROM stg_{entity.name} s LEFT JOIN first_rate_ r USING (currency_code)
                WHERE s.{conv.cny} IS NULL AND s.{conv.amount} IS NOT NULL
                  AND s.currency_code IS DISTINCT FROM '{HOME_CURRENCY}'
                  AND {day} IS NOT NULL AND (r.first_date IS NULL OR r.first_date > {day})""",
                     [f"没有 {conv.date} 当日或之前的兑换率, 无法折算人民币"])
            sink.add(entity.name, f"""
                SELECT '{entity.name}', s.line_, '{conv.amount}', s.{conv.amount},
                       ?::VARCHAR
                FROM stg_{entity.name} s JOIN first_rate_ r USING (currency_code)
                WHERE s.{conv.cny} IS NULL
                  AND s.currency_code IS DISTINCT FROM '{HOME_CURRENCY}'
                  AND abs(CAST({amount} AS DECIMAL(38,2))) * r.top_rate
                      > {MONEY_MAX}""",
                     [f"折人民币后超出金额范围 (最大 {MONEY_MAX})"])


def _converted(entity: Entity) -> tuple[Any, ...]:
    return entity.converted
