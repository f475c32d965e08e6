"""What an account owes on a given day: filings, next steps and notices that must stay up, each with its deadline.

Everything comes from the ``owes`` and ``notice`` entries of ``lexicons/registry.toml``. Some
examples: 备案 within 7 working days after 开设, 整合, 变更 or 注销; the national system within
2 working days after the report; going live within a year of approval; coming back within 30
days of a 临时下线. Working days are counted with ``reviewer.calendar``. A deadline that runs into a
year the calendar does not cover is refused there (``calendar_unknown_year``), not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from reviewer.registry.lifecycle import Event, History, local, minimum, notice_earliest_end, period_end, when
from reviewer.registry.rules import Owes, Rules, default_rules


@dataclass(frozen=True)
class Due:
    """One thing owed: what (``code``: a filing, a transition, or ``keep_notice``), since when, by when.

    ``keep`` items are notices that must stay up until ``by``; they are never overdue. ``text``
    is the sentence to show, in Chinese.
    """

    code: str
    name: str
    because: str
    since: datetime
    by: datetime
    overdue: bool
    keep: bool
    text: str
    source: str


def due(history: History, today: date | datetime, rules: Rules | None = None) -> list[Due]:
    """Everything the account owes at ``today`` (a day, or a moment), soonest deadline first."""
    rules = rules or default_rules()
    items: list[Due] = []
    finished = not rules.next_states(history.state)  # closed or released: no notice needs keeping up
    for index, event in enumerate(history.events):
        step = rules.transitions[event.action]
        for owe in step.owes:
            item = _owed(rules, history, index, event, owe, today)
            if item is not None:
                items.append(item)
        if not finished and event.notice is not None and step.notice is not None and (step.notice.min_days or step.notice.min_working_days):
            until = notice_earliest_end(event.notice, step.notice)
            by = datetime.combine(until, time.min, event.at.tzinfo)
            if _day(today) < until and event.notice.end is None:
                items.append(Due("keep_notice", step.notice.name, event.action, event.at, by, False, True,
                                 f"{step.notice.name}（{event.notice.start} 发布）须保留{minimum(step.notice)}，{until} 前不得撤下",
                                 step.notice.source))
    return sorted(items, key=lambda d: (d.by, d.code))


def _owed(rules: Rules, history: History, index: int, event: Event, owe: Owes, today: date | datetime) -> Due | None:
    """The item ``event`` still owes under ``owe``, or None once it is discharged (or cannot start yet)."""
    if owe.what in rules.filings:
        since = event.at
        if owe.after is not None:
            started = [f.at for f in history.filings if f.kind == owe.after and f.at >= event.at]
            if not started:
                return None  # counted from a filing not made yet; that filing is itself owed
            since = min(started)
        if any(f.kind == owe.what and f.at >= since for f in history.filings):
            return None
    else:
        since = event.at
        if any(e.state != event.state for e in history.events[index + 1:]):
            return None  # the account left the state: by the owed step, or by another one
    by = period_end(since, owe)
    overdue = _past(by, today)
    start = rules.filings[owe.after] if owe.after else f"{rules.name_of(event.action)}（{when(event.at)}）"
    status = "已逾期" if overdue else "未逾期"
    text = f"{start}后 {owe.period()}内{rules.name_of(owe.what)}：截止 {when(by)}，{status}"
    return Due(owe.what, rules.name_of(owe.what), event.action, since, by, overdue, False, text, owe.source)


def _past(by: datetime, today: date | datetime) -> bool:
    """Overdue at a moment once the deadline is behind it. For a day: the deadline was reached before the day began."""
    if isinstance(today, datetime):
        return today > by
    return by <= datetime.combine(today, time.min, by.tzinfo)


def _day(today: date | datetime) -> date:
    return local(today).date() if isinstance(today, datetime) else today
