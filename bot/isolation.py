"""One person's updates one at a time across bot processes: a Redis lock held as a lease.

aiogram's `RedisEventIsolation` takes its lock for 60 seconds: when the worker holding it dies
(kill -9, out of memory), that person's next updates wait a minute for it to expire. Here the
lock lasts `LEASE_SECONDS` and is renewed while the update is handled, so a long handling keeps
it, and a dead worker's lock is gone within seconds (the outbox's leases work the same way).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder, KeyBuilder, StorageKey
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

logger = logging.getLogger("linli.isolation")
LEASE_SECONDS = 10.0


class LeasedEventIsolation(BaseEventIsolation):
    def __init__(
        self,
        redis: Redis,
        key_builder: KeyBuilder | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.redis = redis
        self.key_builder = key_builder or DefaultKeyBuilder()
        self.lease_seconds = lease_seconds

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = self.redis.lock(self.key_builder.build(key, "lock"), timeout=self.lease_seconds)
        await lock.acquire()
        renewing = asyncio.create_task(self._renew(lock))
        try:
            yield None
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            try:
                await lock.release()
            except LockError:  # lost meanwhile (Redis unreachable longer than a lease)
                logger.warning("isolation_lease_lost")

    async def _renew(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await lock.reacquire()
            except LockError:
                logger.warning("isolation_lease_lost")
                return

    async def close(self) -> None:
        pass
