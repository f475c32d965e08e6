"""A citizen's message from receipt to 已办结: its moves, its deadline, and what screening marks.

Pure rules over plain dataclasses (the storage keeps the history, the pages show it): the states,
the moves and what each needs, and the reply limit per 新媒体类型 are data
(``lexicons/messages.toml``); deadlines are counted in working days with ``reviewer.calendar``, from
the moment the message arrived (a transfer does not restart the clock: the citizen has waited
since then). Screening masks personal data found by the engine's privacy patterns when a message
is shown, and marks threats and abuse for the handler.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from reviewer.calendar import BEIJING, add_working_days
from reviewer.errors import fail
from reviewer.vocabulary import MESSAGE_STATE_NAMES


@dataclass(frozen=True)
class Move:
    code: str
    name: str
    sources: frozenset[str]
    target: str
    reason: bool


@dataclass(frozen=True)
class Rules:
    states: MappingProxyType
    moves: MappingProxyType
    limits: MappingProxyType
    default_limit: int
    threat: re.Pattern | None
    abuse: re.Pattern | None

    def limit_days(self, platform: str) -> int:
        """Working days a unit has to answer a message that came in on ``platform``."""
        return int(self.limits.get(platform, self.default_limit))


def _alternation(words: list[str]) -> re.Pattern | None:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))) if words else None


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules of ``lexicons/messages.toml``."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("messages.toml").read_text("utf-8"))
    moves = {code: Move(code, m["name"], frozenset(m["from"]), m["to"], bool(m.get("reason"))) for code, m in data["moves"].items()}
    limits = {k: int(v) for k, v in data["limits"].items() if k != "default"}
    return Rules(MESSAGE_STATE_NAMES, MappingProxyType(moves), MappingProxyType(limits),
                 int(data["limits"]["default"]), _alternation(data["screen"].get("threat", [])),
                 _alternation(data["screen"].get("abuse", [])))


@dataclass(frozen=True)
class Step:
    """One move of a message: who, when, which unit it is with afterwards, and why."""

    move: str
    state: str
    at: datetime
    who: str
    unit: str
    reason: str | None = None


@dataclass(frozen=True)
class Message:
    """A message as received, and the steps taken on it."""

    platform: str
    account: str
    received_at: datetime
    text: str
    unit: str
    contact: str | None = None
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def state(self) -> str:
        return self.steps[-1].state if self.steps else "pending"

    @property
    def holder(self) -> str:
        """The unit the message is with now (transfers move it)."""
        return self.steps[-1].unit if self.steps else self.unit


def move(message: Message, code: str, at: datetime, who: str, *, unit: str | None = None, reason: str | None = None,
         rules: Rules | None = None) -> Message:
    """The message after one move, or a refusal naming why (``message_move_not_allowed``, ``reason_required``)."""
    rules = rules or default_rules()
    step = rules.moves.get(code)
    if step is None:
        raise fail("unknown_message_move", f"没有“{code}”这一步，可用：{'、'.join(f'{m.name}（{m.code}）' for m in rules.moves.values())}")
    if message.state not in step.sources:
        allowed = [m.name for m in rules.moves.values() if message.state in m.sources]
        raise fail("message_move_not_allowed", f"留言当前为“{rules.states[message.state]}”，不能{step.name}"
                   + (f"；可以：{'、'.join(allowed)}" if allowed else "；已是最后状态"))
    if step.reason and not (reason or "").strip():
        raise fail("reason_required", f"{step.name}须写明理由")
    if code == "transfer" and (not unit or unit == message.holder):
        raise fail("transfer_unit_required", "转办须指定另一个承办单位")
    if message.steps and at < message.steps[-1].at:
        raise fail("event_out_of_order", "这一步的时间早于上一步")
    return replace(message, steps=(*message.steps, Step(code, step.target, at, who, unit or message.holder, reason)))


def due_at(message: Message, rules: Rules | None = None) -> datetime:
    """When the reply is due: the platform's limit in working days from the moment of receipt."""
    rules = rules or default_rules()
    return add_working_days(message.received_at.astimezone(BEIJING), rules.limit_days(message.platform))


def overdue(message: Message, now: datetime, rules: Rules | None = None) -> bool:
    """Unanswered past its deadline (an answer after the deadline stays late: see ``answered_late``)."""
    return message.state in ("pending", "handling") and now > due_at(message, rules)


def answered_late(message: Message, rules: Rules | None = None) -> bool:
    answer = next((s for s in message.steps if s.move == "answer"), None)
    return answer is not None and answer.at > due_at(message, rules)


@dataclass(frozen=True)
class Screened:
    """A message as a handler sees it: personal data masked, threats and abuse marked (spans of ``shown``)."""

    shown: str
    masked: int
    marks: tuple[tuple[int, int, str], ...]


def screen(text: str, engine: Any, rules: Rules | None = None) -> Screened:
    """Mask the personal data the engine's privacy rules find (ID numbers, phone numbers, bank cards,
    e-mail) keeping the first and last characters, and mark threats (威胁) and abuse (辱骂)."""
    rules = rules or default_rules()
    spans = sorted((f.start, f.end) for f in engine.review(text, classify=False).findings if f.category == "privacy")
    shown, at, masked = [], 0, 0
    for start, end in spans:
        if start < at:
            continue
        keep = 1 if end - start <= 6 else 3
        shown.append(text[at:start] + text[start:start + keep] + "*" * (end - start - 2 * keep) + text[end - keep:end])
        at, masked = end, masked + 1
    shown.append(text[at:])
    result = "".join(shown)
    marks = [(m.start(), m.end(), kind) for kind, pattern in (("威胁", rules.threat), ("辱骂", rules.abuse))
             if pattern is not None for m in pattern.finditer(result)]
    return Screened(result, masked, tuple(sorted(marks)))
