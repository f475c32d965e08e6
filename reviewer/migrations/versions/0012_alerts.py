"""Violation alerts and what happens to a published item: corrections, withdrawals, the publisher's 双向反馈 check; editors' withdrawal and deletion of unpublished drafts (filled in by that work).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
