"""The 工作日志 tables (plans, work notes and their expenses, approvals, forms, problems)
on the operational store's MetaData; ``docs/WORKLOG.md`` describes every column.

Every row carries its author's (or, for forms, its holder's) ``user_id``, ``staff_id``,
``dept_id`` and ``branch_id`` as they were when it was written, so the four-level scope
is a plain column filter and a later move of a user does not move their history.
Business dates are ``Date``; timestamps are ISO text in UTC like the audit's.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
)

from ops.tables import metadata

PLAN_KINDS = ("月计划", "日常工作计划")
PLAN_STATUSES = ("draft", "submitted", "approved", "returned")
PROSPECT_KINDS = ("间接客户", "代理客户", "集团客户")
EXPENSE_KINDS = ("交通", "招待", "礼品", "资料", "其他")
OUTCOMES = ("报价", "签单", "无")
APPROVAL_STEPS = ("submit", "approve", "return")
FORM_ACTIONS = ("领用", "使用", "作废", "归还")
PROBLEM_STATUSES = ("待处理", "处理中", "已解决")


def _money(name: str, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(name, Numeric(14, 2), nullable=nullable,
                  server_default=None if nullable else "0")


def _author() -> list[Column]:  # type: ignore[type-arg]
    """Who the row belongs to, copied at write time (the scope filter's columns)."""
    return [Column("user_id", Integer, nullable=False),
            Column("author_name", Text, nullable=False, server_default=""),
            Column("staff_id", Integer), Column("dept_id", Integer),
            Column("branch_id", Integer)]


def _in(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


def _scope_indexes(table: str, date_column: str) -> list[Index]:
    return [Index(f"{table}_{level}", level, date_column)
            for level in ("user_id", "dept_id", "branch_id")]


worklog_budgets = Table(
    "worklog_budgets", metadata,
    Column("budget_id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    _money("amount"),  # 年费用预算
    *_author(),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    UniqueConstraint("user_id", "year", name="uq_worklog_budgets_user_year"),
    sqlite_autoincrement=True,
)

worklog_plans = Table(
    "worklog_plans", metadata,
    Column("plan_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),  # 月计划 / 日常工作计划
    Column("start_date", Date, nullable=False),  # a 日常工作计划's day is start = end
    Column("end_date", Date, nullable=False),
    Column("purpose", Text, nullable=False, server_default=""),
    _money("planned_cost"),
    Column("status", Text, nullable=False, server_default="draft"),
    Column("reviewer_user_id", Integer),  # who it is submitted to / was reviewed by
    Column("reviewer_name", Text),
    Column("review_comment", Text),  # the reviewer's last word, shown to the author
    Column("submitted_at", Text),
    Column("reviewed_at", Text),
    *_author(),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    _in("kind", PLAN_KINDS, "worklog_plan_kind"),
    _in("status", PLAN_STATUSES, "worklog_plan_status"),
    CheckConstraint("end_date >= start_date", name="worklog_plan_period"),
    *_scope_indexes("worklog_plans", "start_date"),
    Index("worklog_plans_review", "reviewer_user_id", "status"),
    sqlite_autoincrement=True,
)

# The customers a plan is for: a customer of the analytical store (customer_code), or a
# prospect entered on the spot (prospect_kind with name, phone and perhaps its 证件号).
worklog_plan_customers = Table(
    "worklog_plan_customers", metadata,
    Column("plan_customer_id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("worklog_plans.plan_id"), nullable=False),
    Column("customer_code", Text),
    Column("customer_name", Text, nullable=False, server_default=""),
    Column("prospect_kind", Text),  # 间接客户 / 代理客户 / 集团客户, prospects only
    Column("prospect_phone", Text),
    Column("prospect_id_no", Text),  # 证件号 of a prospect, when the employee has it
    *_author(),
    CheckConstraint("customer_code IS NOT NULL OR prospect_kind IS NOT NULL",
                    name="worklog_plan_customer_known"),
    Index("worklog_plan_customers_plan", "plan_id"),
    Index("worklog_plan_customers_code", "customer_code"),
    sqlite_autoincrement=True,
)

# 工作记事: what happened, with its expense. A note of an approved plan is never changed:
# a new note with corrects_entry_id replaces it, and the old one gets superseded_by.
worklog_entries = Table(
    "worklog_entries", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_date", Date, nullable=False),
    Column("customer_code", Text),  # a customer of the analytical store, or NULL
    Column("customer_name", Text, nullable=False, server_default=""),  # its name / prospect
    Column("prospect_kind", Text),
    Column("content", Text, nullable=False, server_default=""),
    _money("expense_amount"),
    Column("expense_kind", Text),  # 交通 / 招待 / 礼品 / 资料 / 其他; NULL without expense
    Column("receipt_no", Text),
    Column("outcome", Text, nullable=False, server_default="无"),  # 报价 / 签单 / 无
    Column("policy_no", Text),
    Column("plan_id", Integer, ForeignKey("worklog_plans.plan_id")),
    Column("corrects_entry_id", Integer, ForeignKey("worklog_entries.entry_id")),
    Column("superseded_by", Integer),  # the correcting note's entry_id
    Column("deleted_at", Text),
    Column("deleted_by", Integer),  # user_id
    *_author(),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("expense_amount >= 0", name="worklog_entry_amount"),
    _in("outcome", OUTCOMES, "worklog_entry_outcome"),
    *_scope_indexes("worklog_entries", "entry_date"),
    Index("worklog_entries_plan", "plan_id"),
    Index("worklog_entries_customer", "customer_code"),
    Index("worklog_entries_receipt", "receipt_no"),
    sqlite_autoincrement=True,
)

# Every step of a plan's approval, oldest first; the author columns are the plan's.
worklog_approvals = Table(
    "worklog_approvals", metadata,
    Column("approval_id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("worklog_plans.plan_id"), nullable=False),
    Column("step", Text, nullable=False),  # submit / approve / return
    Column("by_user_id", Integer, nullable=False),
    Column("by_name", Text, nullable=False, server_default=""),
    Column("to_user_id", Integer),  # submit: the reviewer it went to
    Column("comment", Text, nullable=False, server_default=""),
    Column("at", Text, nullable=False),
    *_author(),
    _in("step", APPROVAL_STEPS, "worklog_approval_step"),
    Index("worklog_approvals_plan", "plan_id", "approval_id"),
    sqlite_autoincrement=True,
)

# 单证领用日志: one movement of blank forms of one holder (the author columns); the
# balance per holder and form type is Σ 领用 − Σ (使用 + 作废 + 归还) of form_count.
worklog_form_issues = Table(
    "worklog_form_issues", metadata,
    Column("form_issue_id", Integer, primary_key=True, autoincrement=True),
    Column("action_date", Date, nullable=False),
    Column("form_type", Text, nullable=False),  # e.g. 机动车保险单, 交强险标志
    Column("action", Text, nullable=False),  # 领用 / 使用 / 作废 / 归还
    Column("serial_from", Text, nullable=False, server_default=""),
    Column("serial_to", Text, nullable=False, server_default=""),
    Column("form_count", Integer, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_by", Integer, nullable=False),  # user_id of who wrote the row
    *_author(),
    Column("created_at", Text, nullable=False),
    _in("action", FORM_ACTIONS, "worklog_form_action"),
    CheckConstraint("form_count > 0", name="worklog_form_count"),
    *_scope_indexes("worklog_form_issues", "action_date"),
    sqlite_autoincrement=True,
)

# 待解决问题: raised by the author, handled by the assignee.
worklog_problems = Table(
    "worklog_problems", metadata,
    Column("problem_id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False, server_default=""),
    Column("assignee_user_id", Integer, nullable=False),
    Column("assignee_name", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="待处理"),
    *_author(),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("resolved_at", Text),
    _in("status", PROBLEM_STATUSES, "worklog_problem_status"),
    *_scope_indexes("worklog_problems", "created_at"),
    Index("worklog_problems_assignee", "assignee_user_id", "status"),
    sqlite_autoincrement=True,
)

# Replies to a problem; the author columns are the problem's (so scope filters alike).
worklog_problem_replies = Table(
    "worklog_problem_replies", metadata,
    Column("reply_id", Integer, primary_key=True, autoincrement=True),
    Column("problem_id", Integer, ForeignKey("worklog_problems.problem_id"), nullable=False),
    Column("by_user_id", Integer, nullable=False),
    Column("by_name", Text, nullable=False, server_default=""),
    Column("body", Text, nullable=False),
    Column("status_after", Text),  # the status the reply set, if it changed it
    Column("at", Text, nullable=False),
    *_author(),
    Index("worklog_problem_replies_problem", "problem_id", "reply_id"),
    sqlite_autoincrement=True,
)

# One row (settings_id = 1): what the administrator sets for every note.
worklog_settings = Table(
    "worklog_settings", metadata,
    Column("settings_id", Integer, primary_key=True),
    _money("expense_limit", nullable=True),  # per note; NULL = no limit
    Column("updated_at", Text),
    Column("updated_by", Integer),
)

# One row (counter_id = 1) whose version is bumped in the transaction of every write to
# the tables above: a reader compares it with the version it copied.
worklog_changes = Table(
    "worklog_changes", metadata,
    Column("counter_id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("changed_at", Text),
)

DEFAULT_EXPENSE_LIMIT = "5000.00"
