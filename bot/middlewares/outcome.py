"""Whether an update's handling failed, for the webhook's answer to Telegram.

The error handler tells the person kindly and then the update counts as handled for aiogram;
but what it recorded was rolled back. Registered outside the database session, this notes the
failure in the `HandlingOutcome` the webhook passed in, so Telegram is answered with an error
and sends the update again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import TelegramObject


@dataclass
class HandlingOutcome:
    """Filled in while one update is handled; `failed` once anything raised. `will_retry`:
    Telegram will send this update again if it fails (the person need not be told)."""

    will_retry: bool = False
    failed: bool = False
    error: str = ""


class NoteFailures(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except TelegramForbiddenError:
            raise  # the person blocked the bot: sent again, it would fail the same way
        except Exception as error:
            outcome = data.get("handling")
            if isinstance(outcome, HandlingOutcome):
                outcome.failed, outcome.error = True, type(error).__name__
            raise
