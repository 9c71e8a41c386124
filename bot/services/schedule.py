"""Local times of recurring things (check-ins), computed with zoneinfo in the resident's own
timezone, so "every day at 09:00" stays 09:00 on the wall clock across a DST change.

Pure functions of plain values: no database, no Telegram."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:：.]([0-5]\d)$")
_FULL_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号號]?$")
_MONTH_DAY_RE = re.compile(r"^(\d{1,2})\s*[/月.]\s*(\d{1,2})\s*[日号號]?$")
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def parse_time(text: str) -> time:
    """ "9:00", "09:00", "9.00" or "9：00" (a Chinese colon) -> 09:00; ValueError otherwise."""
    match = _TIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a time of day: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_day(text: str, today: date) -> date | None:
    """ "2026-03-20", "3/20" or "3月20日" -> a date (a month and day already past is next
    year's); None when it is not a day."""
    text = text.strip()
    try:
        if match := _FULL_DATE_RE.match(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _MONTH_DAY_RE.match(text):
            day = date(today.year, int(match.group(1)), int(match.group(2)))
            return day if day > today else date(today.year + 1, day.month, day.day)
    except ValueError:
        return None
    return None


def time_label(value: time | str) -> str:
    moment = parse_time(value) if isinstance(value, str) else value
    return f"{moment.hour:02d}:{moment.minute:02d}"


def local_moment(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of a wall-clock time on a day. A time skipped when clocks go forward is
    taken an hour later (01:30 -> 02:30 summer time); a time that happens twice when they go
    back is the first (PEP 495, fold=0)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def occurrences(
    times: Sequence[str], weekdays: Sequence[int], timezone: str, *, start: date
) -> Iterator[datetime]:
    """Every planned moment from the first day `start` on, in order, forever."""
    clock_times = sorted(parse_time(text) for text in times)
    if not clock_times or not weekdays:
        return
    day = start
    while True:
        if day.weekday() in weekdays:
            for at in clock_times:
                yield local_moment(day, at, timezone)
        day += timedelta(days=1)


def next_occurrence(
    times: Sequence[str], weekdays: Sequence[int], timezone: str, *, after: datetime
) -> datetime | None:
    """The first planned moment strictly after `after`."""
    start = local_date(after, timezone) - timedelta(days=1)
    for moment in occurrences(times, weekdays, timezone, start=start):
        if moment > after:
            return moment
    return None


def latest_occurrence(
    times: Sequence[str], weekdays: Sequence[int], timezone: str, *, since: datetime, now: datetime
) -> datetime | None:
    """The last planned moment in [since, now]: after a long outage only the latest check-in is
    still worth sending; the ones before it are simply past."""
    since = max(since, now - timedelta(days=8))
    latest = None
    for moment in occurrences(times, weekdays, timezone, start=local_date(since, timezone)):
        if moment > now:
            break
        if moment >= since:
            latest = moment
    return latest


@dataclass(frozen=True)
class QuietHours:
    """The night, in each person's own timezone: no check-in or non-urgent message then."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """ "22:00-07:00" -> 22:00 to 07:00 (across midnight); "" or "off" -> never quiet."""
        text = text.strip().lower()
        if text in ("", "off", "none"):
            return cls(time(0), time(0))
        first, separator, second = text.partition("-")
        if not separator:
            raise ValueError("write quiet hours as 22:00-07:00, or off")
        return cls(parse_time(first), parse_time(second))

    def contains(self, moment: datetime, timezone: str) -> bool:
        if self.start == self.end:
            return False
        at = moment.astimezone(ZoneInfo(timezone)).time()
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end

    def clock_time_allowed(self, at: time) -> bool:
        """Whether a planned wall-clock time is outside the quiet hours."""
        if self.start == self.end:
            return True
        if self.start < self.end:
            return not (self.start <= at < self.end)
        return self.end <= at < self.start

    def next_allowed(self, moment: datetime, timezone: str) -> datetime:
        """`moment`, or the end of the quiet hours it falls in."""
        if not self.contains(moment, timezone):
            return moment
        day = local_date(moment, timezone)
        end = local_moment(day, self.end, timezone)
        return end if end > moment else local_moment(day + timedelta(days=1), self.end, timezone)
