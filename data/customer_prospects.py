"""Prospects of the work log as customer records of the source system 工作日志, in every
store that is built (generated, imported, T+1): a prospect a salesperson entered on the
spot goes through customer resolution like a record of 核心 or 电销, so one that is an
existing customer (same 证件号, or 姓名 + 手机) joins that master customer and a new one
gets a 统一客户号 of its own.

``add_prospects`` writes the records before the resolution; ``scope_prospects`` then
gives each master customer holding one the author's branch, 科室 and person, as a
policy handled there would (a prospect has no business yet, and without them a new
prospect would be in nobody's scope but the company's).
"""

from __future__ import annotations

import logging
import re

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from data.customers.names import COMPANY_SUFFIXES
from data.settings import Settings
from ops import db as ops_db
from ops.worklog_prospects import SOURCE_SYSTEM, Prospect, read_prospects

log = logging.getLogger("data.build")
_COMPANY = re.compile("(" + "|".join(COMPANY_SUFFIXES) + ")$")
# The author of each prospect record, for the scope step after the resolution.
AUTHORS = "_prospect_authors"


def _read(settings: Settings) -> list[Prospect]:
    """The prospects of the operational store; none where there is none (a first demo
    generation) or where it has no work log yet."""
    db = settings.users_db
    if ops_db.not_made_yet(db):
        return []
    try:
        with ops_db.read(db) as con:
            return read_prospects(con)
    except SQLAlchemyError as exc:
        log.warning("operational store not read (%s): no prospects of the work log",
                    type(exc).__name__)
        return []


def _kind(p: Prospect) -> str:
    return "单位" if p.prospect_kind == "集团客户" or _COMPANY.search(p.customer_name) else "个人"


def _id(p: Prospect, kind: str) -> tuple[str, str]:
    """(证件类型, 证件号码) as the importer wants them: a number's type by its shape, and
    without a number the type of the kind with 无 (as 电销 records have it)."""
    number = p.id_no or ""
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", number):
        return "身份证", number
    if len(number) in (18, 9):
        return ("统一社会信用代码" if len(number) == 18 else "组织机构代码"), number
    if number:
        return "其他证件", number
    return ("统一社会信用代码" if kind == "单位" else "身份证"), "无"


def _phones(phone: str | None) -> tuple[str | None, str | None]:
    """(固话, 手机): an 11-digit number starting 1 is a mobile."""
    digits = re.sub(r"\D", "", phone or "")
    if re.fullmatch(r"(86)?1[3-9]\d{9}", digits):
        return None, phone
    return phone, None


def add_prospects(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Append the work log's prospects to ``customer`` (codes the loaded files already
    hold are left to them); returns the records added."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {AUTHORS} (customer_code VARCHAR, "
                "staff_id INTEGER, dept_id INTEGER, branch_id INTEGER)")
    prospects = _read(settings)
    if not prospects:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE _prospects_in (customer_code VARCHAR, "
                "customer_name VARCHAR, customer_kind VARCHAR, id_type VARCHAR, id_no VARCHAR, "
                "phone VARCHAR, mobile VARCHAR, staff_id INTEGER, dept_id INTEGER, "
                "branch_id INTEGER)")
    con.executemany("INSERT INTO _prospects_in VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(p.customer_code, p.customer_name, _kind(p), *_id(p, _kind(p)),
                      *_phones(p.phone), p.staff_id, p.dept_id, p.branch_id)
                     for p in prospects])
    added = con.execute("""
        INSERT INTO customer (customer_id, customer_code, customer_name, customer_kind,
                              id_type, id_no, phone, mobile, source_system)
        SELECT (SELECT coalesce(max(customer_id), 0) FROM customer)
                   + row_number() OVER (ORDER BY i.customer_code),
               i.customer_code, i.customer_name, i.customer_kind, i.id_type, i.id_no, i.phone,
               i.mobile, ?
        FROM _prospects_in i
        WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.customer_code = i.customer_code)
        """, [SOURCE_SYSTEM]).fetchone()
    con.execute(f"INSERT INTO {AUTHORS} SELECT customer_code, staff_id, dept_id, branch_id "
                "FROM _prospects_in")
    con.execute("DROP TABLE _prospects_in")
    count = int(added[0]) if added else 0
    log.info("work-log prospects added as customer records: %d of %d", count, len(prospects))
    return count


def _with(column: str, value: str) -> str:
    return f"list_sort(list_distinct(list_concat({column}, {value})))"


def scope_prospects(con: duckdb.DuckDBPyConnection) -> None:
    """Add each prospect's author (branch, 科室, person) to the scope lists of the
    master customer its record joined, and of the review and cleansing rows naming it;
    a master with no business of its own takes the author's branch as its home."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _prospect_scope AS
        SELECT c.master_no,
               coalesce(list(DISTINCT a.branch_id) FILTER (a.branch_id IS NOT NULL), []) AS b,
               coalesce(list(DISTINCT a.dept_id) FILTER (a.dept_id IS NOT NULL), []) AS d,
               coalesce(list(DISTINCT a.staff_id) FILTER (a.staff_id IS NOT NULL), []) AS h,
               min(a.branch_id) AS home
        FROM {AUTHORS} a JOIN customer c ON c.customer_code = a.customer_code
         AND c.source_system = '{SOURCE_SYSTEM}'
        WHERE c.master_no IS NOT NULL GROUP BY c.master_no""")
    lists = (f"branch_ids = {_with('branch_ids', 's.b')}, "
             f"dept_ids = {_with('dept_ids', 's.d')}, "
             f"handler_ids = {_with('handler_ids', 's.h')}")
    con.execute(f"""UPDATE customer_master SET {lists},
                        branch_id = coalesce(customer_master.branch_id, s.home)
                    FROM _prospect_scope s WHERE s.master_no = customer_master.master_no""")
    con.execute(f"""UPDATE customer_issue SET {lists}
                    FROM _prospect_scope s WHERE s.master_no = customer_issue.master_no""")
    for side in ("l", "r"):
        con.execute(f"""UPDATE customer_suspect SET {lists} FROM _prospect_scope s
                        WHERE s.master_no = customer_suspect.master_no_{side}""")
    con.execute("DROP TABLE _prospect_scope")
    con.execute(f"DROP TABLE {AUTHORS}")
