"""No identical edit reaches Telegram, which refuses one with 400 "message is not modified".

Several presses of one button handled at the same time (a double tap, two coordinators on the
same card) each edit the pressed message to what it should now show; after the first, the
others change nothing. This session middleware remembers, for a short while, what this process
last made each message show, and answers an edit that would show exactly that again by itself,
with the error Telegram would give and without a request. Every edit in the handlers already
treats that error as harmless. Edits made by another bot process are not known here, which is
why the memory is short: it is about presses handled together, not about history.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageCaption, EditMessageReplyMarkup, EditMessageText
from aiogram.methods.base import Response, TelegramMethod, TelegramType

NOT_MODIFIED = "Bad Request: message is not modified"
_ADDRESS = ("chat_id", "message_id", "inline_message_id", "business_connection_id")
_MARKUP = "reply_markup"


@dataclass
class _Shown:
    """What a message shows after our last edit: its content (None: not known) and buttons."""

    content: str | None
    markup: str
    at: float


class IdenticalEditGuard(BaseRequestMiddleware):
    """Drops edits identical to this process's last edit of the same message."""

    def __init__(
        self,
        *,
        remember_seconds: float = 60.0,
        max_messages: int = 10_000,
        time_source: Callable[[], float] = time.monotonic,
    ) -> None:
        self.remember_seconds = remember_seconds
        self.max_messages = max_messages
        self.time_source = time_source
        self._shown: OrderedDict[tuple[Any, ...], _Shown] = OrderedDict()
        self.dropped = 0  # identical edits answered here (for tests and figures)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not isinstance(method, EditMessageText | EditMessageCaption | EditMessageReplyMarkup):
            return await make_request(bot, method)
        now = self.time_source()
        self._forget_old(now)
        key = (bot.id, *(getattr(method, name, None) for name in _ADDRESS))
        dumped = method.model_dump(exclude=set(_ADDRESS))
        buttons = dumped.pop(_MARKUP, None)
        markup = repr(buttons if buttons and any(buttons.get("inline_keyboard") or []) else None)
        content = None if isinstance(method, EditMessageReplyMarkup) else repr(dumped)
        before = self._shown.get(key)
        if before is not None and before.markup == markup and content in (None, before.content):
            self.dropped += 1
            raise TelegramBadRequest(method=method, message=NOT_MODIFIED)
        # recorded before the request, so a press handled meanwhile sees it (no await between)
        self._shown[key] = _Shown(content or (before.content if before else None), markup, now)
        self._shown.move_to_end(key)
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                self._restore(key, before)
            raise
        except BaseException:
            self._restore(key, before)
            raise

    def _restore(self, key: tuple[Any, ...], before: _Shown | None) -> None:
        """The edit did not happen: the message shows what it showed before."""
        if before is None:
            self._shown.pop(key, None)
        else:
            self._shown[key] = before

    def _forget_old(self, now: float) -> None:
        while self._shown:
            key, shown = next(iter(self._shown.items()))
            if now - shown.at < self.remember_seconds and len(self._shown) <= self.max_messages:
                break
            del self._shown[key]
