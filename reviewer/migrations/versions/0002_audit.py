"""Audit trail: the append-only, hash-chained audit_entries table and triggers that keep it so.

The triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on audit_entries, so even
plain SQL through the application's own connection cannot rewrite history; someone who drops the
trigger is still caught by ``reviewer audit verify``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFUSAL = "审计日志只允许追加，禁止修改或删除 (audit_entries is append-only)"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
    """CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_name", sa.String(150)),
        sa.Column("unit_id", sa.Integer),
        sa.Column("account_id", sa.Integer),
        sa.Column("draft_id", sa.Integer),
        sa.Column("version", sa.Integer),
        sa.Column("level", sa.Integer),
        sa.Column("gate", sa.String(20)),
        sa.Column("details", sa.Text),
        sa.Column("ip", sa.String(64)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entries"),
        sa.UniqueConstraint("entry_hash", name="uq_audit_entries_entry_hash"),
    )
    for column in ("created_at", "event", "draft_id", "account_id", "actor_name"):
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", [column])
    dialect = op.get_bind().dialect.name
    triggers = {"postgresql": POSTGRES_TRIGGERS, "sqlite": SQLITE_TRIGGERS}
    for statement in triggers.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update_delete ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_refuse_change()")
    op.drop_table("audit_entries")
