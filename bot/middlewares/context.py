"""Puts one `UpdateContext` in each update's data, as `ctx` (after the session, the person and
the language are known). In a group whose coordinators chose its language, what the bot posts
in answer to a message there is in that language; a press still gets its pop-up in the
presser's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

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
        if ctx.group_locale and isinstance(event, Update) and event.message is not None:
            data["locale"] = ctx.group_locale
            with data["i18n"].use_locale(ctx.group_locale):
                return await handler(event, data)
        return await handler(event, data)
