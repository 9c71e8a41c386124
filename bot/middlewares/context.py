"""Puts one `UpdateContext` in each update's data, as `ctx` (after the session, the person and
the language are known)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.context import UpdateContext
from bot.services import community


class UpdateContextMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        ctx = UpdateContext.from_data(data)
        chat = data.get("event_chat")
        if chat is not None and chat.id < 0:
            ctx.group_locale = await community.group_language(ctx.session, chat.id)
        data["ctx"] = ctx
        return await handler(event, data)
