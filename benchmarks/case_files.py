"""The cost of a household's case file and of the follow-up tick, with many households (run by
hand).

    .venv/bin/python -m benchmarks.case_files --households 20000 --due 2000

Fills a fresh database (SQLite by default; --database takes a scratch PostgreSQL URL) with
`--households` households of one community, each with a follow-up: `--due` of them due now, the
others next week. One household has two years of history: a resident with a daily check-in
answered every day (730), 100 help requests with ratings, 50 logged visits and 10 concerns.
Then prints the time and peak Python memory (tracemalloc) of opening that household's file
(its first page and its last, each opening audited), of the real `run_follow_ups` job with
`--due` due (every owner reminded through the outbox), and of a tick with none due."""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import load_settings
from bot.delivery.notifier import Notifier
from bot.i18n import create_i18n
from bot.scheduling.jobs import run_follow_ups
from bot.services import case_file
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    Concern,
    ConcernStatus,
    DayPart,
    FollowUp,
    FollowUpKind,
    HelpRequest,
    Household,
    OutboxMessage,
    Pairing,
    RequestCategory,
    RequestStatus,
    RequestTiming,
    User,
    UserRole,
    Visit,
    VisitCadence,
    VisitKind,
    VisitOutcome,
    VisitStatus,
)

BATCH = 5_000
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
DAYS = 730


def _person(telegram_id: int, role: UserRole, name: str) -> dict[str, Any]:
    return {
        "telegram_id": telegram_id, "role": role, "community_id": FIRST_COMMUNITY_ID,
        "display_name": name, "timezone": "Asia/Shanghai", "locale": "zh_Hans",
        "consent_at": NOW, "onboarded_at": NOW, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip


async def fill(factory: async_sessionmaker[AsyncSession], households: int, due: int) -> int:
    """Returns the id of the household with a long history."""
    async with factory() as session:
        coordinator_id = await session.scalar(
            insert(User).returning(User.id), _person(1, UserRole.COORDINATOR, "Lin")
        )
        for start in range(0, households, BATCH):
            rows = [
                {"community_id": FIRST_COMMUNITY_ID, "code": f"A{number + 1}",
                 "label": f"户 {number + 1}", "created_at": NOW}
                for number in range(start, min(start + BATCH, households))
            ]  # fmt: skip
            ids = list(
                await session.scalars(
                    insert(Household).returning(Household.id, sort_by_parameter_order=True), rows
                )
            )
            await session.execute(
                insert(FollowUp),
                [
                    {"community_id": FIRST_COMMUNITY_ID, "household_id": household_id,
                     "kind": FollowUpKind.CALL, "owner_id": coordinator_id,
                     "due_at": NOW if start + offset < due else NOW + timedelta(days=7),
                     "next_step": 1,
                     "next_due_at": NOW if start + offset < due else NOW + timedelta(days=7),
                     "created_at": NOW}
                    for offset, household_id in enumerate(ids)
                ],
            )  # fmt: skip
        household_id = int(await session.scalar(select(func.min(Household.id))) or 0)
        resident = _person(2, UserRole.RESIDENT, "Zhou") | {"household_id": household_id}
        resident_id = await session.scalar(insert(User).returning(User.id), resident)
        volunteer_id = await session.scalar(
            insert(User).returning(User.id), _person(3, UserRole.VOLUNTEER, "Tao")
        )
        plan_id = await session.scalar(
            insert(CheckinPlan).returning(CheckinPlan.id),
            {"resident_id": resident_id, "community_id": FIRST_COMMUNITY_ID,
             "status": CheckinPlanStatus.ACTIVE, "times": ["09:00"], "weekdays": list(range(7)),
             "missed_in_row": 0, "created_at": NOW, "updated_at": NOW},
        )  # fmt: skip
        start_day = NOW - timedelta(days=DAYS)
        await session.execute(
            insert(Checkin),
            [
                {"plan_id": plan_id, "resident_id": resident_id,
                 "scheduled_at": start_day + timedelta(days=day),
                 "local_date": date(2024, 3, 2) + timedelta(days=day),
                 "status": CheckinStatus.FINE, "next_step": 0,
                 "answered_at": start_day + timedelta(days=day, minutes=5)}
                for day in range(DAYS)
            ],
        )  # fmt: skip
        await session.execute(
            insert(HelpRequest),
            [
                {"resident_id": resident_id, "community_id": FIRST_COMMUNITY_ID,
                 "category": RequestCategory.SHOPPING, "description": "买菜",
                 "timing": RequestTiming.ASAP, "day_part": DayPart.ANY,
                 "slot_start": start_day + timedelta(days=7 * n),
                 "slot_end": start_day + timedelta(days=7 * n, hours=2),
                 "status": RequestStatus.DONE, "created_at": start_day + timedelta(days=7 * n),
                 "updated_at": start_day + timedelta(days=7 * n), "rating": 5,
                 "rated_at": start_day + timedelta(days=7 * n, hours=5)}
                for n in range(100)
            ],
        )  # fmt: skip
        pairing_id = await session.scalar(
            insert(Pairing).returning(Pairing.id),
            {"volunteer_id": volunteer_id, "resident_id": resident_id,
             "community_id": FIRST_COMMUNITY_ID, "cadence": VisitCadence.WEEKLY, "weekday": 0,
             "local_time": "10:00", "active": True, "created_at": NOW},
        )  # fmt: skip
        await session.execute(
            insert(Visit),
            [
                {"pairing_id": pairing_id, "resident_id": resident_id,
                 "volunteer_id": volunteer_id, "kind": VisitKind.VISIT,
                 "scheduled_at": start_day + timedelta(days=14 * n + 1),
                 "status": VisitStatus.LOGGED, "next_step": 0, "outcome": VisitOutcome.DONE,
                 "wellbeing": 3, "logged_at": start_day + timedelta(days=14 * n + 1, hours=2),
                 "created_at": start_day}
                for n in range(50)
            ],
        )  # fmt: skip
        await session.execute(
            insert(Concern),
            [
                {"community_id": FIRST_COMMUNITY_ID, "description": "腿肿了，不肯看医生",
                 "household_id": household_id, "status": ConcernStatus.CLOSED,
                 "wants_outcome": False, "urgent": False, "version": 1,
                 "created_at": start_day + timedelta(days=70 * n)}
                for n in range(10)
            ],
        )  # fmt: skip
        await session.commit()
    return household_id


async def measured(work: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    """(seconds, peak MiB of Python memory, result)."""
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    result = await work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


async def main(households: int, due: int, database: str | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = database or f"sqlite+aiosqlite:///{Path(scratch) / 'bench.sqlite3'}"
        settings = load_settings(_env_file=None, default_locale="zh_Hans", coordinator_chat_id=-100)
        engine = create_engine(url)
        await upgrade_database(engine)
        factory = create_session_factory(engine)
        clock = ManualClock(NOW)
        started = time.perf_counter()
        household_id = await fill(factory, households, due)
        print(f"filled {households} households ({due} follow-ups due) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        async with factory() as session:
            coordinator = await session.scalar(select(User).where(User.telegram_id == 1))
            for page in (0, 999):

                async def open_file(page: int = page) -> case_file.CaseFile:
                    return await case_file.open_case_file(
                        session, settings, coordinator, household_id, clock=clock, page=page
                    )

                seconds, peak, case = await measured(open_file)
                print(f"case file page {min(page, case_file.pages(case.timeline) - 1) + 1} of "
                      f"{case_file.pages(case.timeline)} ({len(case.timeline)} entries): "
                      f"{seconds * 1000:.0f} ms, peak {peak:.1f} MiB")  # fmt: skip
            await session.commit()
        i18n = create_i18n("zh_Hans")
        for label in (f"{due} due", "none due"):
            async with factory() as session:
                notifier = Notifier(session, settings, clock, i18n)
                seconds, peak, acted = await measured(partial(run_follow_ups, notifier))
                await session.commit()
                queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
            print(f"follow-up tick, {label}: {acted} reminded in {seconds:.2f} s, "
                  f"peak {peak:.1f} MiB ({queued} messages queued in all)")  # fmt: skip
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--database", default=None, help="a scratch PostgreSQL URL")
    options = parser.parse_args()
    asyncio.run(main(options.households, options.due, options.database))
