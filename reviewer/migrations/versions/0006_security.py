"""Security: tokens bound to the session epoch and expiring, sign-offs that lapse, key ids and
subjects on audit entries, and a shared login throttle.

- ``api_tokens.session_epoch`` and ``expires_at``: a token works only while its user's session
  epoch is the one it was issued under (logout, password change and reset bump it) and until it
  expires.
- ``signoffs.lapsed_at`` and ``lapse_reason``: a sign-off whose signer lost the authority to sign
  (role, account, unit) stops counting; the slot may then be signed again by someone else, so the
  one-sign-off-per-slot rule becomes a partial unique index over sign-offs that have not lapsed.
- ``audit_entries.key_id``: which HMAC key sealed an entry, so a rotated key keeps old entries
  verifiable; ``subject_user_id``: whose entry a unit-less one is (logins, tokens, passwords, roles),
  so an auditor sees only the users of their own units.
- ``login_throttle``: failed logins per address and per account name, shared by every process.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
LIVE = sa.text("lapsed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("expires_at", TS))
    with op.batch_alter_table("signoffs") as batch:
        batch.add_column(sa.Column("lapsed_at", TS))
        batch.add_column(sa.Column("lapse_reason", sa.Text))
        batch.drop_constraint("uq_signoffs_version_id_level_gate", type_="unique")
    op.create_index("ix_signoffs_live_slot", "signoffs", ["version_id", "level", "gate"], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    # audit_entries keeps its triggers: ADD COLUMN is not an UPDATE, and no batch copy is needed.
    op.add_column("audit_entries", sa.Column("key_id", sa.String(16)))
    op.add_column("audit_entries", sa.Column("subject_user_id", sa.Integer))
    op.create_index("ix_audit_entries_subject_user_id", "audit_entries", ["subject_user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_failure_at", TS),
        sa.Column("blocked_until", TS),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_index("ix_audit_entries_subject_user_id", table_name="audit_entries")
    op.drop_column("audit_entries", "subject_user_id")
    op.drop_column("audit_entries", "key_id")
    op.drop_index("ix_signoffs_live_slot", table_name="signoffs")
    with op.batch_alter_table("signoffs") as batch:
        batch.create_unique_constraint("uq_signoffs_version_id_level_gate", ["version_id", "level", "gate"])
        batch.drop_column("lapse_reason")
        batch.drop_column("lapsed_at")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("session_epoch")
