"""Puts one `UpdateContext` in each update's data, as `ctx` (after the session, the person and
the language are known). In a group, what the bot posts in answer to a message there is in the
group's language (the one its coordinators chose, else the community's default: the language
the Notifier writes its posts in), so one group never reads two; a press still gets its pop-up
in the presser's language."""

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
        if chat is not None and chat.id < 0 and isinstance(event, Update) and event.message:
            data["locale"] = locale = ctx.group_language()
            with data["i18n"].use_locale(locale):
                return await handler(event, data)
        return await handler(event, data)
