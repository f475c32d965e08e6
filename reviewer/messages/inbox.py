"""The message use cases: receive a message, assign, transfer and move it, list the queue and what is overdue.

Each function works on the caller's Session, checks the actor's capability (``reviewer.permissions``)
and units, applies the pure rules of ``handling`` (which move is allowed, the deadline in working
days from receipt, the screening), writes the row, its history step and an audit entry in the same
transaction, and never commits. A refused action raises a ``WorkflowError`` with a stable code and
a Chinese reason. Drafting a reply is in ``replies``; publishing that reply (the workflow) answers
the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from reviewer.audit import chain as audit
from reviewer.bootstrap import review_engine
from reviewer.calendar import BEIJING
from reviewer.errors import fail
from reviewer.messages import handling
from reviewer.permissions import allows, role_refusal, roles_for
from reviewer.storage import Account, MessageRow, MessageStep, Unit, User, UserRole, UserUnit, descendant_unit_ids, utcnow
from reviewer.workflow.validation import MESSAGE_FIELD_CODES, labelled_text

#: How a message came in (stored in ``messages.via``).
VIA = ("web", "api", "import")
#: The moves a person makes by hand; 答复 happens when the reply is published.
MANUAL_MOVES = ("take", "transfer", "close")
#: States in which a message still waits for its answer.
OPEN_STATES = ("pending", "handling")
MAX_TEXT = 5000
MAX_CONTACT = 200
#: A receipt time this far ahead of the server's clock is a typing error, not clock skew.
FUTURE_TOLERANCE = timedelta(minutes=10)


def require_capability(session: Session, actor: User, capability: str) -> None:
    roles = frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == actor.id)))
    if not allows(roles, capability):
        raise fail("forbidden_role", role_refusal(capability))


def unit_scope(session: Session, actor: User) -> set[int]:
    """The actor's units and every unit below them: whose messages they see and handle."""
    return descendant_unit_ids(session, session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == actor.id)))


def parse_moment(value: Any, what: str = "收到时间") -> datetime:
    """An aware datetime from a datetime or text (YYYY-MM-DD HH:MM[:SS], ISO 8601); naive means Beijing time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("/", "-").upper()
        text = re.sub(r"(T|\s)(\d{2}:\d{2}):60", r"\1\2:59", text)  # a leap second counts as its minute's last
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise fail("invalid_time", f"{what}“{value[:40]}”不是有效的时间，应写作 2026-11-27 17:00。") from None
    else:
        raise fail("invalid_time", f"缺少{what}（应写作 2026-11-27 17:00）。")
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def _text(value: Any, what: str, limit: int, *, required: bool) -> str | None:
    """A message field as typed, trimmed; refusals name each problem's own code (``MESSAGE_FIELD_CODES``)."""
    return labelled_text(what, value.strip() if isinstance(value, str) else value, limit, required=required,
                         codes=MESSAGE_FIELD_CODES)


def find_account(session: Session, actor: User, ref: Any) -> Account:
    """An active account of the actor's units by id or by name (unique names only), else 404."""
    scope = unit_scope(session, actor)
    query = select(Account).where(Account.active.is_(True), Account.unit_id.in_(sorted(scope) or [-1]))
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = session.scalars(query.where(Account.id == ref)).all()
    elif isinstance(ref, str) and ref.strip():
        ref = ref.strip()
        found = session.scalars(query.where(or_(Account.name == ref, Account.id == (int(ref) if ref.isdigit() and len(ref) < 10 else -1)))).all()
    else:
        raise fail("missing_field", "缺少账号（编号或名称）。")
    if len(found) != 1:
        shown = str(ref)[:50]
        raise fail("unknown_account", f"账号“{shown}”不存在、不属于您的单位，或在多个平台同名（请写编号）。"
                   if not found or len(found) > 1 else f"账号“{shown}”不存在。")
    return found[0]


@dataclass(frozen=True)
class Incoming:
    """One message as a person, the API or a file gives it, before any check."""

    account: Any
    received_at: Any
    text: Any
    contact: Any = None


@dataclass(frozen=True)
class Checked:
    account: Account
    received_at: datetime
    text: str
    contact: str | None
    due_at: datetime


def check_incoming(session: Session, actor: User, incoming: Incoming, now: datetime | None = None) -> Checked:
    """The message validated: an account of the actor's units, a real past time, a text; its deadline."""
    account = find_account(session, actor, incoming.account)
    received = parse_moment(incoming.received_at)
    if received > (now or utcnow()) + FUTURE_TOLERANCE:
        raise fail("received_in_future", f"收到时间 {received.astimezone(BEIJING):%Y-%m-%d %H:%M} 晚于现在。")
    text = _text(incoming.text, "留言内容", MAX_TEXT, required=True)
    contact = _text(incoming.contact, "联系方式", MAX_CONTACT, required=False)
    due = handling.due_at(handling.Message(account.platform, account.name, received, text, str(account.unit_id)))
    return Checked(account, received, text, contact, due.astimezone(UTC))


def _step(session: Session, row: MessageRow, move: str, at: datetime, actor: User | str, reason: str | None = None,
          draft_id: int | None = None) -> MessageStep:
    step = MessageStep(message_id=row.id, move=move, state=row.state, at=at,
                       actor_name=actor if isinstance(actor, str) else actor.username, unit_id=row.unit_id,
                       handler_id=row.handler_id, reason=reason, draft_id=draft_id)
    session.add(step)
    session.flush()
    return step


def audit_message(session: Session, event: str, actor: User, row: MessageRow, ip: str | None, **details: Any) -> None:
    audit.record(session, event, actor_id=actor.id, actor_name=actor.username, unit_id=row.unit_id,
                 account_id=row.account_id, ip=ip, details={"message_id": row.id, **details})


def store(session: Session, actor: User, checked: Checked, via: str, ip: str | None = None) -> MessageRow:
    """Insert a checked message, screened, with its first history step (no audit: callers record it)."""
    screened = handling.screen(checked.text, review_engine(session))
    row = MessageRow(account_id=checked.account.id, unit_id=checked.account.unit_id, received_at=checked.received_at,
                     text=checked.text, contact=checked.contact, via=via, state="pending", due_at=checked.due_at,
                     shown_text=screened.shown, masked=screened.masked, marks=[list(m) for m in screened.marks],
                     created_at=utcnow())
    session.add(row)
    session.flush()
    _step(session, row, "receive", checked.received_at, actor)
    return row


def receive(session: Session, actor: User, incoming: Incoming, *, via: str = "web", ip: str | None = None) -> MessageRow:
    """One citizen's message, entered by hand or by the API: checked, screened, due date fixed, audited."""
    require_capability(session, actor, "message.handle")
    if via not in VIA:
        raise ValueError(f"unknown via {via!r}")
    row = store(session, actor, check_incoming(session, actor, incoming), via, ip)
    audit_message(session, "message.receive", actor, row, ip, via=via, received_at=row.received_at.isoformat(),
           due_at=row.due_at.isoformat())
    return row


def get_message(session: Session, actor: User, message_id: Any) -> MessageRow:
    """A message held by, or written to an account of, the actor's units; 404 otherwise."""
    require_capability(session, actor, "message.read")
    row = session.get(MessageRow, message_id) if isinstance(message_id, int) and 0 < message_id < 2**31 else None
    if row is not None:
        scope = unit_scope(session, actor)
        account_unit = session.scalar(select(Account.unit_id).where(Account.id == row.account_id))
        if row.unit_id in scope or account_unit in scope:
            return row
    raise fail("not_found", "留言不存在，或不属于您所在的单位。")


def history(session: Session, row: MessageRow) -> list[MessageStep]:
    """Every step of the message, oldest first."""
    return list(session.scalars(select(MessageStep).where(MessageStep.message_id == row.id).order_by(MessageStep.id)))


def as_rules_message(session: Session, row: MessageRow) -> handling.Message:
    """The stored message as ``handling`` sees it (units named by their ids)."""
    account = session.get(Account, row.account_id)
    steps = tuple(handling.Step(s.move, s.state, s.at, s.actor_name, str(s.unit_id), s.reason)
                  for s in history(session, row) if s.move in handling.default_rules().moves)
    first = session.scalar(select(MessageStep.unit_id).where(MessageStep.message_id == row.id).order_by(MessageStep.id))
    return handling.Message(account.platform, account.name, row.received_at, row.text, str(first or row.unit_id),
                            row.contact, steps)


def move(session: Session, actor: User, message_id: Any, code: str, *, unit_id: Any = None, reason: Any = None,
         at: datetime | None = None, ip: str | None = None) -> MessageRow:
    """接办, 转办 (to another unit, with a reason; the clock keeps running) or 办结, by the rules' table."""
    require_capability(session, actor, "message.handle")
    row = get_message(session, actor, message_id)
    if code not in MANUAL_MOVES:
        raise fail("message_move_not_allowed", "答复须通过发布经审核的留言回复完成。" if code == "answer"
                   else f"没有“{code}”这一步。")
    reason = _text(reason, "理由", 2000, required=False)
    target: Unit | None = None
    if code == "transfer":
        target = session.get(Unit, unit_id) if isinstance(unit_id, int) and 0 < unit_id < 2**31 else None
        if target is None:
            raise fail("transfer_unit_required", "转办须指定另一个承办单位。")
    at = at or utcnow()
    if at < row.received_at:
        at = row.received_at
    moved = handling.move(as_rules_message(session, row), code, at, actor.username,
                          unit=str(target.id) if target else None, reason=reason)
    row.state = moved.state
    if target is not None:
        row.unit_id, row.handler_id = target.id, None
    elif code == "take" and row.handler_id is None:
        row.handler_id = actor.id
    _step(session, row, code, at, actor, reason)
    audit_message(session, f"message.{code}", actor, row, ip, **({"reason": reason, "unit_id": row.unit_id} if target else {}))
    return row


def assign(session: Session, actor: User, message_id: Any, handler: Any, *, ip: str | None = None) -> MessageRow:
    """Give the message to someone of the holding unit or a unit above it (who sees it); the state stays."""
    require_capability(session, actor, "message.handle")
    row = get_message(session, actor, message_id)
    if row.state not in OPEN_STATES:
        raise fail("message_move_not_allowed", f"留言已{handling.default_rules().states[row.state]}，不能再分派。")
    user = session.scalar(select(User).where(User.username == handler)) if isinstance(handler, str) else (
        session.get(User, handler) if isinstance(handler, int) and 0 < handler < 2**31 else None)
    if user is None or user.id not in {u.id for u in handlers(session, row)}:
        raise fail("unknown_handler", "承办人不存在、已停用、不办理留言，或不属于承办单位及其上级单位。")
    row.handler_id = user.id
    _step(session, row, "assign", utcnow(), actor)
    audit_message(session, "message.assign", actor, row, ip, handler=user.username)
    return row


def handlers(session: Session, row: MessageRow) -> list[User]:
    """Active people who may be given the message: they handle messages and belong to the holding
    unit or a unit above it."""
    roles = sorted(roles_for("message.handle"))
    people = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(User.active.is_(True), UserRole.role.in_(roles)).distinct().order_by(User.username))
    return [u for u in people if row.unit_id in unit_scope(session, u)]


@dataclass(frozen=True)
class QueueItem:
    message: MessageRow
    account: Account
    unit: Unit
    overdue: bool
    waited: timedelta  # from receipt to the answer, or to ``at`` while unanswered

    @property
    def waited_text(self) -> str:
        return waited_text(self.waited)


def waited_text(span: timedelta) -> str:
    """“2 天 3 小时”: how long the citizen has waited, in words."""
    hours = max(0, int(span.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    minutes = max(0, int(span.total_seconds() // 60)) % 60
    if days:
        return f"{days} 天 {hours} 小时"
    return f"{hours} 小时 {minutes} 分" if hours else f"{minutes} 分钟"


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def queue(session: Session, actor: User, at: datetime, *, state: str | None = None, account_id: int | None = None,
          page: int = 1, size: int = 20) -> QueuePage:
    """The actor's units' messages: open ones first, soonest due (so overdue) first; then answered and closed ones."""
    require_capability(session, actor, "message.read")
    scope = sorted(unit_scope(session, actor)) or [-1]
    query = (select(MessageRow, Account, Unit).join(Account, Account.id == MessageRow.account_id)
             .join(Unit, Unit.id == MessageRow.unit_id)
             .where(or_(MessageRow.unit_id.in_(scope), Account.unit_id.in_(scope))))
    if state:
        query = query.where(MessageRow.state == state)
    if account_id:
        query = query.where(MessageRow.account_id == account_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    open_first = case((MessageRow.state.in_(OPEN_STATES), 0), else_=1)
    rows = session.execute(query.order_by(open_first, MessageRow.due_at, MessageRow.id)
                           .offset((max(page, 1) - 1) * size).limit(size)).all()
    items = []
    for message, account, unit in rows:
        end = message.answered_at if message.answered_at else at
        items.append(QueueItem(message, account, unit, message.state in OPEN_STATES and at > message.due_at,
                               end - message.received_at))
    return QueuePage(items, total, max(page, 1), size)


@dataclass(frozen=True)
class OverdueMessage:
    """A message nobody had answered within its limit at the moment asked about."""

    message_id: int
    account_id: int
    account: str
    platform: str
    unit_id: int
    unit: str
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None


def unanswered(session: Session, at: datetime, unit_ids: set[int] | None = None) -> list[OverdueMessage]:
    """Every message received by ``at`` and not answered by then, by unit, account and deadline;
    ``unit_ids`` limits it to the units holding them."""
    query = (select(MessageRow, Account, Unit).join(Account, Account.id == MessageRow.account_id)
             .join(Unit, Unit.id == MessageRow.unit_id)
             .where(MessageRow.received_at <= at, or_(MessageRow.answered_at.is_(None), MessageRow.answered_at > at)))
    if unit_ids is not None:
        query = query.where(MessageRow.unit_id.in_(sorted(unit_ids) or [-1]))
    rows = session.execute(query.order_by(Unit.id, Account.id, MessageRow.due_at, MessageRow.id)).all()
    return [OverdueMessage(m.id, a.id, a.name, a.platform, u.id, u.name, m.received_at, m.due_at, m.answered_at)
            for m, a, u in rows]


def overdue_messages(session: Session, at: datetime, unit_ids: set[int] | None = None) -> list[OverdueMessage]:
    """The messages nobody had answered within their limit at ``at`` (不闻不问 / 未在规定时限内回复),
    by unit, account and deadline: for the queue, the alerts and the inspection."""
    return [m for m in unanswered(session, at, unit_ids) if m.due_at < at]
