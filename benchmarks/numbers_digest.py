"""The weekly numbers of many communities at once (run by hand).

    .venv/bin/python -m benchmarks.numbers_digest --communities 50 --households 20000

Fills a fresh SQLite database with `--communities` communities (each with its coordinators'
group and its weekly numbers due now) and `--households` residents spread over them, each with
a daily check-in plan and a week of check-ins (one in ten passed on to the chain); one request
per five residents (half of them done, with the minutes given) and one visit per ten. Then runs
the real `send_weekly_numbers` job once: each community's figures read, its chart (PNG) and
spreadsheet (XLSX) drawn, both queued in the outbox; prints its time, the peak of Python
allocations (tracemalloc, a second run) and the process's peak resident memory."""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, update

from benchmarks.checkin_tick import BATCH, fill
from bot.clock import ManualClock
from bot.config import load_settings
from bot.delivery.notifier import Notifier
from bot.i18n import create_i18n
from bot.scheduling.jobs import send_weekly_numbers
from bot.services.communities import add_community
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinStatus,
    HelpRequest,
    NumbersDigest,
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

NOW = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)  # Friday 09:00 in Shanghai
CATEGORIES = list(RequestCategory)


async def _communities(factory, clock: ManualClock, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    async with factory() as session:
        for number in range(count):
            row = await add_community(
                session,
                name=f"Community {number}",
                slug=f"c{number}",
                clock=clock,
                coordinator_chat_id=-200_000 - number,
            )
            ids.append(row.id)
        await session.commit()
    return ids


async def _week(factory, households: int) -> None:  # type: ignore[no-untyped-def]
    """A week of check-ins for every plan; requests and visits for some residents."""
    async with factory() as session:
        plans = (await session.execute(select(CheckinPlan.id, CheckinPlan.resident_id))).all()
        rows = []
        for number, (plan_id, resident_id) in enumerate(plans):
            for day in range(7):
                sent = NOW - timedelta(days=day, minutes=30)
                passed_on = (number + day) % 10 == 0
                rows.append({
                    "plan_id": plan_id, "resident_id": resident_id, "scheduled_at": sent,
                    "local_date": sent.date(), "sent_at": sent, "next_step": 0,
                    "status": CheckinStatus.ESCALATED if passed_on else CheckinStatus.FINE,
                    "answered_at": None if passed_on else sent + timedelta(minutes=3),
                    "escalated_at": sent + timedelta(hours=1) if passed_on else None,
                })  # fmt: skip
                if len(rows) >= BATCH:
                    await session.execute(insert(Checkin), rows)
                    rows = []
        if rows:
            await session.execute(insert(Checkin), rows)
        residents = (
            await session.execute(
                select(User.id, User.community_id).where(User.role == UserRole.RESIDENT)
            )
        ).all()
        volunteer = residents[0][0]  # any person: the numbers do not ask who
        requests, visits = [], []
        for number, (resident_id, community_id) in enumerate(residents):
            made = NOW - timedelta(days=number % 7, hours=2)
            if number % 5 == 0:
                done = number % 10 == 0
                requests.append({
                    "resident_id": resident_id, "community_id": community_id,
                    "category": CATEGORIES[number % len(CATEGORIES)], "description": "",
                    "timing": RequestTiming.ASAP, "slot_start": made, "slot_end": made,
                    "status": RequestStatus.DONE if done else RequestStatus.OPEN,
                    "created_at": made, "updated_at": made,
                    "volunteer_id": volunteer if done else None,
                    "claimed_at": made + timedelta(minutes=40) if done else None,
                    "done_at": made + timedelta(hours=1) if done else None,
                    "minutes_spent": 45 if done else None,
                })  # fmt: skip
            if number % 10 == 0:
                visits.append((resident_id, community_id, made))
        for start in range(0, len(requests), BATCH):
            await session.execute(insert(HelpRequest), requests[start : start + BATCH])
        for resident_id, community_id, at in visits:
            pairing = Pairing(
                volunteer_id=volunteer, resident_id=resident_id, community_id=community_id,
                cadence=VisitCadence.WEEKLY, weekday=0, local_time="10:00", created_at=at,
            )  # fmt: skip
            session.add(pairing)
            await session.flush()
            session.add(
                Visit(
                    pairing_id=pairing.id, resident_id=resident_id, volunteer_id=volunteer,
                    kind=VisitKind.VISIT, scheduled_at=at, status=VisitStatus.LOGGED,
                    outcome=VisitOutcome.DONE, wellbeing=resident_id % 5, minutes=60,
                    logged_at=at, created_at=at,
                )
            )  # fmt: skip
        await session.commit()


async def _all_due(factory, ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    async with factory() as session:
        await session.execute(update(NumbersDigest).values(next_due_at=NOW))
        existing = set(await session.scalars(select(NumbersDigest.community_id)))
        for community_id in ids:
            if community_id not in existing:
                session.add(
                    NumbersDigest(
                        community_id=community_id, weekday=4, hour=9, next_due_at=NOW, set_at=NOW
                    )
                )
        await session.commit()


async def run(communities: int, households: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}")
    await upgrade_database(engine)
    factory = create_session_factory(engine)
    clock = ManualClock(NOW - timedelta(days=8))
    settings = load_settings(_env_file=None, default_locale="zh_Hans")
    i18n = create_i18n("zh_Hans")
    started = time.perf_counter()
    ids = await _communities(factory, clock, communities)
    await fill(factory, clock, households, 0, communities=ids)
    await _week(factory, households)
    filled = time.perf_counter() - started
    clock.set(NOW + timedelta(seconds=30))
    figures = []
    for trace in (False, True):
        await _all_due(factory, ids)
        gc.collect()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        async with factory() as session:
            sent = await send_weekly_numbers(Notifier(session, settings, clock, i18n))
            await session.commit()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
        tracemalloc.stop()
        figures.append((sent, elapsed, peak))
    async with factory() as session:
        queued = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "numbers.digest")
        )
        size = await session.scalar(
            select(
                func.sum(func.length(func.json_extract(OutboxMessage.payload, "$.photo.upload")))
            )
        )
    await engine.dispose()
    (sent, elapsed, _), (_, _, peak) = figures
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    each = elapsed / max(sent, 1) * 1000
    chart_kib = int(size or 0) / 2 / max(sent, 1) / 1024
    print(f"{communities} communities, {households} households (filled in {filled:.1f} s)")
    print(f"  weekly numbers: {sent} groups in {elapsed:.2f} s ({each:.0f} ms each)")
    print(f"  peak Python allocations {peak:.1f} MiB; process peak RSS {rss:.0f} MiB")
    print(f"  {queued} outbox rows (two runs); each chart {chart_kib:.0f} KiB in base64")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=50)
    parser.add_argument("--households", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(run(args.communities, args.households))


if __name__ == "__main__":
    main()
