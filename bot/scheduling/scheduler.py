"""The scheduler: APScheduler is only the clock. Every interval it runs `tick`, which asks each
job to find the rows that are due and claim them atomically, so two bot processes never act on
the same row and a bot that was down catches up on its first tick instead of skipping.

Jobs are plain async functions of a `Notifier` (which carries the session, settings and clock);
each runs in its own transaction, so one failing job does not undo the others."""

from __future__ import annotations

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
        return await self.tick()

    async def tick(self) -> int:
        """Run every job once; returns how many things they acted on."""
        acted = 0
        for job in self.jobs:
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

    def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        self._due = None  # not running: not behind
