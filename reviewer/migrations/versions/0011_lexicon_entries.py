"""Lexicon entries kept in the database, the lexicon version, and reviewers' feedback on findings.

- ``lexicon_entries``: terms, allow phrases and switch-offs of shipped terms, for the deployment or
  one unit (and those below it); shipped files are never edited in place.
- ``lexicon_state``: one row holding the lexicon version, bumped by every change.
- ``finding_feedback``: 误报 on a stored finding, 漏报 on a span a reviewer selected, and the admin's decision.
- ``findings.lexicon_version``: the lexicon version a finding was found with (None for older findings).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: The values as of this revision (later vocabulary changes need their own migration).
ENTRY_KINDS = ("term", "allow", "disable")
FEEDBACK_KINDS = ("false_alarm", "missed")
FEEDBACK_STATUSES = ("open", "accepted", "rejected")
GATES = ("political", "legal", "policy", "secrecy", "text")
SEVERITIES = ("info", "review", "block")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "lexicon_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("family", sa.String(100)),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("gate", sa.String(20)),
        sa.Column("severity", sa.String(20)),
        sa.Column("suggestion", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", name="fk_lexicon_entries_unit_id_units")),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lexicon_entries"),
        sa.CheckConstraint(_in("kind", ENTRY_KINDS), name="ck_lexicon_entries_kind"),
        sa.CheckConstraint(_in("gate", GATES), name="ck_lexicon_entries_gate"),
        sa.CheckConstraint(_in("severity", SEVERITIES), name="ck_lexicon_entries_severity"),
    )
    op.create_index("ix_lexicon_entries_unit_id", "lexicon_entries", ["unit_id"])
    op.create_index("ix_lexicon_entries_kind_family_key", "lexicon_entries", ["kind", "family", "key"])
    op.create_table(
        "lexicon_state",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_lexicon_state"),
    )
    op.execute("INSERT INTO lexicon_state (id, version) VALUES (1, 0)")
    op.create_table(
        "finding_feedback",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", name="fk_finding_feedback_finding_id_findings")),
        sa.Column("version_id", sa.Integer,
                  sa.ForeignKey("draft_versions.id", name="fk_finding_feedback_version_id_draft_versions"), nullable=False),
        sa.Column("field", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("family", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", name="fk_finding_feedback_unit_id_units")),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_finding_feedback_user_id_users"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_by", sa.String(150)),
        sa.Column("decided_at", TS),
        sa.Column("entry_id", sa.Integer,
                  sa.ForeignKey("lexicon_entries.id", name="fk_finding_feedback_entry_id_lexicon_entries")),
        sa.PrimaryKeyConstraint("id", name="pk_finding_feedback"),
        sa.CheckConstraint(_in("kind", FEEDBACK_KINDS), name="ck_finding_feedback_kind"),
        sa.CheckConstraint(_in("status", FEEDBACK_STATUSES), name="ck_finding_feedback_status"),
    )
    op.create_index("ix_finding_feedback_finding_id", "finding_feedback", ["finding_id"])
    op.create_index("ix_finding_feedback_version_id", "finding_feedback", ["version_id"])
    op.create_index("ix_finding_feedback_unit_id", "finding_feedback", ["unit_id"])
    op.add_column("findings", sa.Column("lexicon_version", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("lexicon_version")
    op.drop_table("finding_feedback")
    op.drop_table("lexicon_state")
    op.drop_table("lexicon_entries")
