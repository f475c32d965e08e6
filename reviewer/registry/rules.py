"""The lifecycle rules of ``lexicons/registry.toml``, read once and checked as they are read.

A mistake in the file (a transition to a state that does not exist, two transitions between the
same pair of states, an obligation without a period) fails at load. Otherwise it would only show
when an account reached that step.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

DATA_FILE = "registry.toml"
WAIVABLE = frozenset({"approval", "notice", "per_year"})
PERIODS = ("days", "working_days", "years")


@dataclass(frozen=True)
class NoticeRule:
    """A public notice a transition needs, and how long it must stay up (0: no minimum)."""

    name: str
    min_days: int = 0
    min_working_days: int = 0
    source: str = ""


@dataclass(frozen=True)
class Owes:
    """What a transition leaves owed (a filing or a next transition) and within what period."""

    what: str
    amount: int
    unit: str  # one of PERIODS
    after: str | None = None
    late_needs_reason: bool = False
    source: str = ""

    def period(self) -> str:
        """``7 个工作日`` / ``30 天`` / ``1 年``: the period as the notices say it."""
        return f"{self.amount} {({'days': '天', 'working_days': '个工作日', 'years': '年'})[self.unit]}"


@dataclass(frozen=True)
class Transition:
    """One allowed step of the lifecycle, with what it needs and what it leaves owed."""

    code: str
    name: str
    sources: tuple[str | None, ...]  # None: an account's first event
    to: str
    approval: str | None
    approval_document: str | None
    reason: bool
    per_year: int | None
    force_majeure_waives: frozenset[str]
    after_notice_of: str | None
    notice: NoticeRule | None
    owes: tuple[Owes, ...]
    source: str


@dataclass(frozen=True)
class Rules:
    """States, filings and transitions; ``step`` finds the transition between two states."""

    states: Mapping[str, str]
    filings: Mapping[str, str]
    transitions: Mapping[str, Transition]
    #: 托管单位的互联网新闻信息服务资质 is shown as expiring this many days before it runs out.
    license_warning_days: int = 60

    def step(self, current: str | None, to: str) -> Transition | None:
        return next((t for t in self.transitions.values() if current in t.sources and t.to == to), None)

    def next_states(self, current: str | None) -> list[str]:
        return [t.to for t in self.transitions.values() if current in t.sources]

    def name_of(self, what: str) -> str:
        """The Chinese name of a state, a filing or a transition code."""
        if what in self.filings:
            return self.filings[what]
        if what in self.transitions:
            return self.transitions[what].name
        return self.states.get(what, what)


def _owes(code: str, item: dict) -> Owes:
    units = [u for u in PERIODS if u in item]
    if len(units) != 1:
        raise ValueError(f"{DATA_FILE}：{code} 的期限须且只须写一种（{'、'.join(PERIODS)}）")
    return Owes(item["what"], int(item[units[0]]), units[0], item.get("after"), bool(item.get("late_needs_reason")),
                item.get("source", ""))


def _transition(code: str, t: dict) -> Transition:
    notice = t.get("notice")
    return Transition(
        code=code, name=t["name"], sources=tuple(t["from"]) or (None,), to=t["to"],
        approval=t.get("approval"), approval_document=t.get("approval_document"), reason=bool(t.get("reason")),
        per_year=t.get("per_year"), force_majeure_waives=frozenset(t.get("force_majeure_waives", [])),
        after_notice_of=t.get("after_notice_of"),
        notice=NoticeRule(notice["name"], notice.get("min_days", 0), notice.get("min_working_days", 0),
                          notice.get("source", "")) if notice else None,
        owes=tuple(_owes(code, o) for o in t.get("owes", [])), source=t.get("source", ""))


def _check(rules: Rules) -> None:
    pairs: set[tuple[str | None, str]] = set()
    for t in rules.transitions.values():
        for state in (*(s for s in t.sources if s is not None), t.to):
            if state not in rules.states:
                raise ValueError(f"{DATA_FILE}：{t.code} 用到了未定义的状态 {state}")
        for pair in ((s, t.to) for s in t.sources):
            if pair in pairs:
                raise ValueError(f"{DATA_FILE}：{pair[0]} → {pair[1]} 有两个转换，无法区分")
            pairs.add(pair)
        if t.force_majeure_waives - WAIVABLE:
            raise ValueError(f"{DATA_FILE}：{t.code} 的 force_majeure_waives 只能是 {sorted(WAIVABLE)}")
        if t.after_notice_of and t.after_notice_of not in rules.transitions:
            raise ValueError(f"{DATA_FILE}：{t.code} 的 after_notice_of 不是已定义的转换")
        for owe in t.owes:
            if owe.what not in rules.filings and owe.what not in rules.transitions:
                raise ValueError(f"{DATA_FILE}：{t.code} 欠下的 {owe.what} 既不是备案也不是转换")
            if owe.after and owe.after not in rules.filings:
                raise ValueError(f"{DATA_FILE}：{t.code} 的 after 须是备案")


def load_rules(text: str) -> Rules:
    """Rules from the text of a registry file (the default file, or a test's variant)."""
    data = tomllib.loads(text)
    rules = Rules(MappingProxyType(dict(data["states"])),
                  MappingProxyType({k: v["name"] for k, v in data.get("filings", {}).items()}),
                  MappingProxyType({k: _transition(k, v) for k, v in data["transitions"].items()}),
                  int(data.get("operators", {}).get("license_warning_days", 60)))
    _check(rules)
    return rules


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules of ``lexicons/registry.toml``."""
    return load_rules(resources.files("reviewer.lexicons").joinpath(DATA_FILE).read_text("utf-8"))
