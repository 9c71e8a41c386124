"""Paired visits ("一对一结对"): a coordinator pairs a volunteer with a resident on a recurring
schedule; each occurrence is a `Visit` row that the scheduler walks through its steps (remind
the day before and tell the resident who is coming, remind an hour before, ask for the log,
flag it if nobody logged it a day later); the volunteer confirms, cancels or logs it.

Times are the resident's wall-clock times (zoneinfo, DST-safe, via `bot.services.schedule`);
rows keep UTC. Every step and every change is a conditional UPDATE, so a double tap, two bot
processes, or a tick racing a tap change a visit once. No Telegram types here.

Pairing itself, within the coordinator's communities, is `visit_pairing`; the rhythm is
`visit_schedule`; the scheduler's steps are `visit_steps`: all read as `visits.X`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.policy.permissions import Action, is_registered, may, require
from bot.services import checkins, communities, ledger
from bot.services.errors import (
    MinutesInvalid,
    NotAllowed,
    NotYourVisit,
    TextTooLong,
    VisitChanged,
    VisitNotFound,
    VisitNotYet,
    WellbeingInvalid,
)
from bot.services.users import clean_text
from bot.services.visit_pairing import (  # noqa: F401 (the coordinator's side, also visits.X)
    SAFETY_CODE_LIMIT,
    clean_safety_code,
    create_pairing,
    people_by_id,
    people_to_pair,
    person_to_pair,
)
from bot.services.visit_schedule import (  # noqa: F401 (the rhythm, also read as visits.X)
    LOG_EARLIEST,
    MONTHS,
    STEP_OFFSETS,
    WEEKS,
    Schedule,
    Step,
    new_visit,
    next_occurrence,
    quiet_until,
    resident_was_told,
    step_due,
)
from bot.services.visit_steps import (  # noqa: F401 (the scheduler's side, also read as visits.X)
    MATERIALISE_AHEAD,
    REVEALED_FIELDS,
    DueStep,
    retry_step_at,
    reveal,
    take_due_steps,
)
from storage.models import Pairing, User, Visit, VisitKind, VisitOutcome, VisitStatus
from storage.repositories import audit
from storage.repositories import visits as queries

DEFAULT_MINUTES = {VisitKind.VISIT: 60, VisitKind.CALL: 15}
"""Counted when a visit is logged; the volunteer can change it with one tap afterwards."""

MAX_MINUTES = 24 * 60
MAX_NOTE = 1000
MAX_REASON = 300
LOW_WELLBEING = 1  # 0 very poor, 1 poor: two of these in a row flag the resident


async def people_of(session: AsyncSession, record: Pairing | Visit) -> tuple[User, User]:
    """The volunteer and the resident of a pairing or a visit."""
    volunteer = await session.get(User, record.volunteer_id)
    resident = await session.get(User, record.resident_id)
    assert volunteer is not None and resident is not None  # rows go with their people
    return volunteer, resident


# ---- the volunteer acts ---------------------------------------------------------------------


async def own_visit(session: AsyncSession, volunteer: User | None, visit_id: int) -> Visit:
    """The visit, if the presser is its volunteer (a forged or forwarded button is not)."""
    if not is_registered(volunteer):
        raise NotAllowed()
    visit = await queries.get_visit(session, visit_id)
    if visit is None:
        raise VisitNotFound()
    if not may(volunteer, Action.ACT_ON_VISIT, visit):
        raise NotYourVisit()
    return visit


async def visit_to_log(
    session: AsyncSession, volunteer: User | None, visit_id: int, *, clock: Clock
) -> Visit:
    """The visit, while it may be logged: still open, and from an hour before its time."""
    visit = await own_visit(session, volunteer, visit_id)
    if visit.status not in queries.OPEN:
        raise VisitChanged(visit.id, visit.status.value)
    if clock.now() < visit.scheduled_at - LOG_EARLIEST:
        raise VisitNotYet()
    return visit


async def open_visit(session: AsyncSession, volunteer: User | None, visit_id: int) -> Visit:
    """The visit, while it is still open (the second tap of the log: how they seemed)."""
    visit = await own_visit(session, volunteer, visit_id)
    if visit.status not in queries.OPEN:
        raise VisitChanged(visit.id, visit.status.value)
    return visit


async def logged_visit(session: AsyncSession, volunteer: User | None, visit_id: int) -> Visit:
    """The visit, once logged (to add a note)."""
    visit = await own_visit(session, volunteer, visit_id)
    if visit.status is not VisitStatus.LOGGED:
        raise VisitChanged(visit.id, visit.status.value)
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
    if minutes:
        await _credit(session, volunteer, visit, minutes, now)
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


async def _credit(
    session: AsyncSession, volunteer: User, visit: Visit, minutes: int, now: datetime
) -> None:
    """The visit's time in the volunteer's time account (once per visit: its source); when
    the minutes were corrected, the credit that stood is reversed and the new one made."""
    pairing = await session.get(Pairing, visit.pairing_id)
    if pairing is None:
        return
    await ledger.recredit_time(
        session,
        community_id=pairing.community_id,
        person_id=volunteer.id,
        minutes=minutes,
        now=now,
        source=f"visit:{visit.id}",
        kind=ledger.TIME_VISIT,
        reason="minutes corrected",
        by_id=volunteer.id,
    )


async def set_minutes(
    session: AsyncSession,
    volunteer: User | None,
    visit_id: int,
    minutes: int,
    *,
    clock: Clock | None = None,
) -> Visit:
    """The time a logged visit took, as the volunteer corrects it (and their time account)."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise MinutesInvalid()
    visit = await own_visit(session, volunteer, visit_id)
    assert volunteer is not None
    if visit.outcome is VisitOutcome.POSTPONED:
        raise VisitChanged(visit.id, visit.status.value)
    visit = await _change(
        session, volunteer, visit, statuses=(VisitStatus.LOGGED,), values={"minutes": minutes}
    )
    await _credit(session, volunteer, visit, minutes, (clock or SystemClock()).now())
    return visit


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
    volunteer = require(volunteer, Action.SEE_OWN_VISITS)
    since = clock.now() - STEP_OFFSETS[Step.FLAG]
    visits = await queries.upcoming_of_volunteer(session, volunteer.id, since=since)
    return await _lines(session, visits)


@dataclass(frozen=True)
class PairingLine:
    pairing: Pairing
    volunteer: User
    resident: User


async def overview(
    session: AsyncSession, coordinator: User | None, *, settings: Settings, clock: Clock
) -> tuple[list[PairingLine], list[VisitLine]]:
    """For coordinators: the active pairings and the coming visits of their communities."""
    coordinator = require(coordinator, Action.PAIR_VISITS)
    scope = await communities.scope_of(session, settings, coordinator)
    pairings = []
    for pairing in await queries.active_pairings(session, scope):
        volunteer = await session.get(User, pairing.volunteer_id)
        resident = await session.get(User, pairing.resident_id)
        if volunteer is not None and resident is not None:
            pairings.append(PairingLine(pairing, volunteer, resident))
    visits = await queries.upcoming(session, scope, since=clock.now())
    return pairings, await _lines(session, visits)


async def minutes_logged(
    session: AsyncSession, volunteer_id: int, *, since: datetime | None
) -> int:
    return await queries.minutes_logged(session, volunteer_id, since=since)
