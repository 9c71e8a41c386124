"""The current user: found or created from the Telegram user of each update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from bot.clock import Clock
from bot.services.users import TelegramProfile, sync_user


class CurrentUserMiddleware(BaseMiddleware):
    def __init__(self, clock: Clock, default_timezone: str) -> None:
        self._clock = clock
        self._default_timezone = default_timezone

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        telegram_user: TelegramUser | None = data.get("event_from_user")
        if telegram_user is not None and not telegram_user.is_bot:
            profile = TelegramProfile(
                telegram_id=telegram_user.id,
                username=telegram_user.username,
                language_code=telegram_user.language_code,
            )
            data["user"] = await sync_user(
                data["session"],
                profile,
                clock=self._clock,
                default_timezone=self._default_timezone,
            )
        return await handler(event, data)
