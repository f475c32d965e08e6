"""The lexicon's own tables (migration 0011): entries kept in the database, the lexicon version, and
reviewers' feedback on findings.

Shipped entries live in files and are never edited in place: a deployment overrides one by adding
a term of the same family and term, and switches one off with a ``disable`` row keyed by (family,
term), so both survive an upgrade of the shipped lists. ``lexicon_state.version`` is bumped by every
change in the change's own transaction; each service process compares it with the version its
engine was built with (one cheap query per check) and rebuilds when it moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Row, String, Text, func, insert, select, true, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from reviewer.storage.tables import Base, UTCDateTime, in_list, utcnow
from reviewer.vocabulary import FEEDBACK_KINDS, FEEDBACK_STATUSES, GATES, LEXICON_ENTRY_KINDS, SEVERITIES


class LexiconEntry(Base):
    """A term, an allow phrase or the switch-off of a shipped term, for the deployment or one unit."""

    __tablename__ = "lexicon_entries"
    __table_args__ = (
        CheckConstraint(in_list("kind", LEXICON_ENTRY_KINDS), name="kind"),
        CheckConstraint(in_list("gate", GATES), name="gate"),
        CheckConstraint(in_list("severity", SEVERITIES), name="severity"),
        Index("ix_lexicon_entries_kind_family_key", "kind", "family", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    family: Mapped[str | None] = mapped_column(String(100))  # None for an allow phrase
    term: Mapped[str] = mapped_column(String(200))  # as the admin wrote it
    key: Mapped[str] = mapped_column(String(200))  # its compact view: what is matched
    gate: Mapped[str | None] = mapped_column(String(20))  # None: the family's default
    severity: Mapped[str | None] = mapped_column(String(20))
    suggestion: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # None: the whole deployment
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def to_dict(self) -> dict[str, Any]:
        """The entry as the API and the audit trail show it: the TSV columns plus where it applies."""
        return entry_dict(self)


#: Rows fetched, or inserted, at a time: SQLAlchemy settles all rows of a fetch or a statement in
#: one go, and 100,000 at once would hold the interpreter for a few hundred ms.
FETCH_ROWS = 2000

#: What ``store_entries`` reads back of every stored entry.
_STORED = (LexiconEntry.id, LexiconEntry.kind, LexiconEntry.term, LexiconEntry.family, LexiconEntry.gate,
           LexiconEntry.severity, LexiconEntry.suggestion, LexiconEntry.note, LexiconEntry.unit_id, LexiconEntry.enabled)


def entry_dict(entry: Any) -> dict[str, Any]:
    """An entry (a ``LexiconEntry`` or a row of ``store_entries``) as the API and the audit trail show it."""
    return {"id": entry.id, "kind": entry.kind, "term": entry.term, "category": entry.family, "gate": entry.gate,
            "severity": entry.severity, "suggestion": entry.suggestion, "note": entry.note,
            "unit_id": entry.unit_id, "enabled": entry.enabled}


def store_entries(session: Session, entries: list[dict[str, Any]], created_by: str) -> list[Row]:
    """Insert many checked entries (an import's: no two of the same kind, family and key) in the
    caller's transaction, a few statements of many rows each rather than one object per entry, and
    read back their columns and ids in the order given."""
    if not entries:
        return []
    now = utcnow()
    stored = []
    for at in range(0, len(entries), FETCH_ROWS):  # a statement's rows are settled in one go: a few thousand at a time
        chunk = entries[at:at + FETCH_ROWS]
        rows = [{**values, "enabled": True, "created_by": created_by, "created_at": now, "updated_at": now}
                for values in chunk]
        # kind, family and key tell an import's entries apart: the rows come back in the file's order
        # without asking the database to keep it (SQLite would then insert them one statement each)
        found = {(row.kind, row.family, row.key): row
                 for row in session.execute(insert(LexiconEntry).returning(*_STORED, LexiconEntry.key), rows)}
        stored.extend(found[(values["kind"], values["family"], values["key"])] for values in chunk)
    return stored


class LexiconState(Base):
    """One row: the lexicon version, bumped by every change of the database's entries."""

    __tablename__ = "lexicon_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FindingFeedback(Base):
    """A reviewer's 误报 (on a stored finding) or 漏报 (a span of a version the tool missed)."""

    __tablename__ = "finding_feedback"
    __table_args__ = (
        CheckConstraint(in_list("kind", FEEDBACK_KINDS), name="kind"),
        CheckConstraint(in_list("status", FEEDBACK_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    field: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(200))  # compact view of the text: what suggestions are grouped by
    family: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(150))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("lexicon_entries.id"))


def lexicon_version(session: Session) -> int:
    """The database's lexicon version (0 before the first change): the per-request check."""
    return session.scalar(select(LexiconState.version).where(LexiconState.id == 1)) or 0


def bump_version(session: Session) -> int:
    """Add one to the lexicon version inside the caller's transaction (the row lock orders writers)."""
    if session.execute(update(LexiconState).where(LexiconState.id == 1)
                       .values(version=LexiconState.version + 1)).rowcount == 0:
        session.add(LexiconState(id=1, version=1))
        session.flush()
    return lexicon_version(session)


def entry_count(session: Session) -> int:
    """How many enabled database entries there are (decides where the overlay is built)."""
    return session.scalar(select(func.count()).select_from(LexiconEntry).where(LexiconEntry.enabled.is_(True))) or 0


def entry_rows(session: Session) -> list[Mapping[str, Any]]:
    """Every enabled database entry as a mapping of plain values, what the engine's overlay is built from."""
    columns = (LexiconEntry.id, LexiconEntry.kind, LexiconEntry.family, LexiconEntry.key, LexiconEntry.term,
               LexiconEntry.gate, LexiconEntry.severity, LexiconEntry.suggestion, LexiconEntry.note, LexiconEntry.unit_id)
    query = select(*columns).where(LexiconEntry.enabled.is_(True)).order_by(LexiconEntry.id)
    rows: list[Mapping[str, Any]] = []
    for chunk in session.execute(query.execution_options(yield_per=FETCH_ROWS)).mappings().partitions():
        rows.extend(chunk)
    return rows
