"""Unit names are unique, and account names unique per platform, in the database itself.

Units are looked up by name on the command line, and two offices adding the same name at the
same moment must not both succeed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_units_name", "units", ["name"], unique=True)
    op.create_index("ix_accounts_platform_name", "accounts", ["platform", "name"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_accounts_platform_name", table_name="accounts")
    op.drop_index("ix_units_name", table_name="units")
