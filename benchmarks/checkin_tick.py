"""The cost of one scheduler tick of check-ins, with many residents enrolled (run by hand).

    .venv/bin/python -m benchmarks.checkin_tick --enrolled 100000 --due 1000

Fills a fresh database (SQLite by default; --database takes a scratch PostgreSQL URL) with
`--enrolled` residents, each with an active plan and a chain, of whom `--due` are due now. Then
runs the real `run_checkins` job (claims the due plans, creates their check-ins, claims each
send step, renders each message in the resident's language and puts it in the outbox) and
prints its time and peak Python memory (tracemalloc) for a tick with `--due` due, and for a tick
with none due; then the same with a tenth of the residents enrolled, so the ratios show that a
tick costs what is due, not what is enrolled."""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiogram.utils.i18n import I18n
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, ManualClock
from bot.config import Settings, load_settings
from bot.delivery.notifier import Notifier
from bot.i18n import create_i18n
from bot.scheduling.jobs import run_checkins
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import (
    Checkin,
    CheckinContact,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    OutboxMessage,
    User,
    UserRole,
)

BATCH = 5_000
FIRST_TELEGRAM_ID = 10_000_000
TODAY_0900 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NEXT_WEEK_0900 = TODAY_0900 + timedelta(days=7)


async def fill(
    factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    enrolled: int,
    due: int,
    communities: Sequence[int] = (FIRST_COMMUNITY_ID,),
) -> None:
    """`enrolled` residents (Telegram ids from FIRST_TELEGRAM_ID), spread evenly over
    `communities`, each with an active plan whose chain is the coordinators."""
    now = clock.now()
    async with factory() as session:
        for start in range(0, enrolled, BATCH):
            stop = min(start + BATCH, enrolled)
            people = [
                {
                    "telegram_id": FIRST_TELEGRAM_ID + number,
                    "role": UserRole.RESIDENT,
                    "community_id": communities[number % len(communities)],
                    "display_name": f"Resident {number}",
                    "area": f"Building {number % 40}",
                    "timezone": "Asia/Shanghai",
                    "locale": ("en", "zh_Hans", "zh_Hant")[number % 3],
                    "consent_at": now,
                    "onboarded_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(start, stop)
            ]
            ids = list(
                await session.scalars(
                    insert(User).returning(User.id, sort_by_parameter_order=True), people
                )
            )
            plans = [
                {
                    "resident_id": user_id,
                    "community_id": communities[(start + offset) % len(communities)],
                    "status": CheckinPlanStatus.ACTIVE,
                    "times": ["09:00"],
                    "weekdays": [0, 1, 2, 3, 4, 5, 6],
                    "grace_minutes": 30,
                    "first_alert_minutes": 60,
                    "alert_every_minutes": 60,
                    # The first `due` are due now (09:00 today); the others next week.
                    "next_checkin_at": TODAY_0900 if start + offset < due else NEXT_WEEK_0900,
                    "missed_in_row": 0,
                    "agreed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for offset, user_id in enumerate(ids)
            ]
            plan_ids = list(
                await session.scalars(
                    insert(CheckinPlan).returning(CheckinPlan.id, sort_by_parameter_order=True),
                    plans,
                )
            )
            await session.execute(
                insert(CheckinContact),
                [
                    {"plan_id": plan_id, "position": 0, "kind": ContactKind.COORDINATORS}
                    for plan_id in plan_ids
                ],
            )
        await session.commit()


async def one_tick(
    factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    settings: Settings,
    i18n: I18n,
    *,
    trace: bool,
) -> tuple[int, float]:
    """(steps taken, seconds) of one tick of the check-in job, or (steps, peak MiB of Python
    allocations) with `trace`: tracemalloc slows Python down, so time and memory are taken in
    two ticks."""
    gc.collect()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    async with factory() as session:
        acted = await run_checkins(Notifier(session, settings, clock, i18n))
        await session.commit()
    elapsed = time.perf_counter() - started
    if not trace:
        return acted, elapsed
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return acted, peak / 2**20


async def next_morning(factory: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    """Everyone answered; the next morning the same residents are due again."""
    async with factory() as session:
        await session.execute(update(Checkin).values(status=CheckinStatus.FINE, next_due_at=None))
        await session.commit()
    clock.advance(timedelta(days=1))


async def measure(enrolled: int, due: int, database: str | None) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    url = database or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(url)
    await upgrade_database(engine)
    factory = create_session_factory(engine)
    clock = ManualClock(TODAY_0900 + timedelta(seconds=30))
    settings = load_settings(_env_file=None, default_locale="en", coordinator_chat_id=-100)
    i18n = create_i18n("en")
    filled = time.perf_counter()
    await fill(factory, clock, enrolled, due)
    filled = time.perf_counter() - filled
    # Day 1 warms up what a running bot has warm (catalogues, compiled statements).
    await one_tick(factory, clock, settings, i18n, trace=False)
    clock.advance(timedelta(seconds=1))
    idle_acted, idle_time = await one_tick(factory, clock, settings, i18n, trace=False)
    _, idle_peak = await one_tick(factory, clock, settings, i18n, trace=True)
    await next_morning(factory, clock)
    due_acted, due_time = await one_tick(factory, clock, settings, i18n, trace=False)
    await next_morning(factory, clock)
    _, due_peak = await one_tick(factory, clock, settings, i18n, trace=True)
    async with factory() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    return {
        "fill_s": filled,
        "idle_acted": idle_acted,
        "idle_s": idle_time,
        "idle_mib": idle_peak,
        "due_acted": due_acted,
        "due_s": due_time,
        "due_mib": due_peak,
        "queued": float(queued or 0),
    }


def report(label: str, enrolled: int, figures: dict[str, float]) -> None:
    print(f"{label}: {enrolled} enrolled (filled in {figures['fill_s']:.1f} s)")
    print(
        f"  tick, none due  {figures['idle_s'] * 1000:8.1f} ms"
        f"  peak {figures['idle_mib']:6.1f} MiB  ({figures['idle_acted']:.0f} steps)"
    )
    print(
        f"  tick, due       {figures['due_s'] * 1000:8.1f} ms"
        f"  peak {figures['due_mib']:6.1f} MiB  ({figures['due_acted']:.0f} steps;"
        f" {figures['queued']:.0f} messages queued in all)"
    )


async def run(enrolled: int, due: int, database: str | None) -> None:
    if database:  # one scratch database: measure the large community only
        large = await measure(enrolled, due, database)
        report("database " + database.split("@")[-1], enrolled, large)
        return
    small_count = max(due, enrolled // 10)
    small = await measure(small_count, due, None)
    large = await measure(enrolled, due, None)
    report("small", small_count, small)
    report("large", enrolled, large)
    print(
        f"large / small: enrolled x{enrolled / small_count:.1f}, "
        f"tick with {due} due x{large['due_s'] / small['due_s']:.2f}, "
        f"tick with none due x{large['idle_s'] / max(small['idle_s'], 1e-9):.2f}"
    )
    print(
        f"per due check-in: {large['due_s'] / max(large['due_acted'], 1) * 1000:.2f} ms "
        f"(large), {small['due_s'] / max(small['due_acted'], 1) * 1000:.2f} ms (small)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrolled", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--database", default=None, help="a scratch PostgreSQL URL")
    args = parser.parse_args()
    asyncio.run(run(args.enrolled, args.due, args.database))


if __name__ == "__main__":
    main()
