"""What each reviewer last saw of a draft, for re-review from what changed, and the comments of a level action.

- ``draft_views``: per draft and reviewer, the version last opened on the review page and the one before.
- ``review_notes``: a level's summary comment, or a comment on selected words (field, span, quote), with its gate.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: The values as of this revision (later vocabulary changes need their own migration).
FIELDS = ("title", "body")
GATES = ("political", "legal", "policy", "secrecy", "text")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "draft_views",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("draft_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("previous_version", sa.Integer),
        sa.Column("seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_draft_views"),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_draft_views_draft_id_drafts"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_draft_views_user_id_users"),
        sa.UniqueConstraint("draft_id", "user_id", name="uq_draft_views_draft_id_user_id"),
    )
    op.create_index("ix_draft_views_draft_id", "draft_views", ["draft_id"])
    op.create_index("ix_draft_views_user_id", "draft_views", ["user_id"])
    op.create_table(
        "review_notes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("reviewer_id", sa.Integer, nullable=False),
        sa.Column("gate", sa.String(20)),
        sa.Column("field", sa.String(10)),
        sa.Column("start", sa.Integer),
        sa.Column("end", sa.Integer),
        sa.Column("quote", sa.Text),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_notes"),
        sa.ForeignKeyConstraint(["version_id"], ["draft_versions.id"], name="fk_review_notes_version_id_draft_versions"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name="fk_review_notes_reviewer_id_users"),
        sa.CheckConstraint(_in("field", FIELDS), name=op.f("ck_review_notes_field")),
        sa.CheckConstraint(_in("gate", GATES), name=op.f("ck_review_notes_gate")),
        sa.CheckConstraint('(field IS NULL AND start IS NULL AND "end" IS NULL) OR '
                           '(field IS NOT NULL AND start >= 0 AND "end" > start)', name=op.f("ck_review_notes_span")),
    )
    op.create_index("ix_review_notes_version_id", "review_notes", ["version_id"])
    op.create_index("ix_review_notes_reviewer_id", "review_notes", ["reviewer_id"])


def downgrade() -> None:
    op.drop_table("review_notes")
    op.drop_table("draft_views")
