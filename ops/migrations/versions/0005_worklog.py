"""工作日志: budgets, plans and their customers, work notes with expenses, approval steps,
form movements, problems and replies, the administrator's settings row and the change
counter (ops/worklog_tables.py, docs/WORKLOG.md). Users of the four roles that keep a
work log (业务员, 科长, 支公司经理, 总经理) are granted its area, as their templates are.

Written out here as they were when the feature came in: a migration does not follow
later changes of the tables module.

Revision ID: 0005_worklog
Revises: 0004
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_worklog"
down_revision = "0004"
branch_labels = None
depends_on = None

DEFAULT_EXPENSE_LIMIT = "5000.00"
WORKLOG_GRANT = "area:worklog"
WORKLOG_ROLES = ("业务员", "科长", "支公司经理", "总经理")


def _grant_worklog(add: bool) -> None:
    bind = op.get_bind()
    for user_id, role, pages in bind.execute(
            sa.text("SELECT user_id, role, pages FROM users")).fetchall():
        held = json.loads(pages or "[]")
        if add and role in WORKLOG_ROLES and WORKLOG_GRANT not in held:
            after = sorted([*held, WORKLOG_GRANT])
        elif not add and WORKLOG_GRANT in held:
            after = [g for g in held if g != WORKLOG_GRANT]
        else:
            continue
        bind.execute(sa.text("UPDATE users SET pages = :p WHERE user_id = :i"),
                     {"p": json.dumps(after), "i": user_id})


def upgrade() -> None:
    op.create_table(
        "worklog_budgets",
        sa.Column("budget_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("budget_id"),
        sa.UniqueConstraint("user_id", "year", name="uq_worklog_budgets_user_year"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "worklog_changes",
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("changed_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("counter_id"),
    )
    op.create_table(
        "worklog_form_issues",
        sa.Column("form_issue_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_date", sa.Date(), nullable=False),
        sa.Column("form_type", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("serial_from", sa.Text(), server_default="", nullable=False),
        sa.Column("serial_to", sa.Text(), server_default="", nullable=False),
        sa.Column("form_count", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "action IN ('领用', '使用', '作废', '归还')", name="worklog_form_action"
        ),
        sa.CheckConstraint("form_count > 0", name="worklog_form_count"),
        sa.PrimaryKeyConstraint("form_issue_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_form_issues_branch_id",
        "worklog_form_issues",
        ["branch_id", "action_date"],
        unique=False,
    )
    op.create_index(
        "worklog_form_issues_dept_id",
        "worklog_form_issues",
        ["dept_id", "action_date"],
        unique=False,
    )
    op.create_index(
        "worklog_form_issues_user_id",
        "worklog_form_issues",
        ["user_id", "action_date"],
        unique=False,
    )
    op.create_table(
        "worklog_plans",
        sa.Column("plan_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("purpose", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "planned_cost", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column("reviewer_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.Text(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('月计划', '日常工作计划')", name="worklog_plan_kind"),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'returned')", name="worklog_plan_status"
        ),
        sa.CheckConstraint("end_date >= start_date", name="worklog_plan_period"),
        sa.PrimaryKeyConstraint("plan_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_plans_branch_id", "worklog_plans", ["branch_id", "start_date"], unique=False
    )
    op.create_index(
        "worklog_plans_dept_id", "worklog_plans", ["dept_id", "start_date"], unique=False
    )
    op.create_index(
        "worklog_plans_review", "worklog_plans", ["reviewer_user_id", "status"], unique=False
    )
    op.create_index(
        "worklog_plans_user_id", "worklog_plans", ["user_id", "start_date"], unique=False
    )
    op.create_table(
        "worklog_problems",
        sa.Column("problem_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("assignee_user_id", sa.Integer(), nullable=False),
        sa.Column("assignee_name", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.Text(), server_default="待处理", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('待处理', '处理中', '已解决')", name="worklog_problem_status"
        ),
        sa.PrimaryKeyConstraint("problem_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_problems_assignee",
        "worklog_problems",
        ["assignee_user_id", "status"],
        unique=False,
    )
    op.create_index(
        "worklog_problems_branch_id", "worklog_problems", ["branch_id", "created_at"], unique=False
    )
    op.create_index(
        "worklog_problems_dept_id", "worklog_problems", ["dept_id", "created_at"], unique=False
    )
    op.create_index(
        "worklog_problems_user_id", "worklog_problems", ["user_id", "created_at"], unique=False
    )
    op.create_table(
        "worklog_settings",
        sa.Column("settings_id", sa.Integer(), nullable=False),
        sa.Column("expense_limit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("settings_id"),
    )
    op.create_table(
        "worklog_approvals",
        sa.Column("approval_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("by_name", sa.Text(), server_default="", nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("step IN ('submit', 'approve', 'return')", name="worklog_approval_step"),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["worklog_plans.plan_id"],
        ),
        sa.PrimaryKeyConstraint("approval_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_approvals_plan", "worklog_approvals", ["plan_id", "approval_id"], unique=False
    )
    op.create_table(
        "worklog_entries",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("customer_code", sa.Text(), nullable=True),
        sa.Column("customer_name", sa.Text(), server_default="", nullable=False),
        sa.Column("prospect_kind", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "expense_amount", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column("expense_kind", sa.Text(), nullable=True),
        sa.Column("receipt_no", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), server_default="无", nullable=False),
        sa.Column("policy_no", sa.Text(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("corrects_entry_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.Text(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint("outcome IN ('报价', '签单', '无')", name="worklog_entry_outcome"),
        sa.CheckConstraint("expense_amount >= 0", name="worklog_entry_amount"),
        sa.ForeignKeyConstraint(
            ["corrects_entry_id"],
            ["worklog_entries.entry_id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["worklog_plans.plan_id"],
        ),
        sa.PrimaryKeyConstraint("entry_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_entries_branch_id", "worklog_entries", ["branch_id", "entry_date"], unique=False
    )
    op.create_index("worklog_entries_customer", "worklog_entries", ["customer_code"], unique=False)
    op.create_index(
        "worklog_entries_dept_id", "worklog_entries", ["dept_id", "entry_date"], unique=False
    )
    op.create_index("worklog_entries_plan", "worklog_entries", ["plan_id"], unique=False)
    op.create_index("worklog_entries_receipt", "worklog_entries", ["receipt_no"], unique=False)
    op.create_index(
        "worklog_entries_user_id", "worklog_entries", ["user_id", "entry_date"], unique=False
    )
    op.create_table(
        "worklog_plan_customers",
        sa.Column("plan_customer_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.Text(), nullable=True),
        sa.Column("customer_name", sa.Text(), server_default="", nullable=False),
        sa.Column("prospect_kind", sa.Text(), nullable=True),
        sa.Column("prospect_phone", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "customer_code IS NOT NULL OR prospect_kind IS NOT NULL",
            name="worklog_plan_customer_known",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["worklog_plans.plan_id"],
        ),
        sa.PrimaryKeyConstraint("plan_customer_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_plan_customers_code", "worklog_plan_customers", ["customer_code"], unique=False
    )
    op.create_index(
        "worklog_plan_customers_plan", "worklog_plan_customers", ["plan_id"], unique=False
    )
    op.create_table(
        "worklog_problem_replies",
        sa.Column("reply_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("by_name", sa.Text(), server_default="", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status_after", sa.Text(), nullable=True),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.Text(), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("dept_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["worklog_problems.problem_id"],
        ),
        sa.PrimaryKeyConstraint("reply_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "worklog_problem_replies_problem",
        "worklog_problem_replies",
        ["problem_id", "reply_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO worklog_settings (settings_id, expense_limit) "
        f"VALUES (1, {DEFAULT_EXPENSE_LIMIT})"
    )
    op.execute("INSERT INTO worklog_changes (counter_id, version) VALUES (1, 0)")
    _grant_worklog(add=True)


def downgrade() -> None:
    _grant_worklog(add=False)
    op.drop_table("worklog_problem_replies")
    op.drop_table("worklog_plan_customers")
    op.drop_table("worklog_entries")
    op.drop_table("worklog_approvals")
    op.drop_table("worklog_settings")
    op.drop_table("worklog_problems")
    op.drop_table("worklog_plans")
    op.drop_table("worklog_form_issues")
    op.drop_table("worklog_changes")
    op.drop_table("worklog_budgets")
