"""The rules of the numbers that need no conversation: where a week and a month begin in the
community's own time, and when the weekly numbers are next due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services.numbers import PeriodKind, next_digest_at, period_of

SHANGHAI = "Asia/Shanghai"
# Monday 2 March 2026, 07:30 in Shanghai, is still Sunday 23:30 in UTC.
MONDAY_MORNING = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
WEDNESDAY_NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


def test_this_week_begins_on_monday_at_midnight_in_the_communitys_time() -> None:
    week = period_of(PeriodKind.WEEK, WEDNESDAY_NOON, SHANGHAI)
    assert week.start == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
    assert (week.first_day, week.last_day) == (date(2026, 3, 2), date(2026, 3, 4))
    assert week.end > WEDNESDAY_NOON  # what happens at this very moment counts
    monday = period_of(PeriodKind.WEEK, MONDAY_MORNING, SHANGHAI)
    assert monday.first_day == date(2026, 3, 2), "Monday in Shanghai, though Sunday in UTC"


def test_this_month_begins_on_the_first_and_the_past_week_is_seven_days() -> None:
    month = period_of(PeriodKind.MONTH, WEDNESDAY_NOON, SHANGHAI)
    assert month.start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert month.first_day == date(2026, 3, 1)
    past = period_of(PeriodKind.PAST_WEEK, WEDNESDAY_NOON, SHANGHAI)
    assert past.first_day == date(2026, 2, 26) and (WEDNESDAY_NOON - past.start).days >= 7


@pytest.mark.parametrize(
    ("weekday", "hour", "expected"),
    [
        (2, 14, datetime(2026, 3, 4, 6, 0, tzinfo=UTC)),  # later today
        (2, 12, datetime(2026, 3, 11, 4, 0, tzinfo=UTC)),  # this very hour: next week
        (2, 9, datetime(2026, 3, 11, 1, 0, tzinfo=UTC)),  # earlier today: next week
        (4, 9, datetime(2026, 3, 6, 1, 0, tzinfo=UTC)),  # Friday
        (0, 8, datetime(2026, 3, 9, 0, 0, tzinfo=UTC)),  # next Monday
    ],
)
def test_the_weekly_numbers_are_next_due_on_the_chosen_day_and_hour(
    weekday: int, hour: int, expected: datetime
) -> None:
    assert next_digest_at(weekday, hour, WEDNESDAY_NOON, SHANGHAI) == expected
