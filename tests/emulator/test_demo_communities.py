"""The demo's communities: 幸福里社区 and 东湖社区 under one street and one district, with
people in both and a coordinator for the whole district."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import load_settings
from bot.demo.personas import (
    COORDINATOR,
    DISTRICT_COORDINATOR,
    EAST,
    EAST_COORDINATOR,
    EAST_RESIDENTS,
    EAST_VOLUNTEERS,
    FIRST_COMMUNITY_NAME,
    STREET,
)
from bot.demo.seed import seed_demo_community
from bot.services.communities import FIRST_COMMUNITY_ID, scope_of, to_live_in, tree
from storage.models import CommunityLevel, UserRole
from storage.repositories import users as user_queries


async def test_two_communities_under_one_street_and_district(
    session: AsyncSession, clock: ManualClock
) -> None:
    settings = load_settings(_env_file=None)
    community = await seed_demo_community(session, clock, settings=settings)
    await session.commit()
    assert community is not None

    lived_in = await to_live_in(session)
    assert [c.name for c in lived_in] == [EAST[0], FIRST_COMMUNITY_NAME]  # by name
    east = next(c for c in lived_in if c.slug == EAST[1])
    communities = await tree(session, settings)
    street = communities.get(east.parent_id)
    assert street is not None and (street.name, street.level) == (STREET[0], CommunityLevel.STREET)
    assert communities.lineage(FIRST_COMMUNITY_ID)[1:] == communities.lineage(east.id)[1:]

    district = await user_queries.get_by_telegram_id(session, DISTRICT_COORDINATOR.telegram_id)
    assert district is not None and district.role is UserRole.COORDINATOR
    assert await scope_of(session, settings, district) == {FIRST_COMMUNITY_ID, east.id}
    first = await user_queries.get_by_telegram_id(session, COORDINATOR.telegram_id)
    assert first is not None and await scope_of(session, settings, first) == {FIRST_COMMUNITY_ID}

    east_people = [EAST_COORDINATOR, *EAST_VOLUNTEERS, *EAST_RESIDENTS]
    assert {p.telegram_id for p in east_people} == {u.telegram_id for u in community.east}
    assert all(u.community_id == east.id and u.is_onboarded for u in community.east)
    assert {u.community_id for u in (*community.residents, *community.volunteers)} == {
        FIRST_COMMUNITY_ID
    }
