"""Account verdicts over a monitoring window: updates, originals, replies and what the posts contain.

Each record is reviewed by the engine as it would be before publishing (with the year it was
published, so names renamed later were correct then); the account collects what the notices
inspect: its last update before the monitoring point, weeks without an original, late and rude
replies, ads at the foot of a post, off-duty posts, serious expression errors. Thresholds and the
official wording are data (``lexicons/inspection.toml``); each problem keeps its evidence (post
ids), so a 不合格 can be shown and argued.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources

from reviewer.engine.findings import Report
from reviewer.inspection.records import LOCAL_TZ, UNANSWERED, Record

#: How many post ids a problem keeps as evidence.
EVIDENCE = 20
RAISING = frozenset({"review", "block"})
#: finding category -> the problem it is evidence of, when found in a post (replies: see RUDE).
CATEGORY_PROBLEM = {"off_topic": "off_duty", "entertainment": "entertainment"}
BLOCKING_PROBLEM = {"political_expression": "serious_error", "privacy": "secrecy", "secret_marking": "secrecy"}


@dataclass(frozen=True)
class Rules:
    update_days: int
    originals_per_week: int
    reply_limit_hours: float
    footer_chars: int
    wording: dict[str, str]
    fails: frozenset[str]


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules of ``lexicons/inspection.toml``."""
    data = tomllib.loads(resources.files("reviewer.lexicons").joinpath("inspection.toml").read_text("utf-8"))
    t = data["thresholds"]
    problems = data["problems"]
    return Rules(t["update_days"], t["originals_per_week"], t["reply_limit_hours"], t["footer_chars"],
                 {k: v["wording"] for k, v in problems.items()},
                 frozenset(k for k, v in problems.items() if v.get("fails")))


@dataclass(frozen=True)
class Window:
    """The monitoring window: from the start of ``first`` to the end of ``last`` (Beijing time)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), LOCAL_TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TZ)

    def weeks(self) -> int:
        """Whole weeks in the window (a shorter tail is not judged for originals)."""
        return ((self.last - self.first).days + 1) // 7

    def week_of(self, moment: datetime) -> int:
        return (moment.astimezone(LOCAL_TZ).date() - self.first).days // 7

    def title(self) -> str:
        return f"（监测时间：{self.first.year}年{self.first.month}月{self.first.day}日至{self.last.month}月{self.last.day}日）"


@dataclass
class Account:
    """What one account did in the window, and the evidence of each problem."""

    name: str
    platform: str = ""
    unit: str = ""
    registered: bool = False  # platform and 主办单位 come from the register (备案), not the file
    level: str = ""  # 开设主体级别 from the register; unknown for an account only the file names
    posts: int = 0
    replies: int = 0
    originals: int = 0
    original_known: bool = False
    last_update: datetime | None = None
    times: list[datetime] = field(default_factory=list)
    original_weeks: set[int] = field(default_factory=set)
    findings: Counter = field(default_factory=Counter)
    evidence: dict[str, list[str]] = field(default_factory=dict)

    def note(self, problem: str, record_id: str) -> None:
        ids = self.evidence.setdefault(problem, [])
        if len(ids) < EVIDENCE and record_id not in ids:
            ids.append(record_id)

    def observe(self, record: Record, report: Report | None, window: Window, rules: Rules) -> None:
        """Take one record (already reviewed; an unanswered message is not) into account."""
        if not self.registered:
            self.platform = self.platform or record.platform
            self.unit = self.unit or record.unit
        if record.kind == UNANSWERED:
            self._unanswered(record, window, rules)
            return
        if record.published_at >= window.end:
            return
        if self.last_update is None or record.published_at > self.last_update:
            self.last_update = record.published_at
        if record.published_at < window.start:
            return
        self.times.append(record.published_at)
        if record.kind == "reply":
            self.replies += 1
        else:
            self.posts += 1
        if record.is_original is not None:
            self.original_known = True
        if record.is_original and record.kind == "post":
            self.originals += 1
            self.original_weeks.add(window.week_of(record.published_at))
        for f in report.findings:
            if f.severity not in RAISING:
                continue
            self.findings[(f.category, f.gate)] += 1
            if record.kind == "reply" and f.category == "rude":
                self.note("rude_reply", record.id)
            elif f.category in CATEGORY_PROBLEM and record.kind == "post":
                self.note(CATEGORY_PROBLEM[f.category], record.id)
            elif f.category == "commercial" and f.start >= len(record.text) - rules.footer_chars:
                self.note("ad_footer", record.id)
            if f.severity == "block" and f.category in BLOCKING_PROBLEM:
                self.note(BLOCKING_PROBLEM[f.category], record.id)
        if record.kind == "reply" and record.message_at is not None:
            waited = (record.published_at - record.message_at).total_seconds() / 3600
            if waited > rules.reply_limit_hours:
                self.note("late_reply", record.id)

    def _unanswered(self, record: Record, window: Window, rules: Rules) -> None:
        """A message with no reply by the end of the window (or by when the history was taken, if
        earlier) for longer than the limit is a late reply: 未在规定时限内做出有效回复."""
        if record.message_at is None or record.message_at >= window.end:
            return
        until = min(record.published_at, window.end)
        if (until - record.message_at).total_seconds() / 3600 > rules.reply_limit_hours:
            self.note("late_reply", record.id)

    def longest_gap_days(self, window: Window) -> float:
        """The longest stretch without a post or reply, window edges included."""
        marks = [window.start, *sorted(self.times), window.end]
        return max((b - a).total_seconds() for a, b in zip(marks, marks[1:], strict=False)) / 86400

    def weeks_without_original(self, window: Window) -> list[int] | None:
        """The weeks (1-based) without an original post, or None when the export does not say."""
        if not self.original_known:
            return None
        return [w + 1 for w in range(window.weeks()) if w not in self.original_weeks]


@dataclass(frozen=True)
class Verdict:
    """合格 or 不合格, the problems in the official wording, and their evidence."""

    account: Account
    passed: bool
    problems: list[tuple[str, str, list[str]]]
    days_silent: float | None
    not_judged: list[str]


def verdict(account: Account, window: Window, rules: Rules | None = None) -> Verdict:
    """Judge one account at the end of the window."""
    rules = rules or default_rules()
    problems: list[tuple[str, str, list[str]]] = []
    silent = (window.end - account.last_update).total_seconds() / 86400 if account.last_update else None
    if silent is None or silent > rules.update_days:
        last = account.last_update.astimezone(LOCAL_TZ).date().isoformat() if account.last_update else "无"
        problems.append(("stale", rules.wording["stale"], [f"最后更新：{last}"]))
    weeks = account.weeks_without_original(window)
    not_judged = []
    if weeks is None:
        not_judged.append("每周原创（导出数据未标明是否原创）")
    elif weeks:
        problems.append(("no_original", rules.wording["no_original"].format(weeks=len(weeks)),
                         [f"第 {w} 周" for w in weeks]))
    for key in ("ad_footer", "off_duty", "entertainment", "late_reply", "rude_reply", "serious_error", "secrecy"):
        if account.evidence.get(key):
            problems.append((key, rules.wording[key], account.evidence[key]))
    not_judged.append("互动功能是否开放（需备案信息）")
    passed = not any(key in rules.fails for key, _, _ in problems)
    return Verdict(account, passed, problems, silent, not_judged)


def problem_name(key: str, rules: Rules | None = None) -> str:
    """A problem's name for totals across accounts (without one account's figures)."""
    return (rules or default_rules()).wording.get(key, key).replace("{weeks}", "若干")


def problem_shares(verdicts: list[Verdict]) -> dict[str, tuple[int, float]]:
    """Each problem's count among the failing accounts and its share of them (宝鸡: 5/18 = 27.78%)."""
    failing = [v for v in verdicts if not v.passed]
    counts: Counter = Counter(key for v in failing for key in {k for k, _, _ in v.problems})
    return {key: (n, round(100 * n / len(failing), 2)) for key, n in counts.most_common()} if failing else {}


def pass_rate(verdicts: list[Verdict]) -> float:
    """The share of accounts judged 合格, in percent (宝鸡: 82/100 = 82%)."""
    return round(100 * sum(v.passed for v in verdicts) / len(verdicts), 2) if verdicts else 0.0
