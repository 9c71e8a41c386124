"""When help is wanted, in the resident's local time, turned into a UTC window.

The window lets volunteers sort tasks by time and lets the scheduler notice a claim that was
never marked done after its time had passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.errors import DayOutOfRange
from storage.models import DayPart, RequestTiming

DAY_PART_HOURS: dict[DayPart, tuple[int, int]] = {
    DayPart.ANY: (8, 21),
    DayPart.MORNING: (8, 12),
    DayPart.AFTERNOON: (12, 18),
    DayPart.EVENING: (18, 21),
}
ASAP_WINDOW = timedelta(hours=4)
MAX_DAYS_AHEAD = 30


@dataclass(frozen=True)
class Slot:
    slot_date: date | None
    start: datetime  # UTC
    end: datetime  # UTC


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def compute_slot(
    timing: RequestTiming,
    *,
    now: datetime,
    timezone: str,
    day: date | None = None,
    day_part: DayPart = DayPart.ANY,
) -> Slot:
    if timing is RequestTiming.ASAP:
        return Slot(None, now, now + ASAP_WINDOW)
    today = local_today(now, timezone)
    if timing is RequestTiming.TODAY:
        day = today
    elif timing is RequestTiming.TOMORROW:
        day = today + timedelta(days=1)
    if day is None or not today <= day <= today + timedelta(days=MAX_DAYS_AHEAD):
        raise DayOutOfRange()
    zone = ZoneInfo(timezone)
    first, last = DAY_PART_HOURS[day_part]
    start = datetime.combine(day, time(first), zone).astimezone(UTC)
    end = datetime.combine(day, time(last), zone).astimezone(UTC)
    if end <= now:  # "this morning" asked in the afternoon: as soon as possible today
        end = now + ASAP_WINDOW
    return Slot(day, max(start, now), end)


def upcoming_days(now: datetime, timezone: str, count: int = 7) -> list[date]:
    """The days a resident can pick from, starting the day after tomorrow."""
    today = local_today(now, timezone)
    return [today + timedelta(days=offset) for offset in range(2, 2 + count)]
