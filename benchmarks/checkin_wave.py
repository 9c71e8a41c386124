"""The 9:00 check-in wave of a district (run by hand).

    .venv/bin/python -m benchmarks.checkin_wave --elders 20000 --communities 50 --rate 500

Fills a fresh database (SQLite by default; --database takes a scratch PostgreSQL URL) with
--communities communities and --elders residents spread over them, every one with a daily
check-in at 09:00. At 09:00 (the clock is set so) the real scheduler job `run_checkins` takes
the wave while the real `OutboxSender`, held to --rate messages a second, sends it to a fake
Telegram in its own process whose flood limit is the same rate. Prints the time until the last
check-in reached Telegram, next to the least the send budget allows (elders / rate), as a
fraction; how long the scheduler took to queue the wave; and, per community, when its last
elder was asked (the spread shows whether one community waits behind the others)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from benchmarks.checkin_tick import FIRST_TELEGRAM_ID, TODAY_0900, fill
from benchmarks.outbox_throughput import freeze_startup_objects
from benchmarks.telegram_process import TelegramProcess
from bot.clock import OffsetClock
from bot.config import load_settings
from bot.delivery.notifier import Notifier
from bot.delivery.ratelimit import SendLimits
from bot.delivery.sender import OutboxSender
from bot.emulator.server import DEFAULT_TOKEN
from bot.i18n import create_i18n
from bot.scheduling.jobs import run_checkins
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import CommunityLevel
from storage.repositories import communities as community_queries

WARM_UP_CHAT = 1


async def make_communities(url: str, count: int) -> list[int]:
    """The first community and count - 1 more, under one street and district."""
    engine = create_engine(url)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    async with factory() as session:
        district = await community_queries.add(
            session, name="District", slug="district", level=CommunityLevel.DISTRICT,
            parent_id=None, at=now,
        )  # fmt: skip
        ids = [FIRST_COMMUNITY_ID]
        for number in range(1, count):
            row = await community_queries.add(
                session, name=f"Community {number}", slug=f"c{number}",
                level=CommunityLevel.COMMUNITY, parent_id=district.id, at=now,
                coordinator_chat_id=-1_000_000 - number,
            )  # fmt: skip
            ids.append(row.id)
        await session.commit()
    await engine.dispose()
    return ids


async def run(elders: int, communities: int, rate: float, database: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    url = database or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(url)
    await upgrade_database(engine)
    await engine.dispose()
    ids = await make_communities(url, communities)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    # 08:59:58 now, ticking: the wave is due in two seconds of real time.
    clock = OffsetClock(TODAY_0900 - timedelta(seconds=2) - datetime.now(UTC))
    filled = time.perf_counter()
    await fill(factory, clock, elders, elders, ids)
    filled = time.perf_counter() - filled

    users = [WARM_UP_CHAT, *(FIRST_TELEGRAM_ID + number for number in range(elders))]
    async with TelegramProcess(users, rate) as telegram:
        bot = Bot(
            DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url))
        )
        await bot.send_message(WARM_UP_CHAT, "warm-up")
        settings = load_settings(_env_file=None, default_locale="en", quiet_hours="off")
        i18n = create_i18n("en")
        sender = OutboxSender(
            bot, factory, clock, limits=SendLimits(per_second=rate), batch_size=100
        )
        await asyncio.sleep(max(0.0, (TODAY_0900 - clock.now()).total_seconds()))
        freeze_startup_objects()

        started = time.time()
        sender.start()
        queued_in = 0.0

        async def tick() -> None:
            nonlocal queued_in
            async with factory() as session:
                await run_checkins(Notifier(session, settings, clock, i18n))
                await session.commit()
            queued_in = time.time() - started

        async def wake_sender() -> None:
            while True:
                sender.wake()
                await asyncio.sleep(0.2)

        waking = asyncio.create_task(wake_sender())
        ticking = asyncio.create_task(tick())
        await telegram.wait_delivered(elders + 1)
        await ticking
        waking.cancel()
        await sender.stop()
        first: dict[int, float] = {}
        for chat, at, _text in (await telegram.sends())["sends"]:
            first.setdefault(chat, at)
        await bot.session.close()
    await engine.dispose()

    arrivals = [first[FIRST_TELEGRAM_ID + number] - started for number in range(elders)]
    last = max(arrivals)
    least = elders / rate
    per_community = [
        max(arrivals[number] for number in range(index, elders, communities))
        for index in range(communities)
    ]
    print(f"database            {engine.url.get_backend_name()}")
    print(f"elders              {elders} in {communities} communities (filled in {filled:.0f} s)")
    print(f"send budget         {rate:.0f} msg/s: the wave needs at least {least:.1f} s")
    print(f"scheduler queued    all {elders} check-ins in {queued_in:.1f} s")
    print(f"first check-in      {min(arrivals):.2f} s after 09:00")
    print(f"last check-in       {last:.1f} s after 09:00 = {least / last:.2f} of the budget")
    print(
        f"last per community  earliest {min(per_community):.1f} s, median "
        f"{statistics.median(per_community):.1f} s, latest {max(per_community):.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elders", type=int, default=20_000)
    parser.add_argument("--communities", type=int, default=50)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--database", default=None, help="a scratch PostgreSQL URL")
    args = parser.parse_args()
    asyncio.run(run(args.elders, args.communities, args.rate, args.database))


if __name__ == "__main__":
    main()
