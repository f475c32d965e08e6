"""The register's own tables (migration 0009): lifecycle events and filings of an account, the
contacts of a unit, outsourced operators (托管单位) and their staff.

An account's lifecycle is kept as rows of ``account_events`` and ``account_filings``, the fields of
``reviewer.registry.Event`` and ``Filing``; ``accounts.state`` repeats the last event's state so
lists and the publishing check need not read the history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.storage.tables import Base, UTCDateTime, in_list, utcnow
from reviewer.vocabulary import BACKGROUND_RESULTS, CONTACT_ROLES


class AccountEvent(Base):
    """One step of an account's lifecycle (a ``reviewer.registry.Event``) and who recorded it when."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    who: Mapped[str] = mapped_column(String(200))
    approval_by: Mapped[str | None] = mapped_column(String(200))
    approval_on: Mapped[date | None] = mapped_column(Date)
    approval_document: Mapped[str | None] = mapped_column(String(500))
    notice_text: Mapped[str | None] = mapped_column(Text)
    notice_start: Mapped[date | None] = mapped_column(Date)
    notice_end: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    force_majeure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountFiling(Base):
    """A filing (备案) made for an account (a ``reviewer.registry.Filing``)."""

    __tablename__ = "account_filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    who: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitContact(Base):
    """A unit's 联络员, 分管负责人 or 主要负责人 (one of each), for 约谈 and escalation."""

    __tablename__ = "unit_contacts"
    __table_args__ = (CheckConstraint(in_list("role", CONTACT_ROLES), name="role"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))


class Operator(Base):
    """An outsourced operator (托管单位) with its 互联网新闻信息服务资质 and its management rules on file."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    license_number: Mapped[str | None] = mapped_column(String(100))
    license_expires: Mapped[date | None] = mapped_column(Date)
    rules_on_file: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rules_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutsourcedStaff(Base):
    """A user who works for an operator, with their background check (背景审查) date and result."""

    __tablename__ = "outsourced_staff"
    __table_args__ = (CheckConstraint(in_list("check_result", BACKGROUND_RESULTS), name="check_result"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    check_date: Mapped[date | None] = mapped_column(Date)
    check_result: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
