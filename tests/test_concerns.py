"""The rules of concerns and follow-ups: who may act on a concern, merging, the due moment of a
follow-up, and the scheduler's steps claimed once across processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.services import case_file, concerns, households
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from bot.services.concerns import ConcernDraft, Step
from bot.services.errors import ConcernChanged, DescriptionEmpty, InvalidInput, NotAllowed
from storage.models import ConcernStatus, FollowUp, FollowUpKind, User, UserRole
from tests.people import make_person

pytestmark = pytest.mark.postgresql


def test_a_follow_up_is_due_at_nine_on_its_day_in_the_communitys_time() -> None:
    due = concerns.due_moment(date(2026, 3, 2), 1, "Asia/Shanghai")
    assert due.astimezone(UTC) == datetime(2026, 3, 3, 1, tzinfo=UTC)


async def _cast(session: AsyncSession, clock: ManualClock) -> tuple[User, User, User, User]:
    """Mei (a resident) and Lin (a coordinator) of the first community; Wu, East Lane's
    coordinator; Tao, a volunteer."""
    mei = await make_person(session, clock, 1, UserRole.RESIDENT, name="Mei")
    lin = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    wu = await make_person(session, clock, 3, UserRole.COORDINATOR, name="Wu", community_id=east.id)
    tao = await make_person(session, clock, 4, UserRole.VOLUNTEER, name="Tao")
    return mei, lin, wu, tao


async def test_only_the_communitys_coordinators_act_on_a_concern(
    session: AsyncSession, clock: ManualClock
) -> None:
    mei, lin, wu, tao = await _cast(session, clock)
    with pytest.raises(DescriptionEmpty):
        await concerns.raise_concern(session, mei, ConcernDraft(), clock=clock)
    concern = await concerns.raise_concern(
        session, mei, ConcernDraft(description="腿肿了", place_id=99_999), clock=clock
    )
    assert concern.place_id is None  # not a place of hers: dropped
    for someone in (wu, tao, mei):
        with pytest.raises(NotAllowed):
            await concerns.open_household_for(session, None, someone, concern.id, 1, clock=clock)
    east_home = await households.open_household(
        session, community_id=wu.community_id or 0, label="东边一户", now=clock.now(), by=wu
    )
    with pytest.raises(NotAllowed):  # another community's household
        await concerns.link(session, None, lin, concern.id, 1, east_home.id, clock=clock)
    await concerns.open_household_for(session, None, lin, concern.id, 1, clock=clock)
    with pytest.raises(ConcernChanged):  # the same press again
        await concerns.open_household_for(session, None, lin, concern.id, 1, clock=clock)
    with pytest.raises(NotAllowed):
        await case_file.open_case_file(session, None, wu, concern.household_id or 0, clock=clock)
    with pytest.raises(InvalidInput):
        await case_file.set_need(session, None, lin, concern.household_id or 0, "alone", "maybe",
                                 clock=clock)  # fmt: skip


async def test_merging_keeps_one_household_and_tells_each_reporter_of_their_own(
    session: AsyncSession, clock: ManualClock
) -> None:
    mei, lin, _, tao = await _cast(session, clock)
    first = await concerns.raise_concern(
        session, mei, ConcernDraft(description="one", wants_outcome=True), clock=clock
    )
    second = await concerns.raise_concern(
        session, tao, ConcernDraft(description="two", wants_outcome=True), clock=clock
    )
    third = await concerns.raise_concern(session, tao, ConcernDraft(description="3"), clock=clock)
    await concerns.open_household_for(session, None, lin, second.id, 1, clock=clock)
    kept = await concerns.merge(session, None, lin, second.id, 2, first.id, clock=clock)
    assert kept.id == first.id and kept.household_id == second.household_id is not None
    with pytest.raises(ConcernChanged):  # merged: nothing more to do with it
        await concerns.merge(session, None, lin, second.id, 3, third.id, clock=clock)
    with pytest.raises(ConcernChanged):  # not into itself
        await concerns.merge(session, None, lin, third.id, 1, third.id, clock=clock)
    closed, told = await concerns.close(session, None, lin, first.id, kept.version, clock=clock)
    assert closed.status is ConcernStatus.CLOSED
    assert sorted((c.id, u.id) for c, u in told) == [(first.id, mei.id), (second.id, tao.id)]


async def _follow_ups_due(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock, count: int
) -> None:
    async with session_factory() as session:
        _, lin, _, _ = await _cast(session, clock)
        for number in range(count):
            household = await households.open_household(
                session, community_id=FIRST_COMMUNITY_ID, label=f"户 {number}", now=clock.now(),
                by=lin,
            )  # fmt: skip
            session.add(
                FollowUp(
                    community_id=FIRST_COMMUNITY_ID, household_id=household.id,
                    kind=FollowUpKind.CALL, owner_id=lin.id, due_at=clock.now(),
                    next_step=Step.REMIND, next_due_at=clock.now(), created_at=clock.now(),
                )
            )  # fmt: skip
        await session.commit()


async def test_two_processes_ticking_at_once_remind_each_follow_up_once(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _follow_ups_due(session_factory, clock, 30)

    async def one_process() -> list[tuple[Step, int]]:
        async with session_factory() as session:
            taken = await concerns.take_due_follow_ups(session, clock=clock)
            await session.commit()
            return [(due.step, due.follow_up.id) for due in taken]

    def once_each(first: list[tuple[Step, int]], second: list[tuple[Step, int]]) -> set[Step]:
        steps = first + second
        assert len(steps) == len(set(steps)) == 30, (first, second)
        return {step for step, _ in steps}

    assert once_each(*await asyncio.gather(one_process(), one_process())) == {Step.REMIND}
    assert not await one_process()  # nothing due again until the day after
    clock.advance(concerns.OVERDUE_AFTER)
    assert once_each(*await asyncio.gather(one_process(), one_process())) == {Step.FLAG}
    async with session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.next_due_at.is_(None))
        )
        assert count == 30
    clock.advance(timedelta(days=5))
    assert not await one_process()
