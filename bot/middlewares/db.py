"""One database session per update: committed when the update is handled, rolled back on error.
The session may have been opened already, by the conversation's lock (see
storage.fsm.ConversationIsolation): it is the same update's.

Before each Bot API request the handler makes, `bot.middlewares.commit` commits what was
recorded so far, so the transaction left here holds only what came after the last request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares.commit import answered_callbacks
from storage.db import current_session


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        # Kept in `data` too: the error handler runs outside this middleware, after the reset.
        data["answered_callbacks"] = answered = set()
        answered_token = answered_callbacks.set(answered)
        async with AsyncExitStack() as stack:
            # Opened by the conversation's lock (storage.fsm.ConversationIsolation), which read
            # the conversation in it; else here.
            session = current_session.get() or await stack.enter_async_context(
                self._session_factory()
            )
            token = current_session.set(session)
            try:
                data["session"] = session
                result = await handler(event, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                current_session.reset(token)
                answered_callbacks.reset(answered_token)
                # Also after an error: rows queued before a reply were committed with it.
                sender = data.get("outbox")
                if sender is not None and session.info.pop("outbox_queued", False):
                    sender.wake()
