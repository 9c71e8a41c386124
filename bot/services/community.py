"""The community's own voice: the language of each of its groups, and the people who asked
to be phoned ("please call me") until a coordinator has called them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import LOCALES
from bot.policy.permissions import Action, require
from bot.services.communities import home_of
from bot.services.errors import CallBackDone, CallBackNotFound, InvalidInput
from storage.models import CallBack, User
from storage.repositories import audit
from storage.repositories import community as queries


async def group_language(session: AsyncSession, chat_id: int) -> str | None:
    return await queries.group_locale(session, chat_id)


async def set_group_language(
    session: AsyncSession, person: User | None, chat_id: int, locale: str, *, clock: Clock
) -> None:
    """A coordinator chooses the language of a group the bot posts to (a group's id is
    negative; a private chat has no group language)."""
    coordinator = require(person, Action.SET_GROUP_LANGUAGE)
    if chat_id >= 0 or locale not in LOCALES:
        raise InvalidInput()
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
    session: AsyncSession, person: User | None
) -> list[tuple[CallBack, User]]:
    require(person, Action.HANDLE_CALL_BACKS)
    return await queries.waiting_call_backs(session)


async def mark_called(
    session: AsyncSession, person: User | None, call_id: int, *, clock: Clock
) -> User:
    """A coordinator has phoned the person; returns who was called."""
    coordinator = require(person, Action.HANDLE_CALL_BACKS)
    found = await queries.get_call_back(session, call_id)
    if found is None:
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
