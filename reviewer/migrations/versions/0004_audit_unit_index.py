"""Index audit entries by unit: every auditor's view is filtered by the units they may see.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_unit_id", "audit_entries", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_unit_id", table_name="audit_entries")
