"""An account's lifecycle in the database: its History from the event and filing rows, transitions
and filings through ``reviewer.registry``, and what the register owes on a day.

``reviewer.registry`` decides (allowed or refused with the reason; what is due by when); this
module only loads the rows into its dataclasses, stores the event it returns, keeps
``accounts.state`` equal to the last event's state and audits the step with its before and after.

An account registered without a recorded history (accounts that existed before migration 0009, or
entered as already live) starts from a *baseline*: one event that put it in its stored state long
ago. It lets the state machine take the next step; it is never stored, shown or counted as owing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.admin.register import find_account
from reviewer.admin.units import CLI_ACTOR, UnitError
from reviewer.audit import chain as audit
from reviewer.calendar import BEIJING
from reviewer.registry import Approval, Due, Event, Filing, History, Notice, default_rules, due, record_filing, transition
from reviewer.storage import Account, AccountEvent, AccountFiling

#: When the baseline event of an account without history is taken to have happened.
BASELINE_AT = datetime(2000, 1, 1, tzinfo=UTC)
BASELINE_WHO = "（建档前）"


def moment(day: date | datetime | None) -> datetime:
    """The moment of a step: a datetime as given, a day as its end in Beijing time (时间不详，按当日计), else now."""
    if day is None:
        return datetime.now(BEIJING)
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=BEIJING)
    return datetime.combine(day, time(23, 59, 59), BEIJING)


def _event(row: AccountEvent) -> Event:
    approval = Approval(row.approval_by, row.approval_on, row.approval_document) if row.approval_by else None
    notice = Notice(row.notice_text, row.notice_start, row.notice_end) if row.notice_text else None
    return Event(row.action, row.state, row.at, row.who, approval, notice, row.reason, row.force_majeure)


def history_of(session: Session, account: Account) -> History:
    """The account's recorded history, oldest first (no baseline)."""
    events = session.scalars(select(AccountEvent).where(AccountEvent.account_id == account.id)
                             .order_by(AccountEvent.at, AccountEvent.id))
    filings = session.scalars(select(AccountFiling).where(AccountFiling.account_id == account.id)
                              .order_by(AccountFiling.at, AccountFiling.id))
    return History(str(account.id), tuple(_event(e) for e in events),
                   tuple(Filing(f.kind, f.at, f.who, f.note) for f in filings))


def _with_baseline(account: Account, history: History) -> History:
    if history.events:
        return history
    rules = default_rules()
    step = next((t for t in rules.transitions.values() if t.to == account.state), None)
    if step is None:
        return history
    return History(history.account, (Event(step.code, account.state, BASELINE_AT, BASELINE_WHO),), history.filings)


@dataclass(frozen=True)
class Step:
    """What a person asks: the target state and the record the notices require."""

    to: str
    at: datetime
    who: str
    approval: Approval | None = None
    notice: Notice | None = None
    reason: str | None = None
    force_majeure: bool = False


def transition_account(session: Session, account_ref: str | int, step: Step, *,
                       actor_name: str = CLI_ACTOR) -> tuple[Account, Event]:
    """Move the account as ``step`` asks, or raise the registry's refusal (code and Chinese reason)."""
    from reviewer.admin.register import state_code

    account = find_account(session, account_ref)
    to = state_code(step.to) if step.to not in default_rules().states else step.to
    history = _with_baseline(account, history_of(session, account))
    event = transition(history, to, step.at, step.who.strip(), step.approval, step.notice, step.reason,
                       step.force_majeure)
    before = account.state
    session.add(AccountEvent(
        account_id=account.id, action=event.action, state=event.state, at=event.at, who=event.who,
        approval_by=event.approval.by if event.approval else None,
        approval_on=event.approval.on if event.approval else None,
        approval_document=event.approval.document if event.approval else None,
        notice_text=event.notice.text if event.notice else None,
        notice_start=event.notice.start if event.notice else None,
        notice_end=event.notice.end if event.notice else None,
        reason=event.reason, force_majeure=event.force_majeure))
    account.state = event.state
    session.flush()
    rules = default_rules()
    audit.record(session, "account.transition", actor_name=actor_name, unit_id=account.unit_id, account_id=account.id,
                 details={"account_id": account.id, "name": account.name, "action": event.action,
                          "action_name": rules.name_of(event.action), "before": before, "after": event.state,
                          "before_name": rules.states.get(before, before), "after_name": rules.states[event.state],
                          "at": event.at.isoformat(), "who": event.who, "reason": event.reason,
                          "approval": event.approval.by if event.approval else None,
                          "notice": event.notice.text if event.notice else None,
                          "force_majeure": event.force_majeure})
    return account, event


def file_account(session: Session, account_ref: str | int, kind: str, at: datetime, who: str,
                 note: str | None = None, *, actor_name: str = CLI_ACTOR) -> tuple[Account, Filing]:
    """Record a filing (备案) of the account; it discharges what the account owes (``reviewer.registry.due``)."""
    account = find_account(session, account_ref)
    recorded = history_of(session, account)
    filing = record_filing(_with_baseline(account, recorded), kind, at, who.strip(), note)
    discharged = next((d for d in due(recorded, at) if d.code == kind and d.since <= at), None)
    session.add(AccountFiling(account_id=account.id, kind=filing.kind, at=filing.at, who=filing.who, note=filing.note))
    session.flush()
    rules = default_rules()
    audit.record(session, "account.filing", actor_name=actor_name, unit_id=account.unit_id, account_id=account.id,
                 details={"account_id": account.id, "name": account.name, "kind": kind,
                          "kind_name": rules.filings[kind], "at": at.isoformat(), "who": filing.who, "note": note,
                          "situation": rules.name_of(discharged.because) if discharged else None,
                          "deadline": discharged.by.isoformat() if discharged else None,
                          "late": discharged.overdue if discharged else None})
    return account, filing


def owed_filings(session: Session, account: Account, today: date | datetime) -> list[Due]:
    """The filings (备案) the account owes at ``today``, each with the step it follows and its deadline."""
    rules = default_rules()
    return [d for d in due(history_of(session, account), today) if d.code in rules.filings]


@dataclass(frozen=True)
class Owed:
    """One thing an account owes, for the dashboard and ``reviewer registry due``."""

    account: Account
    item: Due


def owed(session: Session, today: date | datetime, unit_ids: set[int] | None = None,
         overdue_only: bool = False) -> list[Owed]:
    """What the accounts (of ``unit_ids``; None: all) owe at ``today``: overdue first, then by deadline."""
    query = select(Account).order_by(Account.id)
    if unit_ids is not None:
        query = query.where(Account.unit_id.in_(sorted(unit_ids) or [-1]))
    items = [Owed(account, item) for account in session.scalars(query)
             for item in due(history_of(session, account), today)
             if item.overdue or not overdue_only]
    return sorted(items, key=lambda o: (not o.item.overdue, o.item.by, o.account.id))


def timeline(session: Session, account: Account) -> list[AccountEvent | AccountFiling]:
    """The account's recorded events and filings, oldest first, for its page."""
    events = list(session.scalars(select(AccountEvent).where(AccountEvent.account_id == account.id)))
    filings = list(session.scalars(select(AccountFiling).where(AccountFiling.account_id == account.id)))
    return sorted([*events, *filings], key=lambda row: (row.at, row.recorded_at))


def next_states(account: Account) -> list[tuple[str, str]]:
    """(code, name) of the states the account may be moved to now, for the transition form."""
    rules = default_rules()
    return [(s, rules.states[s]) for s in rules.next_states(account.state)]


def parse_day(value: str, what: str) -> date:
    """A day typed as YYYY-MM-DD, or a Chinese refusal."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise UnitError("invalid_date", f"{what}必须是 YYYY-MM-DD 格式的日期，而不是“{value}”。") from None
