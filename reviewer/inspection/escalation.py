"""Escalation (三级约谈, the 二四六 rule of 路桥): violation alerts per 主办单位 over a period.

An alert is one 突出问题 that makes one account 不合格. A unit's alerts of this inspection, plus
those of earlier inspections inside the counting period (the caller brings them: the web app keeps
past inspections), are counted against the levels of ``lexicons/inspection.toml``: the highest
level reached names who is called in and by whom.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from reviewer.inspection.accounts import Rules, Verdict, default_rules


@dataclass(frozen=True)
class Level:
    alerts: int
    talk: str
    by: str


@dataclass(frozen=True)
class Escalation:
    """A unit that reached a level: its alerts (this inspection and earlier ones) and the talk due."""

    unit: str
    alerts: int
    earlier: int
    talk: str
    by: str

    def to_dict(self) -> dict:
        return {"unit": self.unit, "alerts": self.alerts, "earlier": self.earlier, "talk": self.talk, "by": self.by}


@lru_cache(maxsize=1)
def policy() -> tuple[int, tuple[Level, ...]]:
    """(counting period in days, levels from the lowest) as configured."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("inspection.toml").read_text("utf-8"))
    spec = data["escalation"]
    levels = tuple(sorted((Level(int(x["alerts"]), x["talk"], x["by"]) for x in spec["levels"]), key=lambda x: x.alerts))
    return int(spec["period_days"]), levels


def alerts(verdicts: list[Verdict], rules: Rules | None = None) -> Counter:
    """Alerts per 主办单位 in one inspection: each failing problem of each failing account."""
    rules = rules or default_rules()
    counts: Counter = Counter()
    for v in verdicts:
        if not v.passed:
            counts[v.account.unit or v.account.name] += sum(key in rules.fails for key, _, _ in v.problems)
    return counts


def escalations(now: Mapping[str, int], earlier: Mapping[str, int] | None = None) -> list[Escalation]:
    """The units whose alerts (``now`` plus ``earlier`` in the period) reach a level, most alerts first."""
    _, levels = policy()
    earlier = earlier or {}
    out = []
    for unit in sorted(set(now) | set(earlier)):
        total = now.get(unit, 0) + earlier.get(unit, 0)
        reached = [level for level in levels if total >= level.alerts]
        if reached:
            out.append(Escalation(unit, total, earlier.get(unit, 0), reached[-1].talk, reached[-1].by))
    return sorted(out, key=lambda e: (-e.alerts, e.unit))
