"""One send budget for the whole bot: a request middleware on the bot's session.

Every message the bot sends directly (a handler's answer, a progress message) takes a slot of
the same `SendRateLimiter` the outbox sender paces itself with, so direct replies and outbox
sends together never go over the configured rate in any one-second window. A direct reply
waiting for a slot goes before the outbox's next request. The outbox's own requests pass
through untouched: they took their slot already.

With Redis (`redis_url`) the budget is shared by every process of the bot
(`bot.delivery.shared_budget`); without, it is this process's own."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.delivery.ratelimit import DIRECT, SendLimits, SendRateLimiter, paced_by_outbox

# With a shared budget a direct reply also waits for its chat's own limit (one message a second
# to a person, twenty a minute to a group), as Telegram counts it: a handler's second message to
# the same person leaves a second after the first. False: replies go at once, as they do with a
# process's own budget, and the outbox (of every process) still leaves the chat alone after one.
DIRECT_REPLIES_WAIT_FOR_CHAT = True

# Methods that put a message in a chat: what Telegram's sending limits count.
_COUNTED_PREFIXES = ("send", "copyMessage", "forwardMessage")
_NOT_COUNTED = frozenset({"sendChatAction"})


def counts_against_limits(api_method: str) -> bool:
    return api_method.startswith(_COUNTED_PREFIXES) and api_method not in _NOT_COUNTED


def _chat_key(chat_id: Any) -> int:
    """The limiter counts chats by number (positive: a private chat); an "@channel" name
    counts as a group of its own."""
    if isinstance(chat_id, int):
        return chat_id
    return -(abs(hash(str(chat_id))) % 10**12) - 1


class SendBudgetMiddleware(BaseRequestMiddleware):
    def __init__(self, limiter: SendRateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if paced_by_outbox.get() or not counts_against_limits(method.__api_method__):
            return await make_request(bot, method)
        chat = _chat_key(getattr(method, "chat_id", None))
        await self.limiter.wait_direct()
        self.limiter.begin(chat)
        counted = True
        try:
            await self.limiter.admit(chat, level=DIRECT, chat_limit=DIRECT_REPLIES_WAIT_FOR_CHAT)
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            counted = False
            self.limiter.pause(error.retry_after)  # the outbox waits too
            raise
        finally:
            self.limiter.end(chat, counted=counted, chat_counted=counted)


def budget_prefix(bot_id: int) -> str:
    """The Redis keys of one bot's shared budget (Telegram counts per bot); one hash slot."""
    return f"linli:budget:{{{bot_id}}}:"


def send_budget(bot: Bot, limits: SendLimits, *, redis_url: str | None = None) -> SendRateLimiter:
    """The limiter of `bot`'s budget, installed on its session the first time; shared with the
    bot's other processes through Redis when `redis_url` is given."""
    for middleware in bot.session.middleware:
        if isinstance(middleware, SendBudgetMiddleware):
            return middleware.limiter
    limiter = SendRateLimiter(limits)
    if redis_url:
        from bot.delivery.shared_budget import SharedSendLimiter

        limiter = SharedSendLimiter.from_url(redis_url, limits, prefix=budget_prefix(bot.id))
    budget = SendBudgetMiddleware(limiter)
    bot.session.middleware(budget)
    return budget.limiter
