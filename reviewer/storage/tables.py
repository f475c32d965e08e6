"""The tables: the workflow's, the registry's, the security ones and the inspection jobs, with the
constraints that protect the review rules inside the database itself.
"""


from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from reviewer.vocabulary import DECISIONS, DRAFT_STATUSES, FINDING_FIELDS, INSPECTION_STATUSES, KINDS, LEVELS, PLATFORMS, ROLES

#: Largest id a database integer column holds; larger ids cannot exist, so they are "not found".
MAX_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current instant, timezone-aware, so comparisons never mix naive and aware times."""
    return datetime.now(UTC)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression restricting a short string column to the given values."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator):
    """DateTime(timezone=True) that always hands back aware UTC values (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use reviewer.storage.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table, with stable constraint names for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (Index("ix_units_name", "name", unique=True),)  # units are looked up by name

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(f"review_levels BETWEEN {min(LEVELS)} AND {max(LEVELS)}", name="review_levels"),
        CheckConstraint(in_list("platform", PLATFORMS), name="platform"),
        Index("ix_accounts_platform_name", "platform", "name", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    review_levels: Mapped[int] = mapped_column(Integer, default=2)
    department: Mapped[str | None] = mapped_column(String(100))
    duty: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The register (备案, migration 0009): see reviewer.storage.register_tables for its other tables.
    platform_other: Mapped[str | None] = mapped_column(String(50))  # 新媒体类型“其他”：小程序、视频号……
    platform_account_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    supervisor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # 主管单位
    subject_name: Mapped[str | None] = mapped_column(String(200))  # 代表主体名称
    subject_level: Mapped[str | None] = mapped_column(String(20))  # vocabulary [subject_levels]
    verification: Mapped[str | None] = mapped_column(String(200))  # 认证信息
    contact_name: Mapped[str | None] = mapped_column(String(100))  # 负责同志
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    comments_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    messages_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dm_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 私信
    high_attention: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: A state of lexicons/registry.toml; accounts that existed before 0009 are 已上线.
    state: Mapped[str] = mapped_column(String(20), default="live", server_default="live")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)  # 托管单位


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def role_names(self) -> set[str]:
        """The user's roles as a set of strings (one query per call; callers keep the result)."""
        from sqlalchemy.orm import object_session

        session = object_session(self)
        if session is None:
            return set()
        return set(session.scalars(select(UserRole.role).where(UserRole.user_id == self.id)))


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(in_list("role", ROLES), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class UserUnit(Base):
    __tablename__ = "user_units"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The user's session epoch when the token was issued; a later epoch (logout, password change
    #: or reset) ends the token like every browser session (migration 0006).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint(in_list("kind", KINDS), name="kind"),
        CheckConstraint(in_list("status", DRAFT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    #: The citizen's message a reply answers (migration 0010); publishing the reply answers it.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)

    #: SQLAlchemy's optimistic lock: every UPDATE says "WHERE lock_version = <seen>" and bumps it.
    __mapper_args__ = {"version_id_col": lock_version}


class DraftVersion(Base):
    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    citizen_message: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (CheckConstraint(in_list("field", FINDING_FIELDS), name="field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    #: Which field of the version ``start``/``end`` point into (migration 0003).
    field: Mapped[str] = mapped_column(String(10), default="body", server_default="body")
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100))
    gate: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(200))
    suggestion: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    #: The database lexicon version the finding was found with (migration 0011; None before it).
    lexicon_version: Mapped[int | None] = mapped_column(Integer)

    def to_dict(self) -> dict:
        """The finding in the engine's JSON shape, plus its database id, the field it is in and the
        database lexicon version it was found with."""
        return {
            "id": self.id,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "category": self.category,
            "gate": self.gate,
            "severity": self.severity,
            "rule": self.rule,
            "suggestion": self.suggestion,
            "source": self.source,
            "note": self.note,
            "lexicon_version": self.lexicon_version,
        }


class SignOff(Base):
    __tablename__ = "signoffs"
    __table_args__ = (
        # One live sign-off per version, level and gate; a lapsed one frees its slot (migration 0006).
        Index("ix_signoffs_live_slot", "version_id", "level", "gate", unique=True,
              sqlite_where=text("lapsed_at IS NULL"), postgresql_where=text("lapsed_at IS NULL")),
        CheckConstraint(in_list("decision", DECISIONS), name="decision"),
        CheckConstraint(f"level BETWEEN {min(LEVELS)} AND {max(LEVELS)}", name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    gate: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the signer lost the authority to sign (role, activity, unit): the sign-off stops
    #: counting and its slot may be signed again. The row stays, as the record of what happened.
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lapse_reason: Mapped[str | None] = mapped_column(Text)


class SignOffConsent(Base):
    """Who in the unit consented to publishing a restricted-topic finding, and when (migration 0007)."""

    __tablename__ = "signoff_consents"
    __table_args__ = (UniqueConstraint("signoff_id", "finding_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signoff_id: Mapped[int] = mapped_column(ForeignKey("signoffs.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    approver: Mapped[str] = mapped_column(String(100))
    approved_on: Mapped[date] = mapped_column(Date)


class LoginThrottle(Base):
    """Failed logins per key (``ip:<address>`` or ``user:<name>``), shared by every process."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignOffOverride(Base):
    __tablename__ = "signoff_overrides"
    __table_args__ = (UniqueConstraint("signoff_id", "finding_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signoff_id: Mapped[int] = mapped_column(ForeignKey("signoffs.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)


class Publication(Base):
    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), unique=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionJob(Base):
    """One inspection of uploaded account histories, run in the background (migration 0008).

    The row is the job's whole state, so it survives a restart: the runner claims a queued row,
    beats its heartbeat while it works and writes the counts and file paths when done. Paths are
    relative to ``Settings.data_path``; ``alerts`` (主办单位 -> alerts) and ``escalations`` are kept
    so a later inspection of the same office can count them.
    """

    __tablename__ = "inspection_jobs"
    __table_args__ = (
        CheckConstraint(in_list("status", INSPECTION_STATUSES), name="status"),
        CheckConstraint("window_last >= window_first", name="window"),
        Index("ix_inspection_jobs_status", "status"),
        Index("ix_inspection_jobs_unit_id_window_last", "unit_id", "window_last"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    window_first: Mapped[date] = mapped_column(Date)
    window_last: Mapped[date] = mapped_column(Date)
    file_names: Mapped[list] = mapped_column(JSON)
    input_paths: Mapped[list] = mapped_column(JSON)
    input_bytes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    accounts: Mapped[int | None] = mapped_column(Integer)
    failing: Mapped[int | None] = mapped_column(Integer)
    records: Mapped[int | None] = mapped_column(Integer)
    bad_rows: Mapped[int | None] = mapped_column(Integer)
    alerts: Mapped[dict | None] = mapped_column(JSON)
    escalations: Mapped[list | None] = mapped_column(JSON)
    failing_accounts: Mapped[list | None] = mapped_column(JSON)
    report_path: Mapped[str | None] = mapped_column(String(500))
    html_path: Mapped[str | None] = mapped_column(String(500))
    errors_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
