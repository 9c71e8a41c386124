"""Joining a community as a rule below the chat: invitations for a community, a street or a
district; join links; a community's settings changed from the command line and the clock of
its people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.services import invites, users
from bot.services.communities import (
    FIRST_COMMUNITY_ID,
    CommunityRefused,
    add_community,
    scope_of,
    set_community,
)
from bot.services.errors import InviteBelowRole
from storage.models import CommunityLevel, UserRole
from tests.people import make_person

pytestmark = pytest.mark.postgresql


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None, default_timezone="Asia/Shanghai")


async def tree_of_two(
    session: AsyncSession, clock: ManualClock, settings: Settings
) -> tuple[int, int, int]:
    """A district, a street, and East Lane beside the first community under that street."""
    district = await add_community(
        session, name="Pudong", slug="pudong", level=CommunityLevel.DISTRICT, clock=clock
    )
    street = await add_community(
        session,
        name="Huamu",
        slug="huamu",
        level=CommunityLevel.STREET,
        parent_slug="pudong",
        clock=clock,
    )
    east = await add_community(
        session, name="East Lane", slug="east", parent_slug="huamu", clock=clock
    )
    await set_community(session, settings, "main", parent_slug="huamu")
    return district.id, street.id, east.id


async def _coordinator_invite(session: AsyncSession, clock: ManualClock, community_id: int) -> str:
    issued = await invites.create_invite(
        session,
        role=UserRole.COORDINATOR,
        ttl=timedelta(hours=1),
        clock=clock,
        community_id=community_id,
    )
    return issued.code


async def test_a_street_invitation_makes_a_street_coordinator_on_its_clock(
    session: AsyncSession, clock: ManualClock, settings: Settings
) -> None:
    _district, street, east = await tree_of_two(session, clock, settings)
    await set_community(session, settings, "huamu", timezone="Asia/Hong_Kong")
    wu = await make_person(session, clock, 1, UserRole.COORDINATOR, area=None, community_id=east)

    # a coordinator's invitation for East, where Wu acts already, is someone else's
    with pytest.raises(InviteBelowRole):
        await invites.redeem_invite(
            session, wu, await _coordinator_invite(session, clock, east), clock=clock
        )
    assert wu.community_id == east

    street_code = await _coordinator_invite(session, clock, street)
    role = await invites.redeem_invite(session, wu, street_code, clock=clock, settings=settings)
    assert role is UserRole.COORDINATOR and wu.community_id == street
    assert wu.timezone == "Asia/Hong_Kong"
    assert await scope_of(session, settings, wu) == {FIRST_COMMUNITY_ID, east}


async def test_an_invitation_code_never_looks_like_a_join_link(
    session: AsyncSession, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["c-east1234567890", "plainCode1234567"])
    monkeypatch.setattr(invites.secrets, "token_urlsafe", lambda _n: next(codes))
    issued = await invites.create_invite(
        session, role=UserRole.VOLUNTEER, ttl=timedelta(hours=1), clock=clock
    )
    assert issued.code == "plainCode1234567"


async def test_a_join_link_places_a_stranger_but_never_moves_a_registered_person(
    session: AsyncSession, clock: ManualClock, settings: Settings
) -> None:
    _district, street, east = await tree_of_two(session, clock, settings)
    await set_community(session, settings, "east", timezone="Asia/Hong_Kong")
    stranger = await users.sync_user(
        session,
        users.TelegramProfile(telegram_id=5, username=None, language_code="en"),
        clock=clock,
        default_timezone="Asia/Shanghai",
    )
    joined = await users.join_by_link(session, settings, stranger, "c-east", clock=clock)
    assert joined is not None and stranger.community_id == east
    assert stranger.timezone == "Asia/Hong_Kong"
    # a street is no place to live; an unknown slug is nobody's
    for payload in ("c-huamu", "c-nowhere", "c-", "c-" + "x" * 100):
        assert await users.join_by_link(session, settings, stranger, payload, clock=clock) is None
    assert stranger.community_id == east and street

    resident = await make_person(session, clock, 6, UserRole.RESIDENT, area=None)
    await users.join_by_link(session, settings, resident, "c-east", clock=clock)
    assert resident.community_id == FIRST_COMMUNITY_ID


async def test_changing_a_community_keeps_its_people_on_its_clock(
    session: AsyncSession, clock: ManualClock, settings: Settings
) -> None:
    _district, street, east = await tree_of_two(session, clock, settings)
    ann = await make_person(session, clock, 1, UserRole.RESIDENT, area=None, community_id=east)
    lin = await make_person(session, clock, 2, UserRole.COORDINATOR, area=None)
    await set_community(session, settings, "main", name="幸福里社区", parent_slug="huamu")
    await set_community(session, settings, "pudong", timezone="Asia/Hong_Kong")
    assert (ann.timezone, lin.timezone) == ("Asia/Hong_Kong", "Asia/Hong_Kong")  # inherited
    await set_community(session, settings, "east", timezone="Asia/Tokyo")
    assert (ann.timezone, lin.timezone) == ("Asia/Tokyo", "Asia/Hong_Kong")
    await set_community(session, settings, "pudong", timezone="")
    assert (ann.timezone, lin.timezone) == ("Asia/Tokyo", "Asia/Shanghai")  # the environment's

    with pytest.raises(CommunityRefused, match="a street goes under district"):
        await set_community(session, settings, "huamu", parent_slug="east")
    with pytest.raises(CommunityRefused, match="already has this name"):
        await set_community(session, settings, "east", name="幸福里社区")
    assert street and (await session.get(type(ann), ann.id)) is ann
