"""People made directly through the services, for tests that start mid-story: "a registered
resident", "an approved volunteer", "a coordinator"."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import users, volunteers
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import Place, User, UserRole
from storage.repositories import places as place_queries

TIMEZONE = "Asia/Shanghai"


async def make_person(
    session: AsyncSession,
    clock: Clock,
    telegram_id: int,
    role: UserRole,
    *,
    name: str = "Ann",
    area: str | None = "Building 5",
    phone: str | None = None,
    address: str | None = None,
    locale: str | None = None,
    approved: bool = True,
    community_id: int = FIRST_COMMUNITY_ID,
) -> User:
    """A person who has registered with `role`, at the place named `area` (made if the
    coordinators have not defined it yet; None: "not sure"). Volunteers are approved unless
    `approved=False` (then they wait for a coordinator). Flushed, not committed."""
    profile = users.TelegramProfile(telegram_id=telegram_id, username=None, language_code="en")
    person = await users.sync_user(session, profile, clock=clock, default_timezone=TIMEZONE)
    await users.record_consent(session, person, clock=clock)
    person.community_id = community_id
    if role is UserRole.COORDINATOR:
        person.role = UserRole.COORDINATOR
    await users.complete_onboarding(
        session,
        person,
        role=role,
        display_name=name,
        phone=phone,
        place=await place_named(session, clock, area, community_id) if area else None,
        clock=clock,
    )
    person.address = address
    person.locale = locale
    if role is UserRole.VOLUNTEER:
        await volunteers.register_volunteer(
            session,
            person,
            skills=["shopping"],
            languages=["mandarin"],
            clock=clock,
            approved_by=person if approved else None,
        )
    await session.flush()
    return person


async def place_named(
    session: AsyncSession, clock: Clock, name: str, community_id: int = FIRST_COMMUNITY_ID
) -> Place:
    """The place of this name, as if a coordinator had added it."""
    place = await place_queries.named(session, name, (community_id,))
    if place is None:
        place = Place(
            community_id=community_id,
            name=name,
            position=await place_queries.next_position(session),
            active=True,
            created_at=clock.now(),
        )
        session.add(place)
        await session.flush()
    return place
