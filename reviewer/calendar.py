"""The Chinese working-day calendar, for deadlines the notices set in working days (工作日).

The days off and the weekend days worked in exchange (调休上班) come from the State Council
General Office's yearly notice. They are data (``lexicons/calendar.toml``) because they change
every year and are announced, not computed. A date in a year the file does not cover is refused
(``calendar_unknown_year``): a guess would silently count 春节 as working days.

How a deadline of n working days is counted (``add_working_days``):

* A date d (the event's day is known, not its time): the start day is not counted, and the
  deadline is the end of the n-th working day after d. This is how the Civil Code counts periods
  (民法典 第二百零一条：开始的当日不计入，自下一日开始计算; 第二百零三条：最后一日的截止时间为二十四时).
* A moment during a working day: the deadline is the same clock time on the n-th following
  working day, so a message received on Friday at 17:00 with 2 working days is due on Tuesday at 17:00.
* A moment on a day off, or exactly at 00:00: counting starts when the next working day starts,
  and the deadline is the end of the n-th working day, counting that day as the first. We give it
  as 00:00 of the next calendar day. A Saturday receipt with 2 working days is due at the end of
  Tuesday, not at some hour of Tuesday. No working time passes on a day off, so there is no
  clock time to carry over, and the end of the day is the latest fair reading.

Both moment rules give the earliest instant by which n × 24 hours of working-day time have passed.
Moments are read in Beijing time; a naive datetime is taken to be Beijing time already.

May import: reviewer.errors
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import overload

from reviewer.errors import WorkflowError, fail

BEIJING = timezone(timedelta(hours=8), "北京时间")
DATA_FILE = "calendar.toml"
ONE_DAY = timedelta(days=1)
SATURDAY = 5


@dataclass(frozen=True)
class Holiday:
    """One holiday span as the notice announces it: the days off and the weekend days worked instead."""

    name: str
    first: date
    last: date
    work: tuple[date, ...]

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Calendar:
    """The covered years, their notices and holidays; each question is refused outside them."""

    notices: Mapping[int, str]
    holidays: tuple[Holiday, ...]
    days_off: frozenset[date]
    worked_weekends: frozenset[date]

    @classmethod
    def from_toml(cls, text: str) -> Calendar:
        """Read and check the data. A mistake in the file fails at load, not when a deadline is computed."""
        data = tomllib.loads(text)
        notices: dict[int, str] = {}
        holidays: list[Holiday] = []
        for key, year in data["years"].items():
            notices[int(key)] = year["notice"]
            for h in year.get("holidays", []):
                holiday = Holiday(h["name"], h["first"], h["last"], tuple(h.get("work", [])))
                if holiday.first > holiday.last:
                    raise ValueError(f"{DATA_FILE}：{key} 年{holiday.name}的放假起始日期晚于结束日期")
                for day in holiday.work:
                    if day.weekday() < SATURDAY:
                        raise ValueError(f"{DATA_FILE}：{key} 年{holiday.name}的调休上班日 {day} 不是周六或周日")
                holidays.append(holiday)
        off = frozenset(d for h in holidays for d in h.days())
        worked = frozenset(d for h in holidays for d in h.work)
        if off & worked:
            raise ValueError(f"{DATA_FILE}：{sorted(off & worked)[0]} 既是放假日又是调休上班日")
        return cls(MappingProxyType(notices), tuple(holidays), off, worked)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.notices))

    def check_covered(self, day: date) -> None:
        """Refuse a day whose year has no announced holiday arrangement."""
        if day.year not in self.notices:
            raise unknown_year(day, self.years)

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a day off, or a weekend day worked in exchange (调休上班)."""
        self.check_covered(day)
        if day in self.worked_weekends:
            return True
        return day.weekday() < SATURDAY and day not in self.days_off

    def working_day_after(self, day: date, n: int = 1) -> date:
        """The n-th working day after ``day`` (``day`` itself not counted; n = 0 gives ``day``)."""
        if n < 0:
            raise ValueError("工作日数不能为负")
        found = 0
        while found < n:
            day += ONE_DAY
            found += self.is_working_day(day)
        return day

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self.working_day_after(day)

    @overload
    def add_working_days(self, moment: datetime, n: int) -> datetime: ...
    @overload
    def add_working_days(self, moment: date, n: int) -> date: ...

    def add_working_days(self, moment: date | datetime, n: int) -> date | datetime:
        """The deadline n working days after ``moment`` (see the module docstring for the rule)."""
        if not isinstance(moment, datetime):
            return self.working_day_after(moment, n)
        if n == 0:
            return moment
        local = moment if moment.tzinfo is None else moment.astimezone(BEIJING)
        day = local.date()
        if self.is_working_day(day) and local.time() != time.min:
            return datetime.combine(self.working_day_after(day, n), local.timetz())
        last = self.working_day_after(self.next_working_day(day), n - 1)
        return datetime.combine(last + ONE_DAY, time.min, local.tzinfo)

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a`` up to and including ``b``, so ``add_working_days(a, n) == b`` gives n.

        Negative when ``b`` is before ``a``. Datetimes are read as their (Beijing) day.
        """
        start, end = _day(a), _day(b)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
        return sign * sum(self.is_working_day(d) for d in days)


def unknown_year(day: date, years: tuple[int, ...]) -> WorkflowError:
    """The refusal for a date the calendar cannot answer for, naming the years it can."""
    covered = "、".join(str(y) for y in years) or "无"
    return fail("calendar_unknown_year",
                f"工作日历未收录 {day.year} 年的节假日安排（已收录：{covered} 年），无法判断 {day.isoformat()} 是否工作日："
                f"请管理员按国务院办公厅关于 {day.year} 年部分节假日安排的通知补充 lexicons/{DATA_FILE}")


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(BEIJING)).date()
    return value


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """The calendar of ``lexicons/calendar.toml``."""
    return Calendar.from_toml(resources.files("reviewer.lexicons").joinpath(DATA_FILE).read_text("utf-8"))


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (refused outside the covered years)."""
    return default_calendar().is_working_day(day)


@overload
def add_working_days(moment: datetime, n: int) -> datetime: ...
@overload
def add_working_days(moment: date, n: int) -> date: ...


def add_working_days(moment: date | datetime, n: int) -> date | datetime:
    """The deadline n working days after ``moment``: a date for a date, a datetime for a datetime."""
    return default_calendar().add_working_days(moment, n)


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is earlier)."""
    return default_calendar().working_days_between(a, b)
