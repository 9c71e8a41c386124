"""The demo community, prepared through the same services the bot uses, so it is real data.

`seed_demo_community` runs on a demo database's first start. Work that adds help requests,
check-ins or wishes extends it here, so a new demo shows them from the first minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.demo.personas import (
    COORDINATOR,
    EXTRA_RESIDENTS,
    EXTRA_VOLUNTEERS,
    VOLUNTEER,
    DemoPerson,
)
from bot.services.users import (
    TelegramProfile,
    complete_onboarding,
    record_consent,
    sync_user,
)
from bot.services.volunteers import register_volunteer
from storage.models import User
from storage.repositories import users as user_queries

VOLUNTEER_SKILLS = ["shopping", "company", "paperwork", "medical"]
VOLUNTEER_LANGUAGES = ["mandarin", "cantonese", "english"]


@dataclass
class SeededCommunity:
    """Who was created, for extensions that add requests and the like."""

    coordinator: User
    volunteers: list[User] = field(default_factory=list)
    residents: list[User] = field(default_factory=list)


async def register_person(
    session: AsyncSession, person: DemoPerson, *, clock: Clock, timezone: str
) -> User:
    """Someone who has opened the bot, agreed to the notice and registered, like on Telegram."""
    profile = TelegramProfile(person.telegram_id, None, person.language_code)
    user = await sync_user(session, profile, clock=clock, default_timezone=timezone)
    await record_consent(session, user, clock=clock)
    return await complete_onboarding(
        session,
        user,
        role=person.role,
        display_name=person.name,
        phone=person.phone,
        area=person.area,
        clock=clock,
    )


async def is_seeded(session: AsyncSession) -> bool:
    return await user_queries.get_by_telegram_id(session, COORDINATOR.telegram_id) is not None


async def seed_demo_community(
    session: AsyncSession, clock: Clock, *, timezone: str = "Asia/Shanghai"
) -> SeededCommunity | None:
    """A coordinator, approved volunteers (one of them a phone on the page) and a few
    residents; None when the database already has them. The caller commits."""
    if await is_seeded(session):
        return None
    coordinator = await register_person(session, COORDINATOR, clock=clock, timezone=timezone)
    community = SeededCommunity(coordinator)
    for person in (VOLUNTEER, *EXTRA_VOLUNTEERS):
        volunteer = await register_person(session, person, clock=clock, timezone=timezone)
        await register_volunteer(
            session,
            volunteer,
            skills=VOLUNTEER_SKILLS,
            languages=VOLUNTEER_LANGUAGES,
            clock=clock,
            approved_by=coordinator,
        )
        community.volunteers.append(volunteer)
    for person in EXTRA_RESIDENTS:
        resident = await register_person(session, person, clock=clock, timezone=timezone)
        community.residents.append(resident)
    return community
