"""Initial schema: units, accounts, users and roles, API tokens, drafts and their review trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("units.id", name="fk_units_parent_id_units")),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
    )
    op.create_index("ix_units_parent_id", "units", ["parent_id"])

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", name="fk_accounts_unit_id_units"),
                  nullable=False),
        sa.Column("review_levels", sa.Integer, nullable=False),
        sa.Column("department", sa.String(100)),
        sa.Column("duty", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.CheckConstraint("review_levels BETWEEN 1 AND 3", name="ck_accounts_review_levels"),
        sa.CheckConstraint(_in("platform", ("微信", "微博", "客户端", "抖音", "头条", "其他")),
                           name="ck_accounts_platform"),
    )
    op.create_index("ix_accounts_unit_id", "accounts", ["unit_id"])

    op.create_table(
        "users",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(500), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", TS),
        sa.Column("session_epoch", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_user_roles_user_id_users"),
                  nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
        sa.CheckConstraint(_in("role", ("editor", "reviewer", "publisher", "auditor", "admin")),
                           name="ck_user_roles_role"),
    )

    op.create_table(
        "user_units",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_user_units_user_id_users"),
                  nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", name="fk_user_units_unit_id_units"),
                  nullable=False),
        sa.PrimaryKeyConstraint("user_id", "unit_id", name="pk_user_units"),
    )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_api_tokens_user_id_users"),
                  nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS),
        sa.Column("revoked_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer,
                  sa.ForeignKey("accounts.id", name="fk_drafts_account_id_accounts"), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", name="fk_drafts_author_id_users"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("lock_version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.CheckConstraint(_in("kind", ("post", "reply")), name="ck_drafts_kind"),
        sa.CheckConstraint(_in("status", ("draft", "in_review", "returned", "approved", "published")),
                           name="ck_drafts_status"),
    )
    op.create_index("ix_drafts_account_id", "drafts", ["account_id"])
    op.create_index("ix_drafts_author_id", "drafts", ["author_id"])

    op.create_table(
        "draft_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("draft_id", sa.Integer,
                  sa.ForeignKey("drafts.id", name="fk_draft_versions_draft_id_drafts"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("citizen_message", sa.Text),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("editor_id", sa.Integer,
                  sa.ForeignKey("users.id", name="fk_draft_versions_editor_id_users"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_draft_versions"),
        sa.UniqueConstraint("draft_id", "number", name="uq_draft_versions_draft_id_number"),
    )
    op.create_index("ix_draft_versions_draft_id", "draft_versions", ["draft_id"])
    op.create_index("ix_draft_versions_editor_id", "draft_versions", ["editor_id"])

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer,
                  sa.ForeignKey("draft_versions.id", name="fk_findings_version_id_draft_versions"),
                  nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("gate", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("suggestion", sa.Text),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_version_id", "findings", ["version_id"])

    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer,
                  sa.ForeignKey("draft_versions.id", name="fk_signoffs_version_id_draft_versions"),
                  nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("gate", sa.String(20), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id", name="fk_signoffs_reviewer_id_users"),
                  nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signoffs"),
        sa.UniqueConstraint("version_id", "level", "gate", name="uq_signoffs_version_id_level_gate"),
        sa.CheckConstraint(_in("decision", ("approve", "reject")), name="ck_signoffs_decision"),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="ck_signoffs_level"),
    )
    op.create_index("ix_signoffs_version_id", "signoffs", ["version_id"])
    op.create_index("ix_signoffs_reviewer_id", "signoffs", ["reviewer_id"])

    op.create_table(
        "signoff_overrides",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("signoff_id", sa.Integer,
                  sa.ForeignKey("signoffs.id", name="fk_signoff_overrides_signoff_id_signoffs"),
                  nullable=False),
        sa.Column("finding_id", sa.Integer,
                  sa.ForeignKey("findings.id", name="fk_signoff_overrides_finding_id_findings"),
                  nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signoff_overrides"),
        sa.UniqueConstraint("signoff_id", "finding_id", name="uq_signoff_overrides_signoff_id_finding_id"),
    )
    op.create_index("ix_signoff_overrides_signoff_id", "signoff_overrides", ["signoff_id"])
    op.create_index("ix_signoff_overrides_finding_id", "signoff_overrides", ["finding_id"])

    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer,
                  sa.ForeignKey("draft_versions.id", name="fk_publications_version_id_draft_versions"),
                  nullable=False),
        sa.Column("draft_id", sa.Integer, sa.ForeignKey("drafts.id", name="fk_publications_draft_id_drafts"),
                  nullable=False),
        sa.Column("publisher_id", sa.Integer,
                  sa.ForeignKey("users.id", name="fk_publications_publisher_id_users"), nullable=False),
        sa.Column("url", sa.String(2000)),
        sa.Column("published_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_publications"),
        sa.UniqueConstraint("version_id", name="uq_publications_version_id"),
    )
    op.create_index("ix_publications_draft_id", "publications", ["draft_id"])
    op.create_index("ix_publications_publisher_id", "publications", ["publisher_id"])


def downgrade() -> None:
    for table in ("publications", "signoff_overrides", "signoffs", "findings", "draft_versions", "drafts",
                  "api_tokens", "user_units", "user_roles", "users", "accounts", "units"):
        op.drop_table(table)
