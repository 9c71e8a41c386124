"""The rules of check-ins, below the chat: local times across DST, steps taken once by two
schedulers at once, quiet hours, pauses that end by themselves, visits and calls that count."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.services import checkins, users
from bot.services.communities import add_community
from bot.services.errors import (
    CheckinLimitReached,
    CheckinPlanActive,
    CheckinTimeAtNight,
    CheckinTimesInvalid,
    NotAllowed,
    PauseDateInvalid,
    VolunteerNotApproved,
)
from bot.services.schedule import EVERY_DAY, QuietHours, latest_occurrence, next_occurrence
from storage.models import (
    Checkin,
    CheckinContact,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    User,
    UserRole,
)
from tests.people import make_person
from tests.traces import traces_of

# On PostgreSQL too: the scheduler's steps, taken once by two schedulers at once.
pytestmark = pytest.mark.postgresql

QUIET = QuietHours.parse("22:00-07:00")
SETTINGS = Settings()


def test_nine_oclock_stays_nine_oclock_in_london_across_the_clock_change() -> None:
    # Clocks go forward on 29 March 2026 and back on 25 October 2026 in London.
    before = next_occurrence(
        ["09:00"], EVERY_DAY, "Europe/London", after=datetime(2026, 3, 27, 12, tzinfo=UTC)
    )
    after = next_occurrence(["09:00"], EVERY_DAY, "Europe/London", after=before)
    assert before == datetime(2026, 3, 28, 9, tzinfo=UTC)  # GMT
    assert after == datetime(2026, 3, 29, 8, tzinfo=UTC)  # BST: still 09:00 on the wall
    autumn = next_occurrence(
        ["09:00"], EVERY_DAY, "Europe/London", after=datetime(2026, 10, 25, 0, tzinfo=UTC)
    )
    assert autumn == datetime(2026, 10, 25, 9, tzinfo=UTC)
    # 01:30 does not exist on the spring day: it is taken as 02:30 summer time.
    skipped = next_occurrence(
        ["01:30"], EVERY_DAY, "Europe/London", after=datetime(2026, 3, 29, 0, tzinfo=UTC)
    )
    assert skipped == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_shanghai_has_no_clock_change_and_weekdays_are_local() -> None:
    first = next_occurrence(
        ["08:00", "20:00"], (0,), "Asia/Shanghai", after=datetime(2026, 3, 28, tzinfo=UTC)
    )
    # Monday 30 March, 08:00 in Shanghai is Monday 00:00 UTC.
    assert first == datetime(2026, 3, 30, 0, tzinfo=UTC)
    second = next_occurrence(["08:00", "20:00"], (0,), "Asia/Shanghai", after=first)
    assert second == datetime(2026, 3, 30, 12, tzinfo=UTC)
    third = next_occurrence(["08:00", "20:00"], (0,), "Asia/Shanghai", after=second)
    assert third == datetime(2026, 4, 6, 0, tzinfo=UTC)


def test_after_a_long_outage_only_the_latest_check_in_is_due() -> None:
    since = datetime(2026, 3, 2, 1, tzinfo=UTC)
    now = since + timedelta(days=3, hours=5)
    latest = latest_occurrence(["09:00"], EVERY_DAY, "Asia/Shanghai", since=since, now=now)
    assert latest == datetime(2026, 3, 5, 1, tzinfo=UTC)


def test_times_must_be_one_to_four_and_not_at_night() -> None:
    assert checkins.clean_times(["9:00", "18：30", "09:00"], QUIET) == ["09:00", "18:30"]
    for bad in (
        [],
        ["23:00"],
        ["06:30"],
        ["8", "9"],
        ["08:00", "09:00", "10:00", "11:00", "12:00"],
    ):
        with pytest.raises(CheckinTimesInvalid):
            checkins.clean_times(bad, QUIET)


async def _enrolled(
    session: AsyncSession, clock: ManualClock, *, timezone: str = "Asia/Shanghai"
) -> tuple[User, User]:
    coordinator = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin")
    resident = await make_person(session, clock, 2, UserRole.RESIDENT, name="Mei")
    resident.timezone = timezone
    plan = await checkins.propose_plan(
        session,
        coordinator,
        resident,
        times=["09:00"],
        contacts=[checkins.phone_contact("Li Hong", "13500002222")],
        quiet=QUIET,
        clock=clock,
    )
    chain = await checkins.chain_of(session, plan)
    assert [c.kind for c in chain] == [ContactKind.COORDINATORS, ContactKind.PHONE]
    await checkins.agree_to_plan(session, resident, plan.id, clock=clock)
    await session.commit()
    return coordinator, resident


async def _steps(
    factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> list[checkins.StepKind]:
    taken: list[checkins.StepKind] = []
    async with factory() as session:
        while steps := await checkins.take_due_steps(session, clock=clock, quiet=QUIET):
            taken += [step.kind for step in steps]
        await session.commit()
    return taken


async def test_two_schedulers_at_once_take_each_step_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai
    async with session_factory() as session:
        await _enrolled(session, clock)
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    first, second = await asyncio.gather(
        _steps(session_factory, clock), _steps(session_factory, clock)
    )
    assert sorted(first + second) == [checkins.StepKind.SEND]
    # Three hours on, with nobody answering: reminder, the coordinators, the daughter (by
    # phone) each exactly once, whichever scheduler got there.
    for minutes in (30, 60, 120, 180):
        clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC) + timedelta(minutes=minutes))
        first, second = await asyncio.gather(
            _steps(session_factory, clock), _steps(session_factory, clock)
        )
        assert len(first + second) == 1, (minutes, first, second)
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Checkin)) == 1


async def test_a_check_in_due_at_night_after_an_outage_is_not_sent(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    async with session_factory() as session:
        await _enrolled(session, clock)
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai: down all day
    assert await _steps(session_factory, clock) == [checkins.StepKind.SKIP]
    async with session_factory() as session:
        checkin = await session.scalar(select(Checkin))
        assert checkin is not None and checkin.status is CheckinStatus.SKIPPED
    clock.set(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # the next morning goes out as usual
    assert await _steps(session_factory, clock) == [checkins.StepKind.SEND]


async def test_away_until_a_day_then_check_ins_resume_by_themselves(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    async with session_factory() as session:
        _, resident = await _enrolled(session, clock)
        with pytest.raises(PauseDateInvalid):
            await checkins.pause_until(session, resident, date(2026, 3, 2), clock=clock)
        await checkins.pause_until(session, resident, date(2026, 3, 4), clock=clock)
        await session.commit()
    sent = []
    for day in range(4):
        clock.set(datetime(2026, 3, 2 + day, 1, 0, tzinfo=UTC))
        sent.append(checkins.StepKind.SEND in await _steps(session_factory, clock))
    assert sent == [False, False, True, True]
    async with session_factory() as session:
        statuses = list(await session.scalars(select(Checkin.status).order_by(Checkin.id)))
        assert statuses[:2] == [CheckinStatus.PAUSED, CheckinStatus.PAUSED]


async def test_a_visit_counts_as_the_days_check_in(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    async with session_factory() as session:
        coordinator, resident = await _enrolled(session, clock)
        await checkins.count_contact_as_checkin(
            session, resident.id, coordinator, kind="visit", clock=clock
        )
        await session.commit()
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert await _steps(session_factory, clock) == []
    clock.set(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    assert await _steps(session_factory, clock) == [checkins.StepKind.SEND]


async def test_deleting_my_data_stops_my_check_ins_and_forgets_my_contacts(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    async with session_factory() as session:
        _, resident = await _enrolled(session, clock)
        assert await traces_of(session, resident.id, 2), "the check must see her plan"
        await users.delete_personal_data(session, resident, clock=clock)
        await session.commit()
        assert not await traces_of(session, resident.id, 2)
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert await _steps(session_factory, clock) == []
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(CheckinContact)) == 0
        plan = await session.scalar(select(CheckinPlan))
        assert plan is not None and plan.status is CheckinPlanStatus.STOPPED


async def test_the_service_never_writes_a_plan_over_an_active_one(session: AsyncSession) -> None:
    """Whoever calls it: a coordinator's new proposal for an enrolled resident, or the
    resident's own, is refused, and the plan and its chain stay as they were."""
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    coordinator, resident = await _enrolled(session, clock)
    before = await checkins.plan_for(session, resident.id)
    assert before is not None and before.status is CheckinPlanStatus.ACTIVE
    for author in (coordinator, resident):
        with pytest.raises(CheckinPlanActive):
            await checkins.propose_plan(
                session, author, resident, times=["10:00"], quiet=QUIET, clock=clock
            )
        with pytest.raises(CheckinPlanActive):
            await checkins.ready_for_plan(session, author, resident.id, settings=SETTINGS)
    plan = await checkins.plan_for(session, resident.id)
    assert plan is not None and plan.status is CheckinPlanStatus.ACTIVE
    assert plan.times == ["09:00"] and plan.agreed_at is not None
    chain = await checkins.chain_of(session, plan)
    assert [c.kind for c in chain] == [ContactKind.COORDINATORS, ContactKind.PHONE]


async def test_the_service_keeps_the_limits_of_a_plan_and_its_chain(session: AsyncSession) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    coordinator = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin")
    resident = await make_person(session, clock, 2, UserRole.RESIDENT, name="Mei")
    helpers = [
        await make_person(session, clock, 10 + n, UserRole.VOLUNTEER, name=f"V{n}")
        for n in range(checkins.MAX_VOLUNTEERS + 1)
    ]
    volunteers = [checkins.ContactDraft(ContactKind.VOLUNTEER, user_id=v.id) for v in helpers]
    phones = [
        checkins.phone_contact(f"Family {n}", f"1350000{n:04d}")
        for n in range(checkins.MAX_PHONE_CONTACTS + 1)
    ]

    async def propose(author: User, contacts: list[checkins.ContactDraft]) -> CheckinPlan:
        return await checkins.propose_plan(
            session, author, resident, times=["09:00"], contacts=contacts, quiet=QUIET, clock=clock
        )

    with pytest.raises(CheckinLimitReached) as too_many:
        await propose(coordinator, volunteers)
    assert too_many.value.limit == checkins.MAX_VOLUNTEERS
    with pytest.raises(CheckinLimitReached) as too_many:
        await propose(coordinator, phones)
    assert too_many.value.limit == checkins.MAX_PHONE_CONTACTS
    assert await checkins.plan_for(session, resident.id) is None
    # only a coordinator writes someone else's plan; only a resident gets one
    with pytest.raises(NotAllowed):
        await propose(helpers[0], [])
    with pytest.raises(NotAllowed):
        await checkins.propose_plan(
            session, coordinator, helpers[0], times=["09:00"], quiet=QUIET, clock=clock
        )
    plan = await propose(
        coordinator, volunteers[: checkins.MAX_VOLUNTEERS] + phones[: checkins.MAX_PHONE_CONTACTS]
    )
    chain = await checkins.chain_of(session, plan)
    assert len(chain) == checkins.MAX_VOLUNTEERS + 1 + checkins.MAX_PHONE_CONTACTS
    # the set-up's one-at-a-time checks are the same rules
    with pytest.raises(CheckinLimitReached):
        checkins.check_room(ContactKind.VOLUNTEER, checkins.MAX_VOLUNTEERS + 1)
    with pytest.raises(CheckinLimitReached):
        await checkins.volunteer_to_add(
            session,
            coordinator,
            helpers[0].id,
            resident_id=resident.id,
            chosen=checkins.MAX_VOLUNTEERS,
            settings=SETTINGS,
        )
    with pytest.raises(NotAllowed):
        await checkins.volunteer_to_add(
            session, resident, helpers[0].id, resident_id=resident.id, chosen=0, settings=SETTINGS
        )
    four = ["08:00", "09:00", "10:00", "11:00"]
    with pytest.raises(CheckinLimitReached):
        checkins.with_time(four, "12:00", QUIET)
    with pytest.raises(CheckinTimeAtNight):
        checkins.with_time([], "23:00", QUIET)
    assert checkins.with_time(["10:00"], "08:00", QUIET) == ["08:00", "10:00"]


async def test_only_approved_volunteers_knock_first_and_a_pairing_keeps_the_chain_s_limit(
    session: AsyncSession,
) -> None:
    """The service, whoever calls it: a volunteer not yet approved cannot be put in a chain;
    a volunteer paired with a resident whose chain is full of volunteers is not added, and
    nobody she agreed to is dropped for them."""
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    coordinator = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin")
    resident = await make_person(session, clock, 2, UserRole.RESIDENT, name="Mei")
    waiting = await make_person(session, clock, 9, UserRole.VOLUNTEER, name="New", approved=False)
    helpers = [
        await make_person(session, clock, 10 + n, UserRole.VOLUNTEER, name=f"V{n}")
        for n in range(checkins.MAX_VOLUNTEERS + 1)
    ]
    with pytest.raises(VolunteerNotApproved):
        await checkins.propose_plan(
            session, coordinator, resident, times=["09:00"], quiet=QUIET, clock=clock,
            contacts=[checkins.ContactDraft(ContactKind.VOLUNTEER, user_id=waiting.id)],
        )  # fmt: skip
    assert await checkins.plan_for(session, resident.id) is None

    full = [checkins.ContactDraft(ContactKind.VOLUNTEER, user_id=v.id) for v in helpers[:-1]]
    plan = await checkins.propose_plan(
        session, coordinator, resident, times=["09:00"], quiet=QUIET, clock=clock, contacts=full
    )
    before = [(c.kind, c.user_id) for c in await checkins.chain_of(session, plan)]
    added = await checkins.add_volunteer_to_chain(session, resident.id, helpers[-1].id, clock=clock)
    assert added is False
    assert [(c.kind, c.user_id) for c in await checkins.chain_of(session, plan)] == before


async def test_another_community_s_coordinator_acts_on_an_alert_only_when_alerted_in_person(
    session: AsyncSession,
) -> None:
    """Lin coordinates the first community and is also the daughter-in-law of Eve, in East
    Lane: she may act on Eve's missed check-in once she is alerted to it as family, never on
    Eli's; Emma, East Lane's coordinator, may act on both."""
    clock = ManualClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai
    lin = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin")
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    emma = await make_person(
        session, clock, 21, UserRole.COORDINATOR, name="Emma", community_id=east.id
    )
    eve = await make_person(session, clock, 22, UserRole.RESIDENT, name="Eve", community_id=east.id)
    eli = await make_person(session, clock, 23, UserRole.RESIDENT, name="Eli", community_id=east.id)
    family = [checkins.ContactDraft(ContactKind.PERSON, user_id=lin.id)]
    for resident, contacts in ((eve, family), (eli, [])):
        with pytest.raises(NotAllowed):  # Lin cannot enrol East Lane's people
            await checkins.ready_for_plan(session, lin, resident.id, settings=SETTINGS)
        await checkins.ready_for_plan(session, emma, resident.id, settings=SETTINGS)
        plan = await checkins.propose_plan(
            session, emma, resident, times=["09:00"], contacts=contacts, quiet=QUIET, clock=clock
        )
        await checkins.agree_to_plan(session, resident, plan.id, clock=clock)
    found, total = await checkins.residents_to_enrol(
        session, lin, settings=SETTINGS, name=None, limit=10, offset=0
    )
    assert (found, total) == ([], 0)

    async def at(minutes: int) -> None:
        clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC) + timedelta(minutes=minutes))
        while await checkins.take_due_steps(session, clock=clock, quiet=QUIET):
            pass

    def checkin_of(resident: User) -> int:
        return next(c.id for c in checkins_now if c.resident_id == resident.id)

    for minutes in (0, 30, 60):  # sent, reminded, then East Lane's coordinators are alerted
        await at(minutes)
    checkins_now = list(await session.scalars(select(Checkin)))
    assert {c.status for c in checkins_now} == {CheckinStatus.ESCALATED}
    with pytest.raises(NotAllowed):
        await checkins.take_on(session, lin, checkin_of(eve), settings=SETTINGS, clock=clock)
    await at(120)  # then Lin, as family
    with pytest.raises(NotAllowed):
        await checkins.take_on(session, lin, checkin_of(eli), settings=SETTINGS, clock=clock)
    with pytest.raises(NotAllowed):
        await checkins.check_in_for(session, lin, eli.id, settings=SETTINGS, clock=clock)
    taken = await checkins.take_on(session, lin, checkin_of(eve), settings=SETTINGS, clock=clock)
    assert taken.checkin.handler_id == lin.id
    reached = await checkins.report_reached(
        session, emma, checkin_of(eli), settings=SETTINGS, clock=clock
    )
    assert reached.checkin.status is CheckinStatus.REACHED
