"""The scheduler: APScheduler is only the clock. Every interval it runs `tick`, which asks each
job to find the rows that are due and claim them atomically, so two bot processes never act on
the same row and a bot that was down catches up on its first tick instead of skipping.

Jobs are plain async functions of a `Notifier` (which carries the session, settings and clock);
each runs in its own transaction, so one failing job does not undo the others."""

from __future__ import annotations

import logging
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
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.i18n = i18n
        self.jobs = list(jobs)
        self.on_queued = on_queued
        self._scheduler: AsyncIOScheduler | None = None

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
            except Exception:
                logger.exception("event=job_failed job=%s", getattr(job, "__name__", job))
                continue
            if queued and self.on_queued is not None:
                self.on_queued()
        return acted

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler()
        self._scheduler.add_job(
            self.tick,
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
