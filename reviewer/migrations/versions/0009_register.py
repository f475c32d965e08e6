"""The account register (备案): the register's fields on ``accounts``, lifecycle events and filings,
unit contacts, outsourced operators and their staff.

- ``accounts``: 其他类型 text, platform account ID, URL, 主管单位, 代表主体名称, 开设主体级别, 认证信息,
  负责同志 and phone, whether comments, messages and 私信 are open, the high-attention flag, the
  lifecycle ``state`` and the operator (托管单位). Accounts that existed before are 已上线 (``live``).
  The columns are added in place (ADD COLUMN), so the table and its triggers and references stay.
- ``account_events`` / ``account_filings``: the fields of ``reviewer.registry.Event`` and ``Filing``.
- ``unit_contacts``: 联络员, 分管负责人, 主要负责人 of a unit.
- ``operators`` and ``outsourced_staff``: 托管单位 with 资质 and rules, and the users who work for them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: The values as of this revision (later vocabulary changes need their own migration).
CONTACT_ROLES = ("liaison", "deputy", "head")
BACKGROUND_RESULTS = ("pending", "passed", "failed")
FLAGS = ("comments_open", "messages_open", "dm_open", "high_attention")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _add_reference(column: str, table: str) -> None:
    """ADD COLUMN with its foreign key, in place on both databases (SQLite takes REFERENCES in ADD COLUMN only)."""
    name = f"fk_accounts_{column}_{table}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE accounts ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {table} (id)")
        return
    op.add_column("accounts", sa.Column(column, sa.Integer))
    op.create_foreign_key(name, "accounts", table, [column], ["id"])


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("license_number", sa.String(100)),
        sa.Column("license_expires", sa.Date),
        sa.Column("rules_on_file", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rules_note", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("name", name="uq_operators_name"),
    )
    for name, column in (
        ("platform_other", sa.String(50)), ("platform_account_id", sa.String(200)), ("url", sa.String(2000)),
        ("subject_name", sa.String(200)), ("subject_level", sa.String(20)), ("verification", sa.String(200)),
        ("contact_name", sa.String(100)), ("contact_phone", sa.String(50)),
    ):
        op.add_column("accounts", sa.Column(name, column))
    _add_reference("supervisor_unit_id", "units")
    for flag in FLAGS:
        op.add_column("accounts", sa.Column(flag, sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("accounts", sa.Column("state", sa.String(20), nullable=False, server_default="live"))
    _add_reference("operator_id", "operators")
    op.create_index("ix_accounts_supervisor_unit_id", "accounts", ["supervisor_unit_id"])
    op.create_index("ix_accounts_operator_id", "accounts", ["operator_id"])

    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", name="fk_account_events_account_id_accounts"),
                  nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("approval_by", sa.String(200)),
        sa.Column("approval_on", sa.Date),
        sa.Column("approval_document", sa.String(500)),
        sa.Column("notice_text", sa.Text),
        sa.Column("notice_start", sa.Date),
        sa.Column("notice_end", sa.Date),
        sa.Column("reason", sa.Text),
        sa.Column("force_majeure", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_events"),
    )
    op.create_index("ix_account_events_account_id", "account_events", ["account_id"])
    op.create_table(
        "account_filings",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", name="fk_account_filings_account_id_accounts"),
                  nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_filings"),
    )
    op.create_index("ix_account_filings_account_id", "account_filings", ["account_id"])
    op.create_table(
        "unit_contacts",
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", name="fk_unit_contacts_unit_id_units"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(50)),
        sa.PrimaryKeyConstraint("unit_id", "role", name="pk_unit_contacts"),
        sa.CheckConstraint(_in("role", CONTACT_ROLES), name=op.f("ck_unit_contacts_role")),
    )
    op.create_table(
        "outsourced_staff",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_outsourced_staff_user_id_users"),
                  nullable=False),
        sa.Column("operator_id", sa.Integer,
                  sa.ForeignKey("operators.id", name="fk_outsourced_staff_operator_id_operators"), nullable=False),
        sa.Column("check_date", sa.Date),
        sa.Column("check_result", sa.String(20), nullable=False, server_default="pending"),
        sa.PrimaryKeyConstraint("user_id", name="pk_outsourced_staff"),
        sa.CheckConstraint(_in("check_result", BACKGROUND_RESULTS), name=op.f("ck_outsourced_staff_check_result")),
    )
    op.create_index("ix_outsourced_staff_operator_id", "outsourced_staff", ["operator_id"])


def downgrade() -> None:
    op.drop_table("outsourced_staff")
    op.drop_table("unit_contacts")
    op.drop_table("account_filings")
    op.drop_table("account_events")
    op.drop_index("ix_accounts_operator_id", table_name="accounts")
    op.drop_index("ix_accounts_supervisor_unit_id", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        for name in ("operator_id", "state", *FLAGS, "supervisor_unit_id", "contact_phone", "contact_name",
                     "verification", "subject_level", "subject_name", "url", "platform_account_id", "platform_other"):
            batch.drop_column(name)
    op.drop_table("operators")
