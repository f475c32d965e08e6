"""The review page's own tables (migration 0013): which version each reviewer last opened, and the
comments a reviewer leaves on a level (a summary, or a remark on selected words of the text).

``draft_views`` lets re-review start from what changed: the page shows the difference between the
version a reviewer saw before and the one in front of them. ``review_notes`` keeps the comments of
one level action; the gate comments themselves stay on ``signoffs.comment``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.storage.tables import Base, UTCDateTime, in_list, utcnow
from reviewer.vocabulary import FINDING_FIELDS, GATES


class DraftView(Base):
    """The last version of a draft a reviewer opened on the review page, and the one before it."""

    __tablename__ = "draft_views"
    __table_args__ = (UniqueConstraint("draft_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: The version this reviewer had opened before ``version`` (None on their first look).
    previous_version: Mapped[int | None] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewNote(Base):
    """A reviewer's comment from one level action: the summary (no field) or one on selected words."""

    __tablename__ = "review_notes"
    __table_args__ = (
        CheckConstraint(in_list("field", FINDING_FIELDS), name="field"),
        CheckConstraint(in_list("gate", GATES), name="gate"),
        CheckConstraint('(field IS NULL AND start IS NULL AND "end" IS NULL) OR '
                        '(field IS NOT NULL AND start >= 0 AND "end" > start)', name="span"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    gate: Mapped[str | None] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(10))
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
