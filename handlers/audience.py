"""Router-level audience checks: a router for one audience (coordinators, helpers) says so once,
with the rule from `bot.policy.permissions`, instead of each of its handlers asking.

`for_audience(router, action, refusal)` installs `AudienceGate` as the router's inner
middleware: it runs once one of the router's handlers matched the update, so the update was
meant for this router; a person who may not do `action` gets `refusal()` (a pop-up for a button,
a message otherwise) and the handler does not run. Unlike a router filter, the press or the
command is answered kindly rather than falling through to "not understood"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.policy.permissions import Action, may

PRIVATE = F.chat.type == "private"
"""Messages in a private chat: where a person's own details are typed and read."""


class AudienceGate(BaseMiddleware):
    def __init__(self, action: Action, refusal: Callable[[], str]) -> None:
        self.action = action
        self.refusal = refusal

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if may(data.get("user"), self.action):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await event.answer(self.refusal(), show_alert=True)
        elif isinstance(event, Message):
            await event.answer(self.refusal())
        return None


def for_audience(router: Router, action: Action, refusal: Callable[[], str]) -> Router:
    """`router`, its messages and button presses only for those who may do `action`."""
    gate = AudienceGate(action, refusal)
    router.message.middleware(gate)
    router.callback_query.middleware(gate)
    return router
