"""Violation alerts and what happens to a published item: corrections, withdrawals, the publisher's 双向反馈 check; editors' withdrawal and deletion of unpublished drafts.

- ``alerts``: one row per alert item (``source`` + ``subject`` unique: a sweep run twice raises
  nothing new), its unit, account and draft, the day it was raised, and how it was cleared.
- ``post_withdrawals``: a published item taken down (撤稿): who, why, when.
- ``post_corrections``: a correction is a new draft linked to the published original.
- ``post_checks``: the publisher's check of the live post (display, images, links) with notes.
- ``draft_removals``: unpublished drafts an editor deleted (soft delete: the draft stays).

No existing table changes, so nothing is copied on SQLite.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: The values as of this revision (later vocabulary changes need their own migration).
ALERT_SOURCES = ("block_published", "update_overdue", "message_overdue", "inspection_failed", "check_missing")
ALERT_STATES = ("open", "rectified", "dismissed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _fk(column: str, table: str, owner: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", name=f"fk_{owner}_{column}_{table}")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("unit_id", sa.Integer, _fk("unit_id", "units", "alerts"), nullable=False),
        sa.Column("account_id", sa.Integer, _fk("account_id", "accounts", "alerts")),
        sa.Column("draft_id", sa.Integer, _fk("draft_id", "drafts", "alerts")),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="open"),
        sa.Column("cleared_by", sa.Integer, _fk("cleared_by", "users", "alerts")),
        sa.Column("cleared_at", TS),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("source", "subject", name="uq_alerts_source_subject"),
        sa.CheckConstraint(_in("source", ALERT_SOURCES), name=op.f("ck_alerts_source")),
        sa.CheckConstraint(_in("state", ALERT_STATES), name=op.f("ck_alerts_state")),
    )
    op.create_index("ix_alerts_unit_id_day", "alerts", ["unit_id", "day"])
    for column in ("account_id", "draft_id", "cleared_by"):
        op.create_index(f"ix_alerts_{column}", "alerts", [column])
    op.create_table(
        "post_withdrawals",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("publication_id", sa.Integer, _fk("publication_id", "publications", "post_withdrawals"),
                  nullable=False),
        sa.Column("draft_id", sa.Integer, _fk("draft_id", "drafts", "post_withdrawals"), nullable=False),
        sa.Column("withdrawn_by", sa.Integer, _fk("withdrawn_by", "users", "post_withdrawals"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("withdrawn_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_post_withdrawals"),
        sa.UniqueConstraint("publication_id", name="uq_post_withdrawals_publication_id"),
    )
    op.create_index("ix_post_withdrawals_draft_id", "post_withdrawals", ["draft_id"])
    op.create_index("ix_post_withdrawals_withdrawn_by", "post_withdrawals", ["withdrawn_by"])
    op.create_table(
        "post_corrections",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("original_draft_id", sa.Integer, _fk("original_draft_id", "drafts", "post_corrections"),
                  nullable=False),
        sa.Column("correction_draft_id", sa.Integer, _fk("correction_draft_id", "drafts", "post_corrections"),
                  nullable=False),
        sa.Column("requested_by", sa.Integer, _fk("requested_by", "users", "post_corrections"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_post_corrections"),
        sa.UniqueConstraint("correction_draft_id", name="uq_post_corrections_correction_draft_id"),
    )
    op.create_index("ix_post_corrections_original_draft_id", "post_corrections", ["original_draft_id"])
    op.create_index("ix_post_corrections_requested_by", "post_corrections", ["requested_by"])
    op.create_table(
        "post_checks",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("publication_id", sa.Integer, _fk("publication_id", "publications", "post_checks"), nullable=False),
        sa.Column("checked_by", sa.Integer, _fk("checked_by", "users", "post_checks"), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_post_checks"),
        sa.UniqueConstraint("publication_id", name="uq_post_checks_publication_id"),
    )
    op.create_index("ix_post_checks_checked_by", "post_checks", ["checked_by"])
    op.create_table(
        "draft_removals",
        sa.Column("draft_id", sa.Integer, _fk("draft_id", "drafts", "draft_removals"), nullable=False),
        sa.Column("removed_by", sa.Integer, _fk("removed_by", "users", "draft_removals"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("removed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("draft_id", name="pk_draft_removals"),
    )
    op.create_index("ix_draft_removals_removed_by", "draft_removals", ["removed_by"])


def downgrade() -> None:
    for table in ("draft_removals", "post_checks", "post_corrections", "post_withdrawals", "alerts"):
        op.drop_table(table)
