"""Consents: a restricted-topic finding (案件、灾情疫情、统计、环保测评数据, 三安全一稳定) is approved only
with the record of who in the unit consented to publishing it and when ("未经单位同意严禁发布").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signoff_consents",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("signoff_id", sa.Integer, sa.ForeignKey("signoffs.id", name="fk_signoff_consents_signoff_id_signoffs"),
                  nullable=False),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", name="fk_signoff_consents_finding_id_findings"),
                  nullable=False),
        sa.Column("approver", sa.String(100), nullable=False),
        sa.Column("approved_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signoff_consents"),
        sa.UniqueConstraint("signoff_id", "finding_id", name="uq_signoff_consents_signoff_id_finding_id"),
    )
    op.create_index("ix_signoff_consents_signoff_id", "signoff_consents", ["signoff_id"])
    op.create_index("ix_signoff_consents_finding_id", "signoff_consents", ["finding_id"])


def downgrade() -> None:
    op.drop_table("signoff_consents")
