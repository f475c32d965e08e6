"""The stored Q&A library: a unit curates its entries, answered messages become entries, replies get suggestions.

A message's suggestions come from the live entries of the unit that runs the account and of every
unit above it (a county answers with its city's entries too), built into a ``qa.Library``; a built
library is kept until an entry of those units changes, so a page does not rebuild it per request.
Outdated entries are still offered, flagged (expired, or naming an agency renamed since), because
the person replying should see them and fix the text, and the review of the reply would stop them.
Answered messages are grouped by topic with ``topics.cluster`` (measured in ``bench/bench_qa.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.errors import fail
from reviewer.messages import qa, topics
from reviewer.messages.inbox import get_message, require_capability, unit_scope
from reviewer.storage import Account, Draft, DraftVersion, MessageRow, QaEntry, Unit, User, utcnow

MAX_QUESTION = 2000
MAX_ANSWER = 10000
_CACHE: dict[tuple, qa.Library] = {}
_CACHE_LOCK = threading.Lock()


def ancestor_unit_ids(session: Session, unit_id: int) -> list[int]:
    """The unit and every unit above it, nearest first."""
    parents = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
    path: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in path:
        path.append(current)
        current = parents.get(current)
    return path


def _clean(value: Any, what: str, limit: int, *, required: bool = True) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise fail("missing_field", f"{what}不能为空。")
        return None
    if len(text) > limit:
        raise fail("too_long", f"{what}过长：{len(text)} 字，上限 {limit} 字。")
    return text


def _until(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise fail("invalid_date", f"有效期“{str(value)[:20]}”不是日期，应写作 2026-12-31。") from None


def _record(session: Session, event: str, actor: User, entry: QaEntry, ip: str | None, **details: Any) -> None:
    audit.record(session, event, actor_id=actor.id, actor_name=actor.username, unit_id=entry.unit_id, ip=ip,
                 details={"entry_id": entry.id, **details})


def add_entry(session: Session, actor: User, unit_id: Any, question: Any, answer: Any, department: Any = None,
              valid_until: Any = None, *, message_id: int | None = None, ip: str | None = None) -> QaEntry:
    """A new entry of one of the actor's units."""
    require_capability(session, actor, "qa.curate")
    if unit_id is None:
        raise fail("missing_field", "请选择条目所属的单位。")
    if not isinstance(unit_id, int) or unit_id not in unit_scope(session, actor):
        raise fail("not_found", "单位不存在，或不是您所在的单位。")
    now = utcnow()
    entry = QaEntry(unit_id=unit_id, question=_clean(question, "问题", MAX_QUESTION), answer=_clean(answer, "答复", MAX_ANSWER),
                    department=_clean(department, "部门", 200, required=False), valid_until=_until(valid_until),
                    message_id=message_id, created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    _record(session, "qa.create", actor, entry, ip, **({"message_id": message_id} if message_id else {}))
    return entry


def get_entry(session: Session, actor: User, entry_id: Any) -> QaEntry:
    require_capability(session, actor, "message.read")
    entry = session.get(QaEntry, entry_id) if isinstance(entry_id, int) and 0 < entry_id < 2**31 else None
    if entry is None or entry.unit_id not in unit_scope(session, actor):
        raise fail("not_found", "问答条目不存在，或不属于您所在的单位。")
    return entry


def edit_entry(session: Session, actor: User, entry_id: Any, question: Any, answer: Any, department: Any = None,
               valid_until: Any = None, *, ip: str | None = None) -> QaEntry:
    """Change an entry's text, department or validity; the audit entry names what changed."""
    require_capability(session, actor, "qa.curate")
    entry = get_entry(session, actor, entry_id)
    new = {"question": _clean(question, "问题", MAX_QUESTION), "answer": _clean(answer, "答复", MAX_ANSWER),
           "department": _clean(department, "部门", 200, required=False), "valid_until": _until(valid_until)}
    changed = sorted(k for k, v in new.items() if getattr(entry, k) != v)
    for key, value in new.items():
        setattr(entry, key, value)
    entry.updated_at = utcnow()
    session.flush()
    _record(session, "qa.edit", actor, entry, ip, changes=changed)
    return entry


def retire_entry(session: Session, actor: User, entry_id: Any, *, ip: str | None = None) -> QaEntry:
    """Stop offering an entry (kept on record)."""
    require_capability(session, actor, "qa.curate")
    entry = get_entry(session, actor, entry_id)
    if entry.retired_at is not None:
        raise fail("invalid_state", "该条目已停用。")
    entry.retired_at = entry.updated_at = utcnow()
    session.flush()
    _record(session, "qa.retire", actor, entry, ip)
    return entry


def entries(session: Session, actor: User, *, include_retired: bool = False) -> list[QaEntry]:
    """The entries of the actor's units, newest first."""
    require_capability(session, actor, "message.read")
    query = select(QaEntry).where(QaEntry.unit_id.in_(sorted(unit_scope(session, actor)) or [-1]))
    if not include_retired:
        query = query.where(QaEntry.retired_at.is_(None))
    return list(session.scalars(query.order_by(QaEntry.id.desc())))


def published_reply(session: Session, message: MessageRow) -> str | None:
    """The body of the published reply to ``message``, if there is one."""
    return session.scalar(select(DraftVersion.body).join(Draft, Draft.id == DraftVersion.draft_id)
                          .where(Draft.message_id == message.id, Draft.status == "published",
                                 DraftVersion.number == Draft.current_version).order_by(Draft.id.desc()).limit(1))


def entry_from_message(session: Session, actor: User, message_id: Any, *, ip: str | None = None) -> QaEntry:
    """An entry made of an answered message: its (masked) question and its published answer."""
    message = get_message(session, actor, message_id)
    answer = published_reply(session, message)
    if answer is None:
        raise fail("not_answered", "这条留言还没有已发布的答复，不能转为问答条目。")
    account = session.get(Account, message.account_id)
    return add_entry(session, actor, message.unit_id if message.unit_id in unit_scope(session, actor) else account.unit_id,
                     message.shown_text, answer, account.department, message_id=message.id, ip=ip)


def library_for(session: Session, unit_id: int) -> qa.Library:
    """The library of the live entries of ``unit_id`` and the units above it (cached until one changes)."""
    units = tuple(ancestor_unit_ids(session, unit_id))
    live = select(QaEntry).where(QaEntry.unit_id.in_(units), QaEntry.retired_at.is_(None))
    stamp = session.execute(select(func.count(), func.max(QaEntry.updated_at)).where(QaEntry.unit_id.in_(units))).one()
    key = (str(session.bind.url), units, stamp[0], stamp[1])
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    library = qa.Library(qa.Entry(e.id, e.question, e.answer, e.department or "", names.get(e.unit_id, ""), e.valid_until)
                         for e in session.scalars(live.order_by(QaEntry.id)))
    with _CACHE_LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = library
    return library


def suggestions(session: Session, actor: User, message_id: Any, k: int = 3, today: date | None = None) -> list[qa.Suggestion]:
    """The entries closest to a message, flagged when outdated, from its account's unit and those above."""
    message = get_message(session, actor, message_id)
    account = session.get(Account, message.account_id)
    return library_for(session, account.unit_id).suggest(message.text, k=k, today=today)


@dataclass(frozen=True)
class Topic:
    keywords: tuple[str, ...]
    messages: list[MessageRow]


def answered_topics(session: Session, actor: User, n_clusters: int | None = None) -> list[Topic]:
    """The actor's units' answered (and closed) messages grouped by topic, largest first."""
    require_capability(session, actor, "message.read")
    rows = list(session.scalars(select(MessageRow).where(MessageRow.unit_id.in_(sorted(unit_scope(session, actor)) or [-1]),
                                                         MessageRow.state.in_(("answered", "closed")))
                                .order_by(MessageRow.id)))
    found = topics.cluster([r.text for r in rows], n_clusters) if rows else []
    return [Topic(c.keywords, [rows[i] for i in c.members]) for c in found]
