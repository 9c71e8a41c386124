"""Households: codes that say nothing about who lives there, opened only by the community's own
coordinators, and a home's label forgotten with the person it was named after."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.services import households, users
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from bot.services.errors import NotAllowed
from storage.models import UserRole
from storage.repositories import households as queries
from tests.people import make_person

# On PostgreSQL too: the unique code per community and the new column on users.
pytestmark = pytest.mark.postgresql


def test_codes_run_a1_to_a999_then_b1_and_skip_i_and_o() -> None:
    assert [households.code_for(n) for n in (1, 17, 999, 1000)] == ["A1", "A17", "A999", "B1"]
    letters = {households.code_for(n * 999)[0] for n in range(1, 25)}
    assert "I" not in letters and "O" not in letters


async def test_each_community_numbers_its_own_households(
    session: AsyncSession, clock: ManualClock
) -> None:
    lin = await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin")
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    wu = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Wu", community_id=east.id)
    now = clock.now()
    zhou = await households.open_household(
        session, community_id=FIRST_COMMUNITY_ID, label="周伯伯家", now=now, by=lin
    )
    chen = await households.open_household(
        session, community_id=FIRST_COMMUNITY_ID, label="陈阿姨家", now=now, by=lin
    )
    first_east = await households.open_household(
        session, community_id=east.id, label="Mrs Ho", now=now, by=wu
    )
    assert (zhou.code, chen.code, first_east.code) == ("A1", "A2", "A1")
    # A coordinator of one community cannot open a household in another.
    with pytest.raises(NotAllowed):
        await households.open_household(
            session, community_id=east.id, label="Forged", now=now, by=lin
        )
    assert [h.code for h in await queries.listed(session, [east.id])] == ["A1"]


async def test_a_volunteer_cannot_open_a_household(
    session: AsyncSession, clock: ManualClock
) -> None:
    tao = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao")
    with pytest.raises(NotAllowed):
        await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label="Mine", now=clock.now(), by=tao
        )


async def test_a_resident_s_own_household_is_opened_once_and_forgotten_with_her(
    session: AsyncSession, clock: ManualClock
) -> None:
    mei = await make_person(session, clock, 4, UserRole.RESIDENT, name="Mei Wang")
    home = await households.household_of(session, mei, now=clock.now())
    again = await households.household_of(session, mei, now=clock.now())
    assert again.id == home.id and home.label == "Mei Wang" and home.code == "A1"
    assert [m.id for m in await queries.members(session, home.id)] == [mei.id]

    await users.delete_personal_data(session, mei, clock=clock)
    await session.flush()
    await session.refresh(home)
    assert "Mei" not in home.label and home.label == home.code
    assert await queries.members(session, home.id) == []
