"""A person blocking or unblocking the bot (Telegram's my_chat_member update)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import JOIN_TRANSITION, LEAVE_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.context import UpdateContext
from bot.delivery.outbox import person_blocked_bot, person_unblocked_bot


async def blocked(event: ChatMemberUpdated, ctx: UpdateContext) -> None:
    await person_blocked_bot(ctx.session, event.from_user.id, clock=ctx.clock)


async def unblocked(event: ChatMemberUpdated, ctx: UpdateContext) -> None:
    await person_unblocked_bot(ctx.session, event.from_user.id)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="membership")
    router.my_chat_member.filter(lambda event: event.chat.type == "private")
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(LEAVE_TRANSITION))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(JOIN_TRANSITION))
    return router
