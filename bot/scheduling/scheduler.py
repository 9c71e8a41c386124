"""The scheduler: APScheduler is only the clock. Every interval it runs `tick`, which asks each
job to find the rows that are due and claim them atomically, so two bot processes never act on
the same row and a bot that was down catches up on its first tick instead of skipping.

Jobs are plain async functions of a `Notifier` (which carries the session, settings and clock);
each runs in its own transaction, so one failing job does not undo the others."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.scheduling.jobs import ALL_JOBS

logger = logging.getLogger("linli.scheduler")

Job = Callable[[Notifier], Awaitable[int]]


class Scheduler:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        i18n: I18n,
        *,
        jobs: Sequence[Job] = ALL_JOBS,
        on_queued: Callable[[], None] | None = None,
        on_escalated: Callable[[int], None] | None = None,
    ) -> None:
        """`on_escalated(n)`: n check-ins were escalated (committed), for the metrics."""
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.i18n = i18n
        self.jobs = list(jobs)
        self.on_queued = on_queued
        self.on_escalated = on_escalated
        self._scheduler: AsyncIOScheduler | None = None
        # Lag (bot.watch), in monotonic seconds: when the coming tick is due, how late the
        # last one started.
        self._due: float | None = None
        self._last_lag = 0.0
        self._ticking: asyncio.Task[int] | None = None  # the tick under way, awaited at stop
        self._stopping = False

    def lag(self, now: float | None = None) -> float:
        """Seconds the scheduler is behind: how late its last tick started, or how long the
        coming one is overdue (a tick that hangs, an event loop that is blocked)."""
        if self._due is None:
            return 0.0
        now = time.monotonic() if now is None else now
        return max(self._last_lag, now - self._due)

    async def _timed_tick(self) -> int:
        now, interval = time.monotonic(), self.settings.scheduler_interval_seconds
        if self._due is not None:
            self._last_lag = max(0.0, now - self._due)
            # The next due time on APScheduler's grid (runs missed meanwhile are coalesced).
            self._due += interval * (1 + int(max(0.0, now - self._due) // interval))
        self._ticking = asyncio.current_task()  # type: ignore[assignment]
        try:
            return await self.tick()
        finally:
            self._ticking = None

    async def tick(self) -> int:
        """Run every job once; returns how many things they acted on."""
        acted = 0
        for job in self.jobs:
            if self._stopping:
                break  # the rest are due again at the next start: claims make that safe
            try:
                async with self.session_factory() as session:
                    notifier = Notifier(session, self.settings, self.clock, self.i18n)
                    acted += await job(notifier)
                    await session.commit()
                    queued = session.info.pop("outbox_queued", False)
                    escalated = session.info.pop("checkins_escalated", 0)
            except Exception:
                logger.exception("event=job_failed job=%s", getattr(job, "__name__", job))
                continue
            if escalated and self.on_escalated is not None:
                self.on_escalated(escalated)
            if queued and self.on_queued is not None:
                self.on_queued()
        return acted

    def start(self) -> None:
        self._stopping = False
        self._scheduler = AsyncIOScheduler()
        self._due = time.monotonic() + self.settings.scheduler_interval_seconds
        self._last_lag = 0.0
        self._scheduler.add_job(
            self._timed_tick,
            "interval",
            seconds=self.settings.scheduler_interval_seconds,
            max_instances=1,
            coalesce=True,
            id="tick",
        )
        self._scheduler.start()

    async def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Stop ticking and let the job under way finish its transaction before the engine is
        disposed (a tick left running met a closed pool: CancelledError, PendingRollbackError).
        A job that takes longer than `grace_seconds` is cancelled; its claims roll back."""
        self._stopping = True
        scheduler, self._scheduler = self._scheduler, None
        self._due = None  # not running: not behind
        if scheduler is None or not scheduler.running:
            return
        scheduler.pause()  # no new tick; APScheduler's shutdown would cancel the one under way
        ticking = self._ticking
        if ticking is not None and not ticking.done():
            try:
                await asyncio.wait_for(asyncio.shield(ticking), grace_seconds)
            except TimeoutError:
                logger.warning("event=scheduler_stop_cancelled grace=%s", grace_seconds)
            except Exception:  # noqa: BLE001 - the tick logs its own failures
                pass
        scheduler.shutdown(wait=False)  # cancels a tick that outlived the grace
