"""The working-day calendar: days off and 调休上班 days as announced, and deadlines counted in working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from reviewer.calendar import BEIJING, Calendar, add_working_days, default_calendar, is_working_day, working_days_between
from reviewer.errors import WorkflowError


def test_a_friday_afternoon_message_with_two_working_days_is_due_tuesday_at_the_same_time():
    assert add_working_days(datetime(2026, 3, 6, 17, 0), 2) == datetime(2026, 3, 10, 17, 0)


def test_an_ordinary_saturday_is_a_day_off():
    assert not is_working_day(date(2026, 3, 7))


def test_a_weekday_inside_the_national_day_holiday_is_a_day_off():
    assert not is_working_day(date(2026, 10, 5))


def test_a_weekend_adjusted_working_day_is_a_working_day():
    assert is_working_day(date(2026, 10, 10))


def test_a_weekend_adjusted_working_day_counts_in_a_deadline():
    # 2026-10-09 is a Friday; the next day, Saturday 10 October, is worked (国庆节调休上班).
    assert add_working_days(datetime(2026, 10, 9, 17, 0), 1) == datetime(2026, 10, 10, 17, 0)


def test_the_2025_spring_festival_make_up_sunday_is_a_working_day():
    assert is_working_day(date(2025, 1, 26))


def test_seven_working_days_from_a_date_run_across_national_day_2026():
    # 30 September + 7: 10月8日、9日、10日（周六上班）、12日、13日、14日、15日.
    assert add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)


def test_a_moment_received_on_a_holiday_counts_from_the_next_working_day():
    # Received on 3 October: day 1 is 8 October and day 2 is 9 October; due when 9 October ends.
    assert add_working_days(datetime(2026, 10, 3, 10, 0), 2) == datetime(2026, 10, 10, 0, 0)


def test_a_moment_at_midnight_of_a_working_day_counts_that_whole_day():
    assert add_working_days(datetime(2026, 3, 9, 0, 0), 1) == datetime(2026, 3, 10, 0, 0)


def test_zero_working_days_is_the_moment_itself():
    moment = datetime(2026, 10, 3, 10, 0)
    assert add_working_days(moment, 0) == moment


def test_an_aware_moment_is_read_in_beijing_time():
    # 10:00 UTC on Friday 6 March is 18:00 in Beijing.
    received = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert add_working_days(received, 2) == datetime(2026, 3, 10, 18, 0, tzinfo=BEIJING)


def test_working_days_between_counts_the_days_after_the_first_up_to_the_last():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 15)) == 7


def test_working_days_between_is_negative_when_the_second_day_is_earlier():
    assert working_days_between(date(2026, 10, 15), date(2026, 9, 30)) == -7


def test_each_covered_year_has_248_working_days():
    for year in (2025, 2026):
        days = (date(year, 1, 1) + timedelta(days=i) for i in range(365))
        assert sum(is_working_day(d) for d in days) == 248, year


def test_each_covered_year_names_its_state_council_notice():
    notices = default_calendar().notices
    assert set(notices) == {2025, 2026}
    assert all(f"国务院办公厅关于{year}年部分节假日安排的通知" in notice for year, notice in notices.items())


def test_a_date_in_a_year_the_calendar_does_not_cover_is_refused():
    with pytest.raises(WorkflowError) as refused:
        is_working_day(date(2027, 1, 4))
    assert refused.value.code == "calendar_unknown_year"
    assert "2027 年" in refused.value.message and "lexicons/calendar.toml" in refused.value.message


def test_a_deadline_running_into_an_uncovered_year_is_refused_rather_than_guessed():
    with pytest.raises(WorkflowError) as refused:
        add_working_days(date(2026, 12, 28), 7)
    assert refused.value.code == "calendar_unknown_year"


def test_a_make_up_day_that_is_not_a_weekend_day_is_rejected_when_the_file_is_read():
    text = """
[years.2026]
notice = "国务院办公厅关于2026年部分节假日安排的通知"
[[years.2026.holidays]]
name = "劳动节"
first = 2026-05-01
last = 2026-05-05
work = [2026-05-08]
"""
    with pytest.raises(ValueError, match="不是周六或周日"):
        Calendar.from_toml(text)
