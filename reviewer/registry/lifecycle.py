"""The account lifecycle as a state machine: the next step is allowed or refused, with the reason.

    申请开设 applied ─批准─► 已批准 approved ─上线─► 已上线 live ─┬─ 信息变更 (stays live)
                                                              ├─ 临时下线 offline ─恢复上线─► live
                                                              ├─ 整合 merged
                                                              └─ 启动注销关停 ─► 注销中 closing ─完成注销─► 已注销 closed
    approved / live / offline / merged ─退出监管─► released

The states, the transitions and what each one needs are data (``lexicons/registry.toml``, with
the notices quoted). This module only applies them to one account's history. A refusal is a
``WorkflowError`` with a stable code and a Chinese message that says which rule refused the step
and what would satisfy it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from reviewer.calendar import BEIJING, add_working_days
from reviewer.errors import fail
from reviewer.registry.rules import NoticeRule, Owes, Rules, Transition, default_rules


@dataclass(frozen=True)
class Approval:
    """Who approved, when, and the document (文号 or attachment) when there is one."""

    by: str
    on: date
    document: str | None = None


@dataclass(frozen=True)
class Notice:
    """A public notice: its text, the day it went up, and the day it came down (None: still up)."""

    text: str
    start: date
    end: date | None = None


@dataclass(frozen=True)
class Event:
    """One step of an account's lifecycle: the transition, the state it led to, and its record."""

    action: str
    state: str
    at: datetime
    who: str
    approval: Approval | None = None
    notice: Notice | None = None
    reason: str | None = None
    force_majeure: bool = False


@dataclass(frozen=True)
class Filing:
    """A filing (备案) made for the account: to the government office, or in the national system."""

    kind: str
    at: datetime
    who: str
    note: str | None = None


@dataclass(frozen=True)
class History:
    """Everything recorded for one account, oldest first. It is immutable: ``append`` returns a new History."""

    account: str = ""
    events: tuple[Event, ...] = ()
    filings: tuple[Filing, ...] = ()

    @property
    def state(self) -> str | None:
        return self.events[-1].state if self.events else None

    def append(self, item: Event | Filing) -> History:
        if isinstance(item, Filing):
            return replace(self, filings=(*self.filings, item))
        return replace(self, events=(*self.events, item))


def period_end(start: datetime, owe: Owes) -> datetime:
    """When the period of ``owe`` counted from ``start`` ends (working days per ``reviewer.calendar``)."""
    if owe.unit == "working_days":
        return add_working_days(start, owe.amount)
    if owe.unit == "days":
        return start + timedelta(days=owe.amount)
    try:
        return start.replace(year=start.year + owe.amount)
    except ValueError:  # 29 February: a year later has no such day, the period ends on the 28th
        return start.replace(year=start.year + owe.amount, day=28)


def notice_earliest_end(notice: Notice, rule: NoticeRule) -> date:
    """The first day a notice may come down. 30 days means from start + 30, and working days count after the start day."""
    return max(notice.start + timedelta(days=rule.min_days), add_working_days(notice.start, rule.min_working_days))


def minimum(rule: NoticeRule) -> str:
    """``不少于 30 天、15 个工作日``: a notice's minimum as the notices say it."""
    parts = [f"{rule.min_days} 天"] * bool(rule.min_days) + [f"{rule.min_working_days} 个工作日"] * bool(rule.min_working_days)
    return "不少于 " + "、".join(parts)


def transition(history: History, to: str, at: datetime, who: str, approval: Approval | None = None,
               notice: Notice | None = None, reason: str | None = None, force_majeure: bool = False,
               rules: Rules | None = None) -> Event:
    """The event that moves the account to ``to`` at ``at``, or the refusal that says why it may not."""
    rules = rules or default_rules()
    step = _step(rules, history, to)
    if not who.strip():
        raise fail("who_required", f"{step.name}须写明经办人")
    if history.events and at < history.events[-1].at:
        last = history.events[-1]
        raise fail("event_out_of_order", f"{step.name}的时间 {when(at)} 早于上一步（{rules.name_of(last.action)}，{when(last.at)}）")
    waived = _waived(step, force_majeure)
    if "approval" not in waived:
        _check_approval(step, at, approval)
    if "notice" not in waived:
        _check_notice(step, notice)
    if (step.reason or force_majeure) and not (reason or "").strip():
        why = "不可抗因素或被责令紧急关停的下线须书面报备原因" if force_majeure else f"{step.name}须写明原因"
        raise fail("reason_required", f"{why}（{step.source}）")
    if step.per_year is not None and "per_year" not in waived:
        _check_per_year(step, history, at)
    if step.after_notice_of:
        _check_after_notice(rules, step, history, at)
    _check_late(rules, step, history, at, reason)
    return Event(step.code, step.to, at, who, approval, notice, reason, force_majeure)


def record_filing(history: History, kind: str, at: datetime, who: str, note: str | None = None,
                  rules: Rules | None = None) -> Filing:
    """A filing (备案) that discharges what the account owes (see ``reviewer.registry.due``)."""
    rules = rules or default_rules()
    if kind not in rules.filings:
        known = "、".join(f"{name}（{code}）" for code, name in rules.filings.items())
        raise fail("unknown_filing", f"没有“{kind}”这种备案，可记录的是：{known}")
    if not history.events or at < history.events[0].at:
        raise fail("filing_before_account", "账号尚无此时之前的开设记录，不能先记录备案")
    if not who.strip():
        raise fail("who_required", f"{rules.filings[kind]}须写明经办人")
    return Filing(kind, at, who, note)


def _step(rules: Rules, history: History, to: str) -> Transition:
    current = history.state
    step = rules.step(current, to)
    if step is not None:
        return step
    if to not in rules.states:
        raise fail("unknown_state", f"没有“{to}”这个账号状态，可用的是：{'、'.join(rules.states)}")
    options = "、".join(f"「{rules.states[s]}」" for s in rules.next_states(current)) or "无（此状态为终态）"
    if current is None:
        raise fail("transition_not_allowed", f"账号尚无记录，不能直接成为「{rules.states[to]}」：第一步只能是 {options}")
    raise fail("transition_not_allowed",
               f"账号当前为「{rules.states[current]}」，不能直接变为「{rules.states[to]}」：可以变为 {options}")


def _waived(step: Transition, force_majeure: bool) -> frozenset[str]:
    if not force_majeure:
        return frozenset()
    if not step.force_majeure_waives:
        raise fail("force_majeure_not_applicable", f"{step.name}不适用不可抗因素的例外（只有临时下线适用）")
    return step.force_majeure_waives


def _check_approval(step: Transition, at: datetime, approval: Approval | None) -> None:
    if step.approval is None:
        return
    if approval is None or not approval.by.strip():
        raise fail("approval_required", f"{step.name}须经{step.approval}：请填写审批单位和日期（{step.source}）")
    if approval.on > local(at).date():
        raise fail("approval_after_event", f"{step.name}的审批日期 {approval.on} 晚于{step.name}本身（{when(at)}），须先审批后办理")
    if step.approval_document and not (approval.document or "").strip():
        raise fail("approval_required", f"{step.name}须附{step.approval_document}：请在审批信息中填写文件（{step.source}）")


def _check_notice(step: Transition, notice: Notice | None) -> None:
    rule = step.notice
    if rule is None:
        return
    if notice is None or not notice.text.strip():
        raise fail("notice_required", f"{step.name}须发布{rule.name}：请填写公告内容和发布日期（{rule.source or step.source}）")
    if notice.end is not None and (rule.min_days or rule.min_working_days):
        earliest = notice_earliest_end(notice, rule)
        if notice.end < earliest:
            raise fail("notice_too_short", f"{rule.name}须保留{minimum(rule)}，自 {notice.start} 发布应保留至 {earliest}，"
                                           f"所填撤下日期 {notice.end} 过早（{rule.source}）")


def _check_per_year(step: Transition, history: History, at: datetime) -> None:
    """At most ``per_year`` in a calendar year (当年下线次数), force-majeure cases not counted. Refused as ``<code>_limit``."""
    year = local(at).year
    counted = [e for e in history.events if e.action == step.code and not e.force_majeure and local(e.at).year == year]
    if len(counted) >= step.per_year:
        dates = "、".join(local(e.at).date().isoformat() for e in counted)
        exempt = "；不可抗因素或被责令紧急关停的，书面报备后不计入当年次数" if "per_year" in step.force_majeure_waives else ""
        raise fail(f"{step.code}_limit", f"本账号 {year} 年已{step.name} {len(counted)} 次（{dates}），"
                                         f"每年不得超过 {step.per_year} 次{exempt}（{step.source}）")


def _check_after_notice(rules: Rules, step: Transition, history: History, at: datetime) -> None:
    earlier = rules.transitions[step.after_notice_of]
    rule = earlier.notice
    if rule is None:
        return
    event = next((e for e in reversed(history.events) if e.action == earlier.code), None)
    if event is None or event.notice is None or not event.notice.text.strip():
        raise fail("notice_required", f"{step.name}前须已发布{rule.name}，本账号的“{earlier.name}”记录中没有公告（{rule.source}）")
    notice = event.notice
    earliest = notice_earliest_end(notice, rule)
    if notice.end is not None and notice.end < earliest:
        raise fail("notice_too_short", f"{rule.name}须保留{minimum(rule)}，自 {notice.start} 发布、{notice.end} 撤下，"
                                       f"仅保留 {(notice.end - notice.start).days} 天，须重新发布并保留足期后方可{step.name}（{rule.source}）")
    if local(at).date() < earliest:
        raise fail("notice_too_short", f"{rule.name}自 {notice.start} 发布，须保留{minimum(rule)}，"
                                       f"{earliest} 起方可{step.name}（{rule.source}）")


def _check_late(rules: Rules, step: Transition, history: History, at: datetime, reason: str | None) -> None:
    """An owed transition done after its period (上线超过1年) needs the written explanation.

    Only the last event can owe it: leaving a state discharges what was owed in it.
    """
    if not history.events:
        return
    last = history.events[-1]
    for owe in rules.transitions[last.action].owes:
        if owe.what == step.code and owe.late_needs_reason and at > period_end(last.at, owe) and not (reason or "").strip():
            raise fail("explanation_required",
                       f"{rules.name_of(last.action)}（{when(last.at)}）后 {owe.period()}内未{step.name}，"
                       f"须填写向审批机关作出的书面说明（{owe.source}）")


def local(moment: datetime) -> datetime:
    """The moment in Beijing time (naive moments are taken to be Beijing time already)."""
    return moment if moment.tzinfo is None else moment.astimezone(BEIJING)


def when(moment: datetime) -> str:
    """``2026-10-15 10:00``: a moment as the messages show it, in Beijing time."""
    return local(moment).strftime("%Y-%m-%d %H:%M")
