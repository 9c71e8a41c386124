"""A community with a coordinators' group and a volunteers' group, and ready-made people and
requests for conversations that start mid-story."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.clock import Clock
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.emulator.server import FakeBotAPI
from bot.services.communities import add_community
from bot.services.requests import RequestDraft, submit_request
from bot.services.review import approve_request
from bot.views.request_keyboards import claim_keyboard
from bot.views.texts import public_card
from storage.models import HelpRequest, RequestCategory, User, UserRole
from tests.e2e.harness import RunningBot
from tests.e2e.privacy import leaked_private_details
from tests.e2e.separation import crossed_communities
from tests.people import make_person

COORDINATORS_CHAT = -100_100
VOLUNTEERS_CHAT = -100_200
RESIDENT_PHONE = "13800138000"
RESIDENT_PHONE_SHOWN = "+86 138 0013 8000"
"""The resident's phone as the bot shows it: dialable."""
RESIDENT_ADDRESS = "Flat 3B, Lane 12"


@asynccontextmanager
async def running_community(
    telegram: FakeBotAPI,
    database_url: str,
    clock: Clock,
    *,
    coordinators: int = COORDINATORS_CHAT,
    volunteers: int = VOLUNTEERS_CHAT,
    **options: Any,
) -> AsyncIterator[RunningBot]:
    """The bot with both groups configured; afterwards, the privacy rule is checked."""
    running = RunningBot(
        telegram,
        telegram.base_url,
        clock,
        database_url=database_url,
        coordinator_chat_id=coordinators,
        volunteer_chat_id=volunteers,
        **{"default_locale": "en", **options},
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
    leaks = await leaked_private_details(telegram, running.settings)
    assert not leaks, "private details reached someone who may not see them:\n" + "\n".join(leaks)
    crossed = await crossed_communities(telegram, running.settings)
    assert not crossed, "one community's people saw another's:\n" + "\n".join(crossed)


EAST_COORDINATORS_CHAT = -100_300
EAST_VOLUNTEERS_CHAT = -100_400


async def second_community(
    linli: RunningBot,
    *,
    name: str = "East Lane",
    slug: str = "east",
    coordinators: int | None = EAST_COORDINATORS_CHAT,
    volunteers: int | None = EAST_VOLUNTEERS_CHAT,
    **community_settings: Any,
) -> int:
    """Another community on the same deployment, with its own groups; returns its id (the
    first community, with the groups of `running_community`, is FIRST_COMMUNITY_ID)."""
    async with linli.app.session_factory() as session:
        row = await add_community(
            session,
            name=name,
            slug=slug,
            clock=linli.clock,
            coordinator_chat_id=coordinators,
            volunteer_chat_id=volunteers,
            **community_settings,
        )
        await session.commit()
        return row.id


async def person(
    linli: RunningBot, telegram: FakeBotAPI, telegram_id: int, role: UserRole, **details: Any
) -> User:
    """Someone registered with `role` (volunteers approved unless approved=False), with a
    private chat in the fake Telegram."""
    telegram.user(telegram_id, first_name=str(details.get("name", "Ann")), language_code="en")
    async with linli.app.session_factory() as session:
        user = await make_person(session, linli.clock, telegram_id, role, **details)
        await session.commit()
    return user


async def open_request(
    linli: RunningBot,
    resident: User,
    coordinator: User,
    description: str = "Rice and eggs, please",
    *,
    post_to_group: bool = False,
) -> HelpRequest:
    """A request the resident made and the coordinator approved; optionally posted to the
    volunteers' group with its claim button (as publishing does)."""
    async with linli.app.session_factory() as session:
        request = await submit_request(
            session,
            resident,
            RequestDraft(category=RequestCategory.SHOPPING, description=description),
            clock=linli.clock,
        )
        await approve_request(session, coordinator, request.id, request.version, clock=linli.clock)
        if post_to_group:
            notifier = Notifier(session, linli.settings, linli.clock, linli.app.dispatcher["i18n"])
            await notifier.tell_volunteers_group(
                lambda: (public_card(request), claim_keyboard(request)),
                community_id=request.community_id,
                kind="task_published",
                priority=Priority.NOTICE,
            )
        await session.commit()
    return request


async def resident_and_coordinator(
    linli: RunningBot, telegram: FakeBotAPI, resident_id: int = 501, coordinator_id: int = 502
) -> tuple[User, User]:
    resident = await person(
        linli,
        telegram,
        resident_id,
        UserRole.RESIDENT,
        name="Mei Chen",
        phone=RESIDENT_PHONE,
        address=RESIDENT_ADDRESS,
    )
    coordinator = await person(linli, telegram, coordinator_id, UserRole.COORDINATOR, name="Lin")
    return resident, coordinator
