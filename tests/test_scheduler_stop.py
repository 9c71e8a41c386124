"""Stopping the bot while a scheduler job is in its transaction: the job finishes and commits
before the engine goes (it used to be left running against a closed pool and log
CancelledError and PendingRollbackError tracebacks), and one that hangs is cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.i18n import create_i18n
from bot.scheduling.scheduler import Scheduler
from storage.models import AuditEvent
from storage.repositories import audit


async def audit_rows(session_factory: async_sessionmaker[AsyncSession], action: str) -> int:
    async with session_factory() as session:
        return (
            await session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


async def test_a_job_under_way_at_stop_commits_and_the_next_jobs_do_not_start(
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    later_ran = False

    async def slow_job(notifier: Notifier) -> int:
        audit.record(
            notifier.session, at=clock.now(), action="job.slow", actor_id=None, subject_id=None
        )
        await notifier.session.flush()
        started.set()
        await release.wait()
        return 1

    async def later_job(notifier: Notifier) -> int:
        nonlocal later_ran
        later_ran = True
        return 1

    settings = Settings(scheduler_interval_seconds=0.05)
    scheduler = Scheduler(
        session_factory, settings, clock, create_i18n("en"), jobs=[slow_job, later_job]
    )
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # it waits for the job's transaction
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert await audit_rows(session_factory, "job.slow") == 1
    assert not later_ran
    assert scheduler.lag() == 0.0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_job_that_hangs_past_the_grace_is_cancelled_and_rolls_back(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    started = asyncio.Event()

    async def hanging_job(notifier: Notifier) -> int:
        audit.record(
            notifier.session, at=clock.now(), action="job.hang", actor_id=None, subject_id=None
        )
        await notifier.session.flush()
        started.set()
        await asyncio.Event().wait()
        return 1

    settings = Settings(scheduler_interval_seconds=0.05)
    scheduler = Scheduler(session_factory, settings, clock, create_i18n("en"), jobs=[hanging_job])
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(scheduler.stop(grace_seconds=0.2), 10)
    assert await audit_rows(session_factory, "job.hang") == 0
