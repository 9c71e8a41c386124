"""The community's own voice: the language of each of its groups, the settings that apply
where someone writes (their community's, or in a group the group's), and the people who asked
to be phoned ("please call me") until a coordinator of their community has called them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import LOCALES, Settings
from bot.policy.permissions import Action, may, require
from bot.services import communities
from bot.services.communities import CommunitySettings, home_of
from bot.services.errors import CallBackDone, CallBackNotFound, InvalidInput, NotAllowed
from storage.models import CallBack, User
from storage.repositories import audit
from storage.repositories import community as queries


async def group_language(session: AsyncSession, chat_id: int) -> str | None:
    return await queries.group_locale(session, chat_id)


async def settings_here(
    session: AsyncSession, settings: Settings, person: User | None, chat_id: int
) -> CommunitySettings:
    """The settings that apply in this chat: in a community's (or a street's) group, that
    community's, whoever writes there; anywhere else, the person's own community's."""
    tree = await communities.tree(session, settings)
    owner = tree.group_owner(chat_id) if chat_id < 0 else None
    if owner is None:
        owner = person.community_id if person is not None else None
    return tree.settings(owner)


async def group_is_theirs(
    session: AsyncSession, settings: Settings, person: User | None, chat_id: int
) -> bool:
    """The group is of a community (or street) this coordinator looks after, or of none."""
    if person is None or not may(person, Action.SET_GROUP_LANGUAGE):
        return False
    tree = await communities.tree(session, settings)
    owner = tree.group_owner(chat_id)
    return owner is None or tree.covers(person.community_id, owner)


async def set_group_language(
    session: AsyncSession,
    person: User | None,
    chat_id: int,
    locale: str,
    *,
    settings: Settings,
    clock: Clock,
) -> None:
    """A coordinator chooses the language of a group the bot posts to (a group's id is
    negative; a private chat has no group language). A community's group is its own
    coordinators' (or their street's) to set, not another community's."""
    coordinator = require(person, Action.SET_GROUP_LANGUAGE)
    if chat_id >= 0 or locale not in LOCALES:
        raise InvalidInput()
    if not await group_is_theirs(session, settings, coordinator, chat_id):
        raise NotAllowed()
    await queries.set_group_locale(session, chat_id, locale, coordinator, clock.now())


@dataclass(frozen=True)
class CallBackAsked:
    call: CallBack
    new: bool  # False: this person was already waiting for a call


async def ask_call_back(
    session: AsyncSession, person: User | None, *, clock: Clock
) -> CallBackAsked:
    """Put the person on the coordinators' list of calls to make; asking twice keeps one."""
    user = require(person, Action.ASK_CALL_BACK)
    waiting = await queries.waiting_call_back_of(session, user.id)
    if waiting is not None:
        return CallBackAsked(waiting, new=False)
    call = await queries.add_call_back(session, user.id, home_of(user), clock.now())
    audit.record(
        session, at=clock.now(), action="call_back_asked", actor_id=user.id, subject_id=user.id
    )
    return CallBackAsked(call, new=True)


async def waiting_call_backs(
    session: AsyncSession, person: User | None, community_ids: Collection[int]
) -> list[tuple[CallBack, User]]:
    """The calls waiting in the communities the coordinator looks after (`community_ids`)."""
    require(person, Action.HANDLE_CALL_BACKS)
    return await queries.waiting_call_backs(session, community_ids)


async def mark_called(
    session: AsyncSession,
    person: User | None,
    call_id: int,
    community_ids: Collection[int],
    *,
    clock: Clock,
) -> User:
    """A coordinator of the caller's community has phoned them; returns who was called.
    Another community's call (a forged button) does not exist for them."""
    coordinator = require(person, Action.HANDLE_CALL_BACKS)
    found = await queries.get_call_back(session, call_id)
    if found is None or found[0].community_id not in community_ids:
        raise CallBackNotFound()
    call, caller = found
    if call.done_at is not None or not await queries.mark_called(
        session, call_id, coordinator, clock.now()
    ):
        raise CallBackDone()
    audit.record(
        session,
        at=clock.now(),
        action="call_back_made",
        actor_id=coordinator.id,
        subject_id=caller.id,
    )
    return caller
