"""The outbox sender's leases: a claim on a row lasts `lease_seconds` unless renewed, so rows of
a sender that died or hangs are taken over by any live one; and the purge of old payloads, which
runs on the same slow beat."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.repositories import outbox as outbox_queries

logger = logging.getLogger("linli.outbox")

LEASE_SECONDS = 20.0  # a claim lasts this long unless renewed (OUTBOX_LEASE_SECONDS)
PURGE_EVERY = 3600.0  # seconds between purges of old payloads


class Leases:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        worker: str,
        *,
        lease_seconds: float,
        lease_clock: Clock,
        purge_after_days: float | None,
    ) -> None:
        """`lease_clock` tells real time (leases are about processes, not the domain's clock)."""
        self.session_factory = session_factory
        self.worker = worker
        self.lease = timedelta(seconds=lease_seconds)
        self.lease_clock = lease_clock
        self.purge_after = timedelta(days=purge_after_days) if purge_after_days else None
        self.renew_every = lease_seconds / 4
        self.ok_until = 0.0  # monotonic: until then the rows held here are surely ours
        self._next_purge = 0.0

    def until(self) -> datetime:
        """When a lease taken now runs out."""
        return self.lease_clock.now() + self.lease

    def surely_ours_until(self, renewed_at: float) -> None:
        """Leases were (re)taken at monotonic `renewed_at`: a request may leave until the lease
        less a margin, so none starts on a row another sender may be taking over."""
        self.ok_until = max(self.ok_until, renewed_at + self.lease.total_seconds() * 5 / 6)

    async def recover(self) -> bool:
        """Renew this sender's leases and take over every row whose lease ran out: claimed ones
        go back to the queue, mid-request ones are sent again or marked interrupted, by kind.
        Run at start and then every quarter of a lease, for as long as the sender lives.
        Whether any row was taken over."""
        started = time.monotonic()
        async with self.session_factory() as session:
            now = self.lease_clock.now()
            await outbox_queries.renew_leases(session, worker=self.worker, until=now + self.lease)
            taken = await outbox_queries.take_over_expired(session, now=now, worker=self.worker)
            await session.commit()
        self.surely_ours_until(started)
        if any(taken):
            logger.warning(
                "outbox_taken_over worker=%s requeued=%d resent=%d interrupted=%d",
                self.worker,
                *taken,
            )
        return any(taken)

    def purge_due(self) -> bool:
        if self.purge_after is None or time.monotonic() < self._next_purge:
            return False
        self._next_purge = time.monotonic() + PURGE_EVERY
        return True

    async def purge(self, clock: Clock, *, stopping: asyncio.Event) -> int:
        """Drop the payloads of rows finished more than OUTBOX_PURGE_DAYS ago; how many."""
        if self.purge_after is None:
            return 0
        purged = 0
        while True:
            async with self.session_factory() as session:
                now = clock.now()
                done = await outbox_queries.purge_payloads(
                    session, created_before=now - self.purge_after, now=now
                )
                await session.commit()
            purged += done
            if done == 0 or stopping.is_set():
                return purged
