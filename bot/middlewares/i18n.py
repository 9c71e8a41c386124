"""The language of each update: the person's saved choice, then Telegram's, then the default."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18nMiddleware

from bot.i18n import locale_from_telegram
from storage.models import User


class LocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        if user is not None and user.locale in self.i18n.available_locales:
            return user.locale
        telegram_user: TelegramUser | None = data.get("event_from_user")
        detected = locale_from_telegram(telegram_user.language_code if telegram_user else None)
        return detected or self.i18n.default_locale

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        locale = await self.get_locale(event, data)
        # Kept as a plain string for the error handler, which runs after the session is gone.
        data["locale"] = locale
        data["i18n"] = self.i18n
        with self.i18n.context(), self.i18n.use_locale(locale):
            return await handler(event, data)
