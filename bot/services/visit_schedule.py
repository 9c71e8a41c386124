"""The rhythm of paired visits: a pairing's schedule on the resident's wall clock
(zoneinfo, DST-safe, via `bot.services.schedule`; rows keep UTC), the steps the scheduler walks
each visit through, and when each is due. Pure: no queries."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.services.errors import VisitDayInvalid, VisitTimeInvalid
from bot.services.schedule import QuietHours, local_date, local_moment, parse_time
from storage.models import Pairing, Visit, VisitCadence, VisitKind, VisitStatus

WEEKS = {VisitCadence.WEEKLY: 7, VisitCadence.FORTNIGHTLY: 14}
MONTHS = {
    VisitCadence.MONTHLY: 1,
    VisitCadence.QUARTERLY_CALL: 3,
    VisitCadence.HALF_YEARLY_VISIT: 6,
}
LOG_EARLIEST = timedelta(hours=1)  # a visit can be logged from an hour before its time


class Step(enum.IntEnum):
    """What the scheduler does next with a visit, and when (relative to its time)."""

    DAY_BEFORE = 1  # remind the volunteer (with the safety code), tell the resident who comes
    HOUR_BEFORE = 2  # remind the volunteer again, with the address and phone
    ASK_LOG = 3  # "📝 Log the visit"
    FLAG = 4  # not logged a day after: tell the coordinators


STEP_OFFSETS = {
    Step.DAY_BEFORE: -timedelta(days=1),
    Step.HOUR_BEFORE: -timedelta(hours=1),
    Step.ASK_LOG: timedelta(hours=1),
    Step.FLAG: timedelta(days=1),
}


def step_due(visit: Visit, step: int) -> datetime | None:
    """When `step` of this visit is due; None past the last step."""
    if step not in STEP_OFFSETS:
        return None
    return visit.scheduled_at + STEP_OFFSETS[Step(step)]


# ---- the schedule ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A pairing's rhythm: a weekday (weekly, fortnightly) or a day of the month (monthly,
    quarterly call, half-yearly visit), and a local time "HH:MM"."""

    cadence: VisitCadence
    local_time: str
    weekday: int | None = None
    month_day: int | None = None

    @property
    def kind(self) -> VisitKind:
        return VisitKind.CALL if self.cadence is VisitCadence.QUARTERLY_CALL else VisitKind.VISIT

    def checked(self) -> Schedule:
        """The same schedule with a normalised time; a domain error if it cannot be used."""
        try:
            at = parse_time(self.local_time)
        except ValueError:
            raise VisitTimeInvalid() from None
        if self.cadence in WEEKS:
            if self.weekday is None or not 0 <= self.weekday <= 6:
                raise VisitDayInvalid()
            return Schedule(self.cadence, f"{at:%H:%M}", weekday=self.weekday)
        if self.month_day is None or not 1 <= self.month_day <= 28:
            raise VisitDayInvalid()
        return Schedule(self.cadence, f"{at:%H:%M}", month_day=self.month_day)

    @classmethod
    def of(cls, pairing: Pairing) -> Schedule:
        return cls(pairing.cadence, pairing.local_time, pairing.weekday, pairing.month_day)


def _add_months(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, day.day)  # days are 1..28: always exist


def next_occurrence(
    schedule: Schedule, timezone: str, *, after: datetime, previous: date | None = None
) -> datetime:
    """The first moment of the schedule strictly after `after` (UTC), computed on the
    resident's wall clock: "Monday 10:00" stays 10:00 across a DST change. With `previous` (the
    local date of the last occurrence) the rhythm continues from it (a fortnight, a quarter);
    without, the nearest matching day starts it."""
    at: time = parse_time(schedule.local_time)
    if previous is not None:
        day = previous
        while True:
            day = (
                day + timedelta(days=WEEKS[schedule.cadence])
                if schedule.cadence in WEEKS
                else _add_months(day, MONTHS[schedule.cadence])
            )
            if local_moment(day, at, timezone) > after:
                return local_moment(day, at, timezone)
    start = local_date(after, timezone)
    if schedule.cadence in WEEKS:
        assert schedule.weekday is not None
        day = start + timedelta(days=(schedule.weekday - start.weekday()) % 7)
        while local_moment(day, at, timezone) <= after:
            day += timedelta(days=7)
        return local_moment(day, at, timezone)
    assert schedule.month_day is not None
    day = date(start.year, start.month, schedule.month_day)
    while local_moment(day, at, timezone) <= after:
        day = _add_months(day, 1)
    return local_moment(day, at, timezone)


def quiet_until(moment: datetime, timezone: str, quiet: QuietHours) -> datetime | None:
    """When a non-urgent message to a resident may go: None now, or the end of their night."""
    allowed = quiet.next_allowed(moment, timezone)
    return None if allowed == moment else allowed


def resident_was_told(visit: Visit) -> bool:
    """Whether the day-before notice went to the resident already."""
    return visit.next_step > Step.DAY_BEFORE


def new_visit(pairing: Pairing, scheduled_at: datetime, now: datetime) -> Visit:
    visit = Visit(
        pairing_id=pairing.id,
        resident_id=pairing.resident_id,
        volunteer_id=pairing.volunteer_id,
        kind=Schedule.of(pairing).kind,
        scheduled_at=scheduled_at,
        status=VisitStatus.SCHEDULED,
        created_at=now,
    )
    visit.next_step = Step.DAY_BEFORE
    visit.next_due_at = step_due(visit, Step.DAY_BEFORE)
    return visit
