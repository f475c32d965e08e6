"""Findings record the field they were found in: a version's title is reviewed as well as its body.

Existing rows were all found in the body, so the column defaults to ``body``. Offsets stay relative
to their own field.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("findings", sa.Column(
        "field", sa.String(10),
        sa.CheckConstraint("field IN ('title', 'body')", name="ck_findings_field"),
        nullable=False, server_default="body",
    ))


def downgrade() -> None:
    op.drop_column("findings", "field")
