"""The tables of violation alerts and of what happens after publishing (migration 0012).

- ``alerts``: one row per alert item (source + subject is unique, so a daily sweep run twice, or on
  the next day, never raises the same alert again), with who cleared it, when, and the note.
- ``post_withdrawals``: a published item taken down (撤稿): who, why, when.
- ``post_corrections``: a corrected item (更正) is a new draft linked to the original.
- ``post_checks``: the publisher's 双向反馈 check of the live post, item by item.
- ``draft_removals``: an unpublished draft deleted by an editor. The draft, its versions and
  findings stay (soft delete): the audit chain and the monthly register refer to them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.storage.tables import Base, UTCDateTime, in_list, utcnow
from reviewer.vocabulary import ALERT_SOURCES, ALERT_STATES


class Alert(Base):
    """One violation alert for the supervising office, open until someone clears it."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "subject"),
        CheckConstraint(in_list("source", ALERT_SOURCES), name="source"),
        CheckConstraint(in_list("state", ALERT_STATES), name="state"),
        Index("ix_alerts_unit_id_day", "unit_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    #: What the alert is about, unique within its source (a finding, an account's missed deadline…).
    subject: Mapped[str] = mapped_column(String(200))
    #: The Beijing day the sweep raised it: the daily list it first appears on.
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    cleared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class PostWithdrawal(Base):
    """A published item taken down (撤稿), and who did it, why and when."""

    __tablename__ = "post_withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), unique=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    withdrawn_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostCorrection(Base):
    """A correction (更正): a new draft, reviewed in full, that corrects a published one."""

    __tablename__ = "post_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    correction_draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), unique=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostCheck(Base):
    """The publisher's 双向反馈 check of a live post: each item ok or not, with a note."""

    __tablename__ = "post_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), unique=True)
    checked_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: item code (vocabulary [post_check_items]) -> {"ok": bool, "note": str}
    results: Mapped[dict] = mapped_column(JSON)


class DraftRemoval(Base):
    """An unpublished draft an editor deleted: hidden from lists, kept for the audit trail."""

    __tablename__ = "draft_removals"

    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), primary_key=True)
    removed_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
