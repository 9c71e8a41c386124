"""Paired visits ("一对一结对"): a coordinator pairs a volunteer with a resident on a recurring
schedule; each occurrence is a `Visit` row that the scheduler walks through its steps (remind
the day before and tell the resident who is coming, remind an hour before, ask for the log,
flag it if nobody logged it a day later); the volunteer confirms, cancels or logs it.

Times are the resident's wall-clock times (zoneinfo, DST-safe, via `bot.services.schedule`);
rows keep UTC. Every step and every change is a conditional UPDATE, so a double tap, two bot
processes, or a tick racing a tap change a visit once. No Telegram types here."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import checkins
from bot.services.errors import (
    MinutesInvalid,
    NotAllowed,
    NotYourVisit,
    PairingExists,
    PairingPersonInvalid,
    SafetyCodeInvalid,
    TextTooLong,
    VisitChanged,
    VisitDayInvalid,
    VisitNotFound,
    VisitNotYet,
    VisitTimeInvalid,
    VolunteerNotApproved,
    WellbeingInvalid,
)
from bot.services.requests import require_role
from bot.services.schedule import QuietHours, local_date, local_moment, parse_time
from bot.services.users import clean_text
from bot.services.volunteers import approved_volunteer
from storage.models import (
    Pairing,
    User,
    UserRole,
    Visit,
    VisitCadence,
    VisitKind,
    VisitOutcome,
    VisitStatus,
)
from storage.repositories import audit
from storage.repositories import users as user_queries
from storage.repositories import visits as queries

WEEKS = {VisitCadence.WEEKLY: 7, VisitCadence.FORTNIGHTLY: 14}
MONTHS = {
    VisitCadence.MONTHLY: 1,
    VisitCadence.QUARTERLY_CALL: 3,
    VisitCadence.HALF_YEARLY_VISIT: 6,
}
DEFAULT_MINUTES = {VisitKind.VISIT: 60, VisitKind.CALL: 15}
"""Counted when a visit is logged; the volunteer can change it with one tap afterwards."""

MAX_MINUTES = 24 * 60
MAX_NOTE = 1000
MAX_REASON = 300
SAFETY_CODE_LIMIT = 32
LOW_WELLBEING = 1  # 0 very poor, 1 poor: two of these in a row flag the resident
LOG_EARLIEST = timedelta(hours=1)  # a visit can be logged from an hour before its time
MATERIALISE_AHEAD = timedelta(days=2)  # a visit row exists before its day-before reminder
REVEALED_FIELDS = ("address", "phone", "access_notes")


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


# ---- pairing --------------------------------------------------------------------------------


async def people_to_pair(
    session: AsyncSession,
    coordinator: User | None,
    *,
    residents: bool,
    name: str | None = None,
    limit: int = 6,
    offset: int = 0,
) -> tuple[list[User], int]:
    """Registered residents, or approved volunteers, a coordinator can pair (maybe found by a
    part of their name), and how many there are."""
    require_role(coordinator, UserRole.COORDINATOR)
    query = user_queries.registered_residents() if residents else user_queries.approved_volunteers()
    return await user_queries.page_by_name(session, query, name=name, limit=limit, offset=offset)


def clean_safety_code(text: str | None) -> str | None:
    if text is None:
        return None
    code = clean_text(text)
    if not code:
        return None
    if len(code) > SAFETY_CODE_LIMIT:
        raise SafetyCodeInvalid(SAFETY_CODE_LIMIT)
    return code


async def _resident(session: AsyncSession, resident_id: int) -> User:
    resident = await session.get(User, resident_id)
    if resident is None or not resident.is_onboarded or resident.role is not UserRole.RESIDENT:
        raise PairingPersonInvalid()
    return resident


async def create_pairing(
    session: AsyncSession,
    coordinator: User | None,
    *,
    resident_id: int,
    volunteer_id: int,
    schedule: Schedule,
    safety_code: str | None,
    clock: Clock,
) -> tuple[Pairing, Visit]:
    """Pair them and write the first visit. The volunteer becomes the first link of the
    resident's check-in chain, if the resident has check-ins."""
    coordinator = require_role(coordinator, UserRole.COORDINATOR)
    schedule = schedule.checked()
    code = clean_safety_code(safety_code)
    resident = await _resident(session, resident_id)
    try:
        volunteer = await approved_volunteer(session, await session.get(User, volunteer_id))
    except (NotAllowed, VolunteerNotApproved) as error:
        raise PairingPersonInvalid() from error
    if await queries.active_pairing_of(session, volunteer.id, resident.id) is not None:
        raise PairingExists()
    now = clock.now()
    first = next_occurrence(schedule, resident.timezone, after=now)
    pairing = Pairing(
        volunteer_id=volunteer.id,
        resident_id=resident.id,
        cadence=schedule.cadence,
        weekday=schedule.weekday,
        month_day=schedule.month_day,
        local_time=schedule.local_time,
        safety_code=code,
        active=True,
        next_visit_at=next_occurrence(
            schedule, resident.timezone, after=first, previous=local_date(first, resident.timezone)
        ),
        created_by_id=coordinator.id,
        created_at=now,
    )
    session.add(pairing)
    await session.flush()
    visit = _new_visit(pairing, first, now)
    session.add(visit)
    audit.record(
        session,
        at=now,
        action="visit.paired",
        actor_id=coordinator.id,
        subject_id=resident.id,
        detail={"pairing_id": pairing.id, "volunteer_id": volunteer.id},
    )
    await session.flush()
    await checkins.add_volunteer_to_chain(session, resident.id, volunteer.id, clock=clock)
    return pairing, visit


def _new_visit(pairing: Pairing, scheduled_at: datetime, now: datetime) -> Visit:
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


# ---- the scheduler --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueStep:
    """A step this process claimed, with what to tell whom. `remind` is False when a later step
    was due as well (a bot that was down): the later reminder says it all."""

    step: Step
    visit: Visit
    pairing: Pairing
    volunteer: User
    resident: User
    remind: bool = True
    tell_resident_after: datetime | None = None  # the resident's quiet hours, if any
    tell_resident: bool = False


async def take_due_steps(
    session: AsyncSession, *, clock: Clock, quiet: QuietHours
) -> list[DueStep]:
    """Write the visits of pairings coming up, then claim every visit step that is due, each
    with a conditional UPDATE; return what this process must send."""
    now = clock.now()
    await _write_coming_visits(session, now)
    taken: list[DueStep] = []
    for visit_id in await queries.visits_due(session, now):
        while True:
            visit = await queries.get_visit(session, visit_id)
            if visit is None or visit.next_due_at is None or visit.next_due_at > now:
                break
            step = visit.next_step
            following = step + 1
            if not await queries.claim_step(
                session,
                visit_id,
                step=step,
                now=now,
                next_step=following,
                next_due_at=step_due(visit, following),
            ):
                break  # another process took it
            if step not in STEP_OFFSETS or visit.status not in queries.OPEN:
                continue
            due = await _describe(session, visit, Step(step), now, quiet)
            if due is not None:
                taken.append(due)
    await session.flush()
    return taken


async def _write_coming_visits(session: AsyncSession, now: datetime) -> None:
    """Each pairing's next occurrence becomes a visit two days ahead; the process that moves the
    pairing on (a conditional UPDATE) is the one that writes it."""
    for pairing_id in await queries.pairings_due(session, now + MATERIALISE_AHEAD):
        pairing = await queries.get_pairing(session, pairing_id)
        if pairing is None or pairing.next_visit_at is None:
            continue
        resident = await session.get(User, pairing.resident_id)
        if resident is None:
            continue
        current = pairing.next_visit_at
        following = next_occurrence(
            Schedule.of(pairing),
            resident.timezone,
            after=current,
            previous=local_date(current, resident.timezone),
        )
        if await queries.advance_pairing(session, pairing.id, current=current, following=following):
            session.add(_new_visit(pairing, current, now))
    await session.flush()


async def _describe(
    session: AsyncSession, visit: Visit, step: Step, now: datetime, quiet: QuietHours
) -> DueStep | None:
    pairing = await queries.get_pairing(session, visit.pairing_id)
    volunteer = await session.get(User, visit.volunteer_id)
    resident = await session.get(User, visit.resident_id)
    if pairing is None or volunteer is None or resident is None:
        return None
    next_due = step_due(visit, step + 1)
    superseded = step in (Step.DAY_BEFORE, Step.HOUR_BEFORE) and (
        next_due is not None and next_due <= now
    )
    if step is Step.FLAG:
        visit.flagged_at = now  # the step was claimed above: only this process gets here
    tell_resident = False
    after = None
    if step is Step.DAY_BEFORE and now < visit.scheduled_at:
        after = quiet_until(now, resident.timezone, quiet)
        tell_resident = after is None or after < visit.scheduled_at
    if step is Step.HOUR_BEFORE and not superseded and visit.kind is VisitKind.VISIT:
        reveal(session, volunteer, resident, visit, now=now)
    return DueStep(
        step=step,
        visit=visit,
        pairing=pairing,
        volunteer=volunteer,
        resident=resident,
        remind=not superseded,
        tell_resident_after=after,
        tell_resident=tell_resident,
    )


def reveal(
    session: AsyncSession, volunteer: User, resident: User, visit: Visit, *, now: datetime
) -> None:
    """A paired volunteer may see where the resident lives and their phone: written down each
    time it is shown."""
    audit.record(
        session,
        at=now,
        action="visit.reveal",
        actor_id=volunteer.id,
        subject_id=resident.id,
        detail={"visit_id": visit.id, "fields": list(REVEALED_FIELDS)},
    )


# ---- the volunteer acts ---------------------------------------------------------------------


async def own_visit(session: AsyncSession, volunteer: User | None, visit_id: int) -> Visit:
    """The visit, if the presser is its volunteer (a forged or forwarded button is not)."""
    if volunteer is None or not volunteer.is_onboarded:
        raise NotAllowed()
    visit = await queries.get_visit(session, visit_id)
    if visit is None:
        raise VisitNotFound()
    if visit.volunteer_id != volunteer.id:
        raise NotYourVisit()
    return visit


async def _change(
    session: AsyncSession,
    volunteer: User,
    visit: Visit,
    *,
    statuses: tuple[VisitStatus, ...],
    values: dict[str, object],
) -> Visit:
    if not await queries.update_visit_if(
        session, visit.id, statuses=statuses, values=values, volunteer_id=volunteer.id
    ):
        current = await queries.get_visit(session, visit.id)
        raise VisitChanged(visit.id, (current or visit).status.value)
    changed = await queries.get_visit(session, visit.id)
    assert changed is not None
    return changed


async def confirm_visit(
    session: AsyncSession, volunteer: User | None, visit_id: int, *, clock: Clock
) -> Visit:
    """ "I'll be there"; a second tap raises VisitChanged with status "confirmed"."""
    visit = await own_visit(session, volunteer, visit_id)
    assert volunteer is not None
    return await _change(
        session,
        volunteer,
        visit,
        statuses=(VisitStatus.SCHEDULED,),
        values={"status": VisitStatus.CONFIRMED, "confirmed_at": clock.now()},
    )


async def cancel_visit(
    session: AsyncSession, volunteer: User | None, visit_id: int, *, clock: Clock
) -> Visit:
    """ "I can't make it": nothing more is sent for this visit; the caller tells the
    coordinators at once (and the resident, if they were told someone is coming)."""
    visit = await own_visit(session, volunteer, visit_id)
    assert volunteer is not None
    if visit.scheduled_at + STEP_OFFSETS[Step.FLAG] <= clock.now():
        raise VisitChanged(visit.id, "past")
    changed = await _change(
        session,
        volunteer,
        visit,
        statuses=queries.OPEN,
        values={"status": VisitStatus.CANCELLED, "cancelled_at": clock.now(), "next_due_at": None},
    )
    audit.record(
        session,
        at=clock.now(),
        action="visit.cancelled",
        actor_id=volunteer.id,
        subject_id=visit.resident_id,
        detail={"visit_id": visit.id},
    )
    return changed


def resident_was_told(visit: Visit) -> bool:
    """Whether the day-before notice went to the resident already."""
    return visit.next_step > Step.DAY_BEFORE


async def give_reason(
    session: AsyncSession, volunteer: User | None, visit_id: int, reason: str
) -> Visit:
    """Why they cannot come (optional, after the tap)."""
    visit = await own_visit(session, volunteer, visit_id)
    text = clean_text(reason)
    if len(text) > MAX_REASON:
        raise TextTooLong(MAX_REASON)
    if visit.status is not VisitStatus.CANCELLED or visit.cancel_reason:
        raise VisitChanged(visit.id, visit.status.value)
    visit.cancel_reason = text
    await session.flush()
    return visit


@dataclass(frozen=True)
class LoggedVisit:
    visit: Visit
    low_in_a_row: bool  # this and the previous wellbeing were low: flag the resident
    settled_checkins: list[checkins.Outcome] = field(default_factory=list)  # closed by the visit


async def log_visit(
    session: AsyncSession,
    volunteer: User | None,
    visit_id: int,
    *,
    outcome: VisitOutcome,
    wellbeing: int | None,
    clock: Clock,
) -> LoggedVisit:
    """How it went (and, when it happened, how the resident seemed). The default time for the
    kind counts towards the volunteer's hours; a visit or call that happened counts as the
    resident's check-in for the day."""
    visit = await own_visit(session, volunteer, visit_id)
    assert volunteer is not None
    now = clock.now()
    if outcome is VisitOutcome.DONE:
        if wellbeing is None or not 0 <= wellbeing <= 4:
            raise WellbeingInvalid()
    else:
        wellbeing = None
    if visit.status in queries.OPEN and now < visit.scheduled_at - LOG_EARLIEST:
        raise VisitNotYet()
    minutes = None if outcome is VisitOutcome.POSTPONED else DEFAULT_MINUTES[visit.kind]
    visit = await _change(
        session,
        volunteer,
        visit,
        statuses=queries.OPEN,
        values={
            "status": VisitStatus.LOGGED,
            "outcome": outcome,
            "wellbeing": wellbeing,
            "minutes": minutes,
            "logged_at": now,
            "next_due_at": None,
        },
    )
    settled: list[checkins.Outcome] = []
    if outcome is VisitOutcome.DONE:
        settled = await checkins.count_contact_as_checkin(
            session, visit.resident_id, volunteer, kind=visit.kind.value, clock=clock
        )
    low = False
    if wellbeing is not None and wellbeing <= LOW_WELLBEING:
        latest = await queries.last_wellbeing(session, visit.resident_id, count=2)
        low = len(latest) == 2 and all(score <= LOW_WELLBEING for score in latest)
    await session.flush()
    return LoggedVisit(visit=visit, low_in_a_row=low, settled_checkins=settled)


async def set_minutes(
    session: AsyncSession, volunteer: User | None, visit_id: int, minutes: int
) -> Visit:
    if not 1 <= minutes <= MAX_MINUTES:
        raise MinutesInvalid()
    visit = await own_visit(session, volunteer, visit_id)
    assert volunteer is not None
    if visit.outcome is VisitOutcome.POSTPONED:
        raise VisitChanged(visit.id, visit.status.value)
    return await _change(
        session, volunteer, visit, statuses=(VisitStatus.LOGGED,), values={"minutes": minutes}
    )


async def add_note(
    session: AsyncSession, volunteer: User | None, visit_id: int, note: str
) -> Visit:
    text = clean_text(note)
    if len(text) > MAX_NOTE:
        raise TextTooLong(MAX_NOTE)
    visit = await own_visit(session, volunteer, visit_id)
    assert volunteer is not None
    return await _change(
        session, volunteer, visit, statuses=(VisitStatus.LOGGED,), values={"note": text or None}
    )


# ---- lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitLine:
    visit: Visit
    volunteer: User
    resident: User


async def _lines(session: AsyncSession, visits: list[Visit]) -> list[VisitLine]:
    lines = []
    for visit in visits:
        volunteer = await session.get(User, visit.volunteer_id)
        resident = await session.get(User, visit.resident_id)
        if volunteer is not None and resident is not None:
            lines.append(VisitLine(visit, volunteer, resident))
    return lines


async def volunteer_visits(
    session: AsyncSession, volunteer: User | None, *, clock: Clock
) -> list[VisitLine]:
    """A volunteer's coming visits, and past ones still to log."""
    if (
        volunteer is None
        or not volunteer.is_onboarded
        or volunteer.role
        not in (
            UserRole.VOLUNTEER,
            UserRole.COORDINATOR,
        )
    ):
        raise NotAllowed()
    since = clock.now() - STEP_OFFSETS[Step.FLAG]
    visits = await queries.upcoming_of_volunteer(session, volunteer.id, since=since)
    return await _lines(session, visits)


@dataclass(frozen=True)
class PairingLine:
    pairing: Pairing
    volunteer: User
    resident: User


async def overview(
    session: AsyncSession, coordinator: User | None, *, clock: Clock
) -> tuple[list[PairingLine], list[VisitLine]]:
    """For coordinators: the active pairings and the coming visits."""
    require_role(coordinator, UserRole.COORDINATOR)
    pairings = []
    for pairing in await queries.active_pairings(session):
        volunteer = await session.get(User, pairing.volunteer_id)
        resident = await session.get(User, pairing.resident_id)
        if volunteer is not None and resident is not None:
            pairings.append(PairingLine(pairing, volunteer, resident))
    visits = await queries.upcoming(session, since=clock.now())
    return pairings, await _lines(session, visits)


async def minutes_logged(
    session: AsyncSession, volunteer_id: int, *, since: datetime | None
) -> int:
    return await queries.minutes_logged(session, volunteer_id, since=since)


async def retry_step_at(session: AsyncSession, due: DueStep, at: datetime) -> None:
    """A claimed step that could not be told goes back to being the visit's next step, at `at`."""
    await queries.step_due_again(session, due.visit.id, due.step, at)
