"""A change notifier: state mutations wake every coroutine waiting for a condition.

Synchronous code (the emulator state) calls `notify()`; waiters re-check their predicate
after each change, so there are no sleeps or polling loops anywhere in the emulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ChangeFeed:
    """Wakes waiters whenever the emulator state changes."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float | None,  # noqa: ASYNC109
    ) -> T:
        """Return the first truthy value of `predicate`, re-evaluated after every change.

        Raises TimeoutError when `timeout` seconds pass first (None waits forever).
        """
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while True:
                result = predicate()
                if result:
                    return result
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.add(waiter)
                try:
                    await waiter
                finally:
                    self._waiters.discard(waiter)
