"""Two costs aiogram pays on every update and every request, which a crowd turns into seconds.

Measured in the crowd of tests/e2e/test_crowd.py (py-spy): about a third of the bot's time went
to these two, none of it to our rules.

1. aiogram runs every filter that is not a coroutine (`F.data == ...`, a `State` given as a
   filter, a lambda) in a thread with `asyncio.to_thread`: about ten thread hops per update,
   each a hand-over of the interpreter lock. Ours are pure and take microseconds, so they run
   inline instead.
2. To read each reply of Telegram, aiogram asks pydantic for `Response[<type>]`. Pydantic keeps
   those classes only weakly; nothing else holds `Response[bool]` (answerCallbackQuery,
   deleteMessage) or `Response[list[Update]]` (getUpdates), so the garbage collector frees them
   and the next request builds the class again, schema and validator, several milliseconds.
   A request middleware keeps each one once it has been built.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.methods.base import Response, TelegramMethod, TelegramType


def run_sync_filters_inline(router: Router) -> int:
    """Make the router's (and its sub-routers') plain-function filters and handlers run on the
    event loop instead of in a thread; returns how many were changed. Call it once, after every
    router is included."""
    changed = 0
    routers = [router]
    while routers:
        current = routers.pop()
        routers.extend(current.sub_routers)
        for observer in current.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                changed += _inline(handler)
                changed += sum(_inline(f) for f in handler.filters or ())
    return changed


def _inline(callable_object: CallableObject) -> int:
    if callable_object.awaitable:
        return 0
    sync = callable_object.callback

    async def call_inline(*args: Any, **kwargs: Any) -> Any:
        return sync(*args, **kwargs)

    # `params` (the arguments aiogram passes) stay those of the function itself
    callable_object.callback = call_inline
    callable_object.awaitable = True
    return 1


class KeepResponseModels(BaseRequestMiddleware):
    """Holds every `Response[<type>]` aiogram builds, so it is built once per process."""

    def __init__(self) -> None:
        self._kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
