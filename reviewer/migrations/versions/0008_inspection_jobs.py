"""Inspection jobs and the supervisor role: the supervising office (政务公开办) inspects in the browser.

- ``inspection_jobs``: one row per inspection of uploaded account histories, the whole state of a
  background job (queued, running, done, failed; attempts, heartbeat, progress), its counts, the
  alerts and escalations later inspections of the same office count, and its report files.
- ``user_roles.role`` may now be ``supervisor`` (监管员).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: The values as of this revision (later vocabulary changes need their own migration).
ROLES_BEFORE = ("editor", "reviewer", "publisher", "auditor", "admin")
ROLES_AFTER = (*ROLES_BEFORE, "supervisor")
JOB_STATUSES = ("queued", "running", "done", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


#: The name 0001 gave the constraint (the naming convention prefixed the full name once more).
ROLE_CHECK = "ck_user_roles_ck_user_roles_role"


def _roles(values: tuple[str, ...]) -> None:
    """Allow exactly ``values`` in ``user_roles.role``; the constraint keeps the name it has."""
    with op.batch_alter_table("user_roles") as batch:  # SQLite: a copy of the table; PostgreSQL: ALTER TABLE
        batch.drop_constraint(op.f(ROLE_CHECK), type_="check")
        batch.create_check_constraint(op.f(ROLE_CHECK), _in("role", values))


def upgrade() -> None:
    _roles(ROLES_AFTER)
    op.create_table(
        "inspection_jobs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", name="fk_inspection_jobs_unit_id_units"),
                  nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", name="fk_inspection_jobs_created_by_users"),
                  nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("window_first", sa.Date, nullable=False),
        sa.Column("window_last", sa.Date, nullable=False),
        sa.Column("file_names", sa.JSON, nullable=False),
        sa.Column("input_paths", sa.JSON, nullable=False),
        sa.Column("input_bytes", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("heartbeat_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("rows_total", sa.Integer),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("accounts", sa.Integer),
        sa.Column("failing", sa.Integer),
        sa.Column("records", sa.Integer),
        sa.Column("bad_rows", sa.Integer),
        sa.Column("alerts", sa.JSON),
        sa.Column("escalations", sa.JSON),
        sa.Column("failing_accounts", sa.JSON),
        sa.Column("report_path", sa.String(500)),
        sa.Column("html_path", sa.String(500)),
        sa.Column("errors_path", sa.String(500)),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_jobs"),
        sa.CheckConstraint(_in("status", JOB_STATUSES), name=op.f("ck_inspection_jobs_status")),
        sa.CheckConstraint("window_last >= window_first", name=op.f("ck_inspection_jobs_window")),
    )
    op.create_index("ix_inspection_jobs_status", "inspection_jobs", ["status"])
    op.create_index("ix_inspection_jobs_created_by", "inspection_jobs", ["created_by"])
    op.create_index("ix_inspection_jobs_unit_id_window_last", "inspection_jobs", ["unit_id", "window_last"])


def downgrade() -> None:
    op.drop_table("inspection_jobs")
    op.execute("DELETE FROM user_roles WHERE role = 'supervisor'")
    _roles(ROLES_BEFORE)
