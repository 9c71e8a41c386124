"""Rules of paired visits, without Telegram: the schedule on the resident's wall clock (DST),
quiet hours, pairing, the steps the scheduler takes (each once, even with two at once), confirm,
cancel, the log, hours, the check-in it counts as, and low wellbeing in a row."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.services import checkins, visits, volunteers
from bot.services.communities import add_community, forget_tree
from bot.services.errors import (
    NotAllowed,
    NotYourVisit,
    PairingExists,
    PairingPersonInvalid,
    VisitChanged,
    VisitDayInvalid,
    VisitNotYet,
    VisitTimeInvalid,
)
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule, Step
from storage.models import (
    AuditEvent,
    CheckinContact,
    ContactKind,
    User,
    UserRole,
    Visit,
    VisitCadence,
    VisitKind,
    VisitOutcome,
    VisitStatus,
)
from storage.repositories import communities as community_queries
from tests.people import make_person

# On PostgreSQL too: the scheduler's steps, taken once by two ticks at once.
pytestmark = pytest.mark.postgresql

QUIET = QuietHours.parse("22:00-07:00")
SETTINGS = Settings()
WEEKLY_MONDAY_10 = Schedule(VisitCadence.WEEKLY, "10:00", weekday=0)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# ---- the schedule on the resident's clock ---------------------------------------------------


def test_weekly_visits_stay_at_ten_on_the_london_clock_across_the_spring_change() -> None:
    sundays = Schedule(VisitCadence.WEEKLY, "10:00", weekday=6)
    first = visits.next_occurrence(sundays, "Europe/London", after=utc(2026, 3, 20, 12))
    assert first == utc(2026, 3, 22, 10)  # GMT
    second = visits.next_occurrence(
        sundays, "Europe/London", after=first, previous=date(2026, 3, 22)
    )
    assert second == utc(2026, 3, 29, 9)  # BST: still 10:00 in London


def test_a_time_skipped_by_the_clocks_going_forward_is_an_hour_later() -> None:
    sundays = Schedule(VisitCadence.WEEKLY, "01:30", weekday=6)
    moment = visits.next_occurrence(sundays, "Europe/London", after=utc(2026, 3, 28, 12))
    assert moment == utc(2026, 3, 29, 1, 30)  # 02:30 BST: 01:30 did not exist that night


def test_fortnightly_visits_keep_their_rhythm_across_the_autumn_change() -> None:
    fortnightly = Schedule(VisitCadence.FORTNIGHTLY, "15:00", weekday=3)
    previous = date(2026, 10, 15)  # a Thursday, BST
    moment = visits.next_occurrence(
        fortnightly, "Europe/London", after=utc(2026, 10, 15, 14), previous=previous
    )
    assert moment == utc(2026, 10, 29, 15)  # GMT after 25 October: 15:00 local


def test_shanghai_monthly_quarterly_and_half_yearly() -> None:
    now = utc(2026, 3, 2, 9)  # 17:00 in Shanghai
    monthly = Schedule(VisitCadence.MONTHLY, "09:00", month_day=5)
    assert visits.next_occurrence(monthly, "Asia/Shanghai", after=now) == utc(2026, 3, 5, 1)
    early = Schedule(VisitCadence.MONTHLY, "09:00", month_day=1)
    assert visits.next_occurrence(early, "Asia/Shanghai", after=now) == utc(2026, 4, 1, 1)
    quarterly = Schedule(VisitCadence.QUARTERLY_CALL, "19:00", month_day=5)
    assert quarterly.kind is VisitKind.CALL
    after_march = visits.next_occurrence(
        quarterly, "Asia/Shanghai", after=utc(2026, 3, 5, 11), previous=date(2026, 3, 5)
    )
    assert after_march == utc(2026, 6, 5, 11)
    half_yearly = Schedule(VisitCadence.HALF_YEARLY_VISIT, "10:00", month_day=20)
    next_year = visits.next_occurrence(
        half_yearly, "Asia/Shanghai", after=utc(2026, 11, 20, 2), previous=date(2026, 11, 20)
    )
    assert next_year == utc(2027, 5, 20, 2)


def test_a_weekly_visit_later_today_or_next_week() -> None:
    monday_5pm_shanghai = utc(2026, 3, 2, 9)
    assert visits.next_occurrence(
        WEEKLY_MONDAY_10, "Asia/Shanghai", after=monday_5pm_shanghai
    ) == utc(2026, 3, 9, 2)
    evening = Schedule(VisitCadence.WEEKLY, "19:00", weekday=0)
    assert visits.next_occurrence(evening, "Asia/Shanghai", after=monday_5pm_shanghai) == utc(
        2026, 3, 2, 11
    )


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(VisitTimeInvalid):
        Schedule(VisitCadence.WEEKLY, "25:00", weekday=0).checked()
    with pytest.raises(VisitDayInvalid):
        Schedule(VisitCadence.MONTHLY, "10:00", month_day=31).checked()
    with pytest.raises(VisitDayInvalid):
        Schedule(VisitCadence.WEEKLY, "10:00").checked()
    assert Schedule(VisitCadence.WEEKLY, "9：05", weekday=1).checked().local_time == "09:05"


def test_no_message_to_a_resident_in_their_night() -> None:
    late = utc(2026, 3, 2, 15)  # 23:00 in Shanghai
    assert visits.quiet_until(late, "Asia/Shanghai", QUIET) == utc(2026, 3, 2, 23)  # 07:00
    assert visits.quiet_until(utc(2026, 3, 2, 2), "Asia/Shanghai", QUIET) is None


# ---- pairing and the steps ------------------------------------------------------------------


async def _cast(session: AsyncSession, clock: ManualClock) -> tuple[User, User, User]:
    resident = await make_person(
        session, clock, 1, UserRole.RESIDENT, name="Mei Chen", phone="13800138000", address="3B"
    )
    coordinator = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    volunteer = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao Wang")
    return resident, coordinator, volunteer


async def _paired(
    session: AsyncSession, clock: ManualClock, schedule: Schedule = WEEKLY_MONDAY_10
) -> tuple[User, User, User, Visit]:
    resident, coordinator, volunteer = await _cast(session, clock)
    _, visit = await visits.create_pairing(
        session,
        coordinator,
        resident_id=resident.id,
        volunteer_id=volunteer.id,
        schedule=schedule,
        safety_code="  bamboo  ",
        settings=SETTINGS,
        clock=clock,
    )
    return resident, coordinator, volunteer, visit


async def test_only_a_coordinator_pairs_a_resident_with_an_approved_volunteer_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident, coordinator, volunteer = await _cast(session, clock)
    waiting = await make_person(session, clock, 4, UserRole.VOLUNTEER, approved=False)
    pair = {"schedule": WEEKLY_MONDAY_10, "safety_code": None, "settings": SETTINGS, "clock": clock}
    with pytest.raises(NotAllowed):
        await visits.create_pairing(
            session, volunteer, resident_id=resident.id, volunteer_id=volunteer.id, **pair
        )
    with pytest.raises(PairingPersonInvalid):
        await visits.create_pairing(
            session, coordinator, resident_id=resident.id, volunteer_id=waiting.id, **pair
        )
    with pytest.raises(PairingPersonInvalid):
        await visits.create_pairing(
            session, coordinator, resident_id=volunteer.id, volunteer_id=volunteer.id, **pair
        )
    pairing, visit = await visits.create_pairing(
        session, coordinator, resident_id=resident.id, volunteer_id=volunteer.id, **pair
    )
    assert visit.scheduled_at == utc(2026, 3, 9, 2)  # Monday 10:00 in Shanghai
    assert pairing.next_visit_at == utc(2026, 3, 16, 2)
    assert visit.next_step == Step.DAY_BEFORE and visit.next_due_at == utc(2026, 3, 8, 2)
    with pytest.raises(PairingExists):
        await visits.create_pairing(
            session, coordinator, resident_id=resident.id, volunteer_id=volunteer.id, **pair
        )


async def test_the_steps_come_in_order_each_once(session: AsyncSession, clock: ManualClock) -> None:
    resident, _, volunteer, _ = await _paired(session, clock)
    await session.commit()
    assert await visits.take_due_steps(session, clock=clock, quiet=QUIET) == []

    clock.set(utc(2026, 3, 8, 2))  # Sunday 10:00: the day before
    day_before = await visits.take_due_steps(session, clock=clock, quiet=QUIET)
    assert [(d.step, d.remind, d.tell_resident) for d in day_before] == [
        (Step.DAY_BEFORE, True, True)
    ]
    assert day_before[0].pairing.safety_code == "bamboo"
    assert await visits.take_due_steps(session, clock=clock, quiet=QUIET) == []

    clock.set(utc(2026, 3, 9, 1))  # an hour before: address and phone, written down
    assert [d.step for d in await visits.take_due_steps(session, clock=clock, quiet=QUIET)] == [
        Step.HOUR_BEFORE
    ]
    reveals = await session.scalars(select(AuditEvent).where(AuditEvent.action == "visit.reveal"))
    assert [(e.actor_id, e.subject_id) for e in reveals] == [(volunteer.id, resident.id)]

    clock.set(utc(2026, 3, 9, 3))
    assert [d.step for d in await visits.take_due_steps(session, clock=clock, quiet=QUIET)] == [
        Step.ASK_LOG
    ]
    clock.set(utc(2026, 3, 10, 2))  # a day later, not logged
    flagged = await visits.take_due_steps(session, clock=clock, quiet=QUIET)
    assert [d.step for d in flagged] == [Step.FLAG]
    assert flagged[0].visit.flagged_at == clock.now()
    assert await visits.take_due_steps(session, clock=clock, quiet=QUIET) == []
    # next week's visit is written two days ahead of it
    clock.set(utc(2026, 3, 14, 2))
    assert await visits.take_due_steps(session, clock=clock, quiet=QUIET) == []
    coming = list(await session.scalars(select(Visit).order_by(Visit.scheduled_at)))
    assert [v.scheduled_at for v in coming] == [utc(2026, 3, 9, 2), utc(2026, 3, 16, 2)]


async def test_a_bot_down_for_days_catches_up_once_without_stale_reminders(
    session: AsyncSession, clock: ManualClock
) -> None:
    await _paired(session, clock)
    await session.commit()
    clock.set(utc(2026, 3, 9, 1, 30))  # down until half an hour before the visit
    steps = await visits.take_due_steps(session, clock=clock, quiet=QUIET)
    assert [(d.step, d.remind) for d in steps] == [
        (Step.DAY_BEFORE, False),  # superseded: the hour-before reminder says it all
        (Step.HOUR_BEFORE, True),
    ]
    assert steps[0].tell_resident  # the visit is still ahead: the resident is told
    assert await visits.take_due_steps(session, clock=clock, quiet=QUIET) == []


async def test_two_ticks_at_once_take_each_step_once(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with session_factory() as session:
        await _paired(session, clock)
        await session.commit()
    clock.set(utc(2026, 3, 10, 3))  # every step of the first visit is due

    async def tick() -> list[Step]:
        async with session_factory() as session:
            steps = await visits.take_due_steps(session, clock=clock, quiet=QUIET)
            await session.commit()
            return [d.step for d in steps]

    first, second = await asyncio.gather(tick(), tick())
    assert sorted(first + second) == [Step.DAY_BEFORE, Step.HOUR_BEFORE, Step.ASK_LOG, Step.FLAG]


async def test_the_resident_is_not_told_at_night(session: AsyncSession, clock: ManualClock) -> None:
    late = Schedule(VisitCadence.WEEKLY, "23:00", weekday=1)  # Tuesdays 23:00, say
    await _paired(session, clock, late)
    clock.set(utc(2026, 3, 2, 15))  # Monday 23:00 in Shanghai: the day before
    (step,) = await visits.take_due_steps(session, clock=clock, quiet=QUIET)
    assert step.tell_resident and step.tell_resident_after == utc(2026, 3, 2, 23)  # 07:00


# ---- the volunteer answers and logs ---------------------------------------------------------


async def test_confirm_cancel_and_log_are_the_volunteers_and_happen_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, _, volunteer, visit = await _paired(session, clock)
    stranger = await make_person(session, clock, 5, UserRole.VOLUNTEER, name="Sly")
    with pytest.raises(NotYourVisit):
        await visits.confirm_visit(session, stranger, visit.id, clock=clock)
    confirmed = await visits.confirm_visit(session, volunteer, visit.id, clock=clock)
    assert confirmed.status is VisitStatus.CONFIRMED
    with pytest.raises(VisitChanged) as again:
        await visits.confirm_visit(session, volunteer, visit.id, clock=clock)
    assert again.value.status == "confirmed"
    with pytest.raises(VisitNotYet):
        await visits.log_visit(
            session, volunteer, visit.id, outcome=VisitOutcome.DONE, wellbeing=3, clock=clock
        )
    clock.set(visit.scheduled_at + timedelta(hours=1))
    logged = await visits.log_visit(
        session, volunteer, visit.id, outcome=VisitOutcome.DONE, wellbeing=3, clock=clock
    )
    assert logged.visit.minutes == 60 and not logged.low_in_a_row
    with pytest.raises(VisitChanged):
        await visits.cancel_visit(session, volunteer, visit.id, clock=clock)
    await visits.set_minutes(session, volunteer, visit.id, 90)
    await visits.add_note(session, volunteer, visit.id, "  Had tea, knee better  ")
    month, total = await volunteers.hours_of(session, volunteer, clock=clock)
    assert (month, total) == (90, 90)
    row = await session.get(Visit, visit.id)
    assert row is not None and row.note == "Had tea, knee better"


async def test_cancelling_stops_the_reminders(session: AsyncSession, clock: ManualClock) -> None:
    _, _, volunteer, visit = await _paired(session, clock)
    cancelled = await visits.cancel_visit(session, volunteer, visit.id, clock=clock)
    assert cancelled.status is VisitStatus.CANCELLED and cancelled.next_due_at is None
    assert not visits.resident_was_told(cancelled)
    await visits.give_reason(session, volunteer, visit.id, "Flu, sorry")
    clock.set(utc(2026, 3, 12))
    assert await visits.take_due_steps(session, clock=clock, quiet=QUIET) == []


async def test_two_low_wellbeing_scores_in_a_row_flag_the_resident(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, _, volunteer, first = await _paired(session, clock)
    clock.set(first.scheduled_at)
    one = await visits.log_visit(
        session, volunteer, first.id, outcome=VisitOutcome.DONE, wellbeing=1, clock=clock
    )
    assert not one.low_in_a_row
    clock.set(utc(2026, 3, 14, 2))
    await visits.take_due_steps(session, clock=clock, quiet=QUIET)  # writes next week's visit
    second = await session.scalar(select(Visit).where(Visit.id != first.id))
    assert second is not None
    clock.set(second.scheduled_at)
    two = await visits.log_visit(
        session, volunteer, second.id, outcome=VisitOutcome.DONE, wellbeing=0, clock=clock
    )
    assert two.low_in_a_row


async def test_a_visit_counts_as_the_days_check_in_and_the_volunteer_joins_the_chain(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident, coordinator, volunteer = await _cast(session, clock)
    plan = await checkins.propose_plan(
        session, coordinator, resident, times=["09:00"], quiet=QUIET, clock=clock
    )
    await checkins.agree_to_plan(session, resident, plan.id, clock=clock)
    _, visit = await visits.create_pairing(
        session,
        coordinator,
        resident_id=resident.id,
        volunteer_id=volunteer.id,
        schedule=WEEKLY_MONDAY_10,
        safety_code=None,
        settings=SETTINGS,
        clock=clock,
    )
    chain = list(
        await session.scalars(
            select(CheckinContact)
            .where(CheckinContact.plan_id == plan.id)
            .order_by(CheckinContact.position)
        )
    )
    assert (chain[0].kind, chain[0].user_id) == (ContactKind.VOLUNTEER, volunteer.id)
    clock.set(visit.scheduled_at + timedelta(minutes=50))
    await visits.log_visit(
        session, volunteer, visit.id, outcome=VisitOutcome.DONE, wellbeing=4, clock=clock
    )
    await session.refresh(plan)
    assert plan.covered_on == date(2026, 3, 9)


# ---- communities ----------------------------------------------------------------------------


async def _east(session: AsyncSession, clock: ManualClock) -> tuple[int, User, User, User]:
    """East Lane, quiet from nine in the evening to nine in the morning, with its coordinator,
    a resident and a volunteer."""
    east = await add_community(
        session, name="East Lane", slug="east", clock=clock, quiet_hours="21:00-09:00"
    )
    coordinator = await make_person(
        session, clock, 21, UserRole.COORDINATOR, name="Emma", community_id=east.id
    )
    resident = await make_person(
        session, clock, 22, UserRole.RESIDENT, name="Eve", community_id=east.id
    )
    volunteer = await make_person(
        session, clock, 23, UserRole.VOLUNTEER, name="Ena", community_id=east.id
    )
    return east.id, coordinator, resident, volunteer


async def test_a_volunteer_is_paired_only_in_a_community_they_serve(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Each coordinator pairs the residents of their community with volunteers who serve it:
    registered there, or added to it by a coordinator."""
    mei, lin, tao = await _cast(session, clock)
    east, emma, eve, ena = await _east(session, clock)
    pair = {"schedule": WEEKLY_MONDAY_10, "safety_code": None, "settings": SETTINGS, "clock": clock}

    async def names(coordinator: User, *, resident: User | None = None) -> list[str]:
        found, _total = await visits.people_to_pair(
            session, coordinator, settings=SETTINGS, residents=resident is None,
            resident_id=resident.id if resident else None,
        )  # fmt: skip
        return [person.display_name or "" for person in found]

    assert await names(lin) == ["Mei Chen"] and await names(emma) == ["Eve"]
    assert await names(emma, resident=eve) == ["Ena"]
    for coordinator, resident, volunteer in ((emma, eve, tao), (lin, mei, ena), (lin, eve, tao)):
        with pytest.raises(PairingPersonInvalid):
            await visits.create_pairing(
                session, coordinator, resident_id=resident.id, volunteer_id=volunteer.id, **pair
            )
    with pytest.raises(PairingPersonInvalid):  # another community's resident, however tapped
        await visits.person_to_pair(session, lin, eve.id, resident=True, settings=SETTINGS)
    with pytest.raises(PairingPersonInvalid):
        await names(lin, resident=eve)

    # Tao helps out in East Lane too: Emma can pair him with Eve now
    await community_queries.add_served(session, tao.id, east, by_id=emma.id, at=clock.now())
    forget_tree(session)
    assert await names(emma, resident=eve) == ["Ena", "Tao Wang"]
    pairing, _ = await visits.create_pairing(
        session, emma, resident_id=eve.id, volunteer_id=tao.id, **pair
    )
    assert pairing.community_id == east
    overview, _coming = await visits.overview(session, lin, settings=SETTINGS, clock=clock)
    assert overview == []  # Lin's list is the first community's


async def test_the_resident_hears_who_is_coming_outside_their_community_s_quiet_hours(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Sunday 08:00 in Shanghai, the day before two Monday 08:00 visits: Mei (quiet until
    07:00) is told now, Eve in East Lane (quiet until 09:00) at nine."""
    mei, lin, tao = await _cast(session, clock)
    east, emma, eve, ena = await _east(session, clock)
    at_eight = Schedule(VisitCadence.WEEKLY, "08:00", weekday=0)
    for coordinator, resident, volunteer in ((lin, mei, tao), (emma, eve, ena)):
        await visits.create_pairing(
            session, coordinator, resident_id=resident.id, volunteer_id=volunteer.id,
            schedule=at_eight, safety_code=None, settings=SETTINGS, clock=clock,
        )  # fmt: skip
    await session.commit()
    quiet = {1: QUIET, east: QuietHours.parse("21:00-09:00")}
    clock.set(utc(2026, 3, 8, 0))
    steps = await visits.take_due_steps(session, clock=clock, quiet=lambda id_: quiet[id_])
    told = {step.resident.display_name: step.tell_resident_after for step in steps}
    assert told == {"Mei Chen": None, "Eve": utc(2026, 3, 8, 1)}
