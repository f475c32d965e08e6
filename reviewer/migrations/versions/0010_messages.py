"""Citizens' messages: the messages, their history, the Q&A library, and the link from a reply draft.

- ``messages``: account, the unit holding it and its handler, time received, the text as received
  and as shown (personal data masked) with the screening marks, contact, how it came in, state,
  the reply deadline fixed at receipt and when it was answered.
- ``message_steps``: every move, assignment and transfer, with who, when, the unit and the reason.
- ``qa_entries``: a unit's curated questions and answers (department, valid until, the message an
  entry came from, retired or not).
- ``drafts.message_id``: the message a reply draft answers (ADD COLUMN in place, so the table keeps
  its triggers and references).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: The values as of this revision (later vocabulary changes need their own migration).
MESSAGE_STATES = ("pending", "handling", "answered", "closed")


def _fk(column: str, table: str, owner: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", name=f"fk_{owner}_{column}_{table}")


def upgrade() -> None:
    states = "state IN (" + ", ".join(f"'{s}'" for s in MESSAGE_STATES) + ")"
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, _fk("account_id", "accounts", "messages"), nullable=False),
        sa.Column("unit_id", sa.Integer, _fk("unit_id", "units", "messages"), nullable=False),
        sa.Column("handler_id", sa.Integer, _fk("handler_id", "users", "messages")),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("contact", sa.String(200)),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("answered_at", TS),
        sa.Column("shown_text", sa.Text, nullable=False),
        sa.Column("masked", sa.Integer, nullable=False, server_default="0"),
        sa.Column("marks", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.CheckConstraint(states, name=op.f("ck_messages_state")),
    )
    for column in ("account_id", "unit_id", "handler_id"):
        op.create_index(f"ix_messages_{column}", "messages", [column])
    op.create_index("ix_messages_state_due_at", "messages", ["state", "due_at"])
    op.create_table(
        "message_steps",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("message_id", sa.Integer, _fk("message_id", "messages", "message_steps"), nullable=False),
        sa.Column("move", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.Integer, _fk("unit_id", "units", "message_steps"), nullable=False),
        sa.Column("handler_id", sa.Integer, _fk("handler_id", "users", "message_steps")),
        sa.Column("reason", sa.Text),
        sa.Column("draft_id", sa.Integer, _fk("draft_id", "drafts", "message_steps")),
        sa.PrimaryKeyConstraint("id", name="pk_message_steps"),
    )
    op.create_index("ix_message_steps_message_id", "message_steps", ["message_id"])
    op.create_table(
        "qa_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, _fk("unit_id", "units", "qa_entries"), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("department", sa.String(200)),
        sa.Column("valid_until", sa.Date),
        sa.Column("message_id", sa.Integer, _fk("message_id", "messages", "qa_entries")),
        sa.Column("retired_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_qa_entries"),
    )
    op.create_index("ix_qa_entries_unit_id", "qa_entries", ["unit_id"])
    op.create_index("ix_qa_entries_message_id", "qa_entries", ["message_id"])
    name = "fk_drafts_message_id_messages"
    if op.get_bind().dialect.name == "sqlite":  # SQLite takes REFERENCES only inside ADD COLUMN
        op.execute(f"ALTER TABLE drafts ADD COLUMN message_id INTEGER CONSTRAINT {name} REFERENCES messages (id)")
    else:
        op.add_column("drafts", sa.Column("message_id", sa.Integer))
        op.create_foreign_key(name, "drafts", "messages", ["message_id"], ["id"])
    op.create_index("ix_drafts_message_id", "drafts", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_drafts_message_id", table_name="drafts")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("message_id")
    op.drop_table("qa_entries")
    op.drop_table("message_steps")
    op.drop_table("messages")
