"""Lexicon entries kept in the database, the lexicon version, and reviewers' feedback on findings (filled in by the lexicon-administration work).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
