"""The tables of citizens' messages (migration 0010): the messages, every step taken on them, and
the Q&A library (咨询问答库) each unit curates.

``messages.state``, ``unit_id`` and ``handler_id`` repeat what the last row of ``message_steps``
says, so the queue can be filtered and sorted without reading the history; ``due_at`` is fixed at
receipt (a transfer does not restart the clock). The citizen's ``text`` is kept as received; what
handlers are shown is ``shown_text`` (personal data masked) with the ``marks`` of threats and
abuse, computed once when the message arrives. A reply draft points at its message through
``drafts.message_id``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.storage.tables import Base, UTCDateTime, in_list, utcnow
from reviewer.vocabulary import MESSAGE_STATES


class MessageRow(Base):
    """One citizen's message on one of our accounts, with where it is now and when it is due."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(in_list("state", MESSAGE_STATES), name="state"),
        Index("ix_messages_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the unit that holds it now
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(10))  # web, api, import
    state: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shown_text: Mapped[str] = mapped_column(Text)
    masked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: [[start, end, "威胁" | "辱骂"], ...] over ``shown_text``
    marks: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageStep(Base):
    """One step of a message's history: received, assigned, taken, transferred, answered, closed."""

    __tablename__ = "message_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    move: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))


class QaEntry(Base):
    """A curated question and its authoritative answer, offered when a unit replies to a message."""

    __tablename__ = "qa_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(200))
    valid_until: Mapped[date | None] = mapped_column(Date)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
