"""The account history the database holds, in the inspection's columns: what this system published.

The inspection (``reviewer.inspection``) reads exported histories; this is the same history taken
from ``publications`` (a reply to a stored citizen's message with the time the message arrived, so
the late-reply rule applies; a message with no reply yet as an ``unanswered`` row, so one left
waiting past its limit is a late reply too), so an office can inspect its own accounts without exporting from each
platform. A withdrawn item (撤稿) is not a live update: it is left out, so it counts neither for
the 14-day rule nor as an original. ``last_live_update`` is the same rule for the daily alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from reviewer.aftercare.state import live_publications
from reviewer.inspection.records import COLUMNS, UNANSWERED
from reviewer.storage import Account, Draft, DraftVersion, MessageRow, Publication, Unit, utcnow


def history_rows(session: Session, account_ids: Iterable[int] | None = None,
                 until: datetime | None = None) -> Iterator[dict]:
    """Each live publication as an inspection row (``reviewer.inspection.records.COLUMNS``), oldest first."""
    query = (live_publications().add_columns(DraftVersion, Draft, Account, Unit, MessageRow.received_at)
             .join(DraftVersion, DraftVersion.id == Publication.version_id)
             .join(Draft, Draft.id == Publication.draft_id)
             .join(Account, Account.id == Draft.account_id)
             .join(Unit, Unit.id == Account.unit_id)
             .outerjoin(MessageRow, MessageRow.id == Draft.message_id))
    if account_ids is not None:
        query = query.where(Account.id.in_(sorted(set(account_ids)) or [-1]))
    if until is not None:
        query = query.where(Publication.published_at <= until)
    for publication, version, draft, account, unit, message_at in session.execute(
            query.order_by(Publication.published_at, Publication.id)):
        row = {"id": f"稿件{draft.id}-第{version.number}版", "account": account.name, "platform": account.platform,
               "unit": unit.name, "published_at": publication.published_at.isoformat(), "title": version.title,
               "text": version.body, "kind": draft.kind, "is_original": "",
               # a reply to a stored citizen's message carries when it arrived: the late-reply rule reads it
               "message_at": message_at.isoformat() if message_at else ""}
        yield {column: row[column] for column in COLUMNS}
    yield from unanswered_rows(session, account_ids, until)


def unanswered_rows(session: Session, account_ids: Iterable[int] | None = None,
                    until: datetime | None = None) -> Iterator[dict]:
    """Each citizen's message with no published reply by ``until`` (default now), as an ``unanswered``
    row: the inspection counts one waiting longer than its limit as a late reply, like a reply
    published late. The citizen's text stays out of the file (it is not the account's)."""
    asof = until or utcnow()
    query = (select(MessageRow, Account, Unit).join(Account, Account.id == MessageRow.account_id)
             .join(Unit, Unit.id == Account.unit_id)
             .where(MessageRow.received_at <= asof,
                    or_(MessageRow.answered_at.is_(None), MessageRow.answered_at > asof)))
    if account_ids is not None:
        query = query.where(Account.id.in_(sorted(set(account_ids)) or [-1]))
    for message, account, unit in session.execute(query.order_by(MessageRow.received_at, MessageRow.id)):
        row = {"id": f"留言{message.id}（未答复）", "account": account.name, "platform": account.platform,
               "unit": unit.name, "published_at": asof.isoformat(), "title": "", "text": "",
               "kind": UNANSWERED, "is_original": "", "message_at": message.received_at.isoformat()}
        yield {column: row[column] for column in COLUMNS}


def write_history(session: Session, path: Path, account_ids: Iterable[int] | None = None,
                  until: datetime | None = None) -> int:
    """Write the live history as JSONL (a file ``reviewer.inspection`` reads); returns the rows written."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in history_rows(session, account_ids, until):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def last_live_update(session: Session, account_id: int, until: datetime) -> datetime | None:
    """When the account last published something still live, up to ``until``."""
    sub = live_publications().subquery()
    return session.scalar(select(func.max(sub.c.published_at)).select_from(sub)
                          .join(Draft, Draft.id == sub.c.draft_id)
                          .where(Draft.account_id == account_id, sub.c.published_at <= until))
