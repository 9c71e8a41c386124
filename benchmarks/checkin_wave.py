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
import multiprocessing
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from benchmarks.checkin_tick import FIRST_TELEGRAM_ID, TODAY_0900, fill
from benchmarks.outbox_throughput import freeze_startup_objects
from bot.clock import OffsetClock
from bot.config import load_settings
from bot.delivery.notifier import Notifier
from bot.delivery.ratelimit import SendLimits
from bot.delivery.sender import OutboxSender
from bot.emulator import FloodLimits
from bot.emulator.server import DEFAULT_TOKEN, FakeBotAPI
from bot.i18n import create_i18n
from bot.scheduling.jobs import run_checkins
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import CommunityLevel
from storage.repositories import communities as community_queries

WARM_UP_CHAT = 1


def serve_telegram(elders: int, rate: float, port_out: Any) -> None:
    """The child process: a fake Telegram that answers GET /_bench/arrivals with the time each
    chat got its first message, and POST /_bench/stop."""

    async def serve() -> None:
        api = FakeBotAPI(flood_limits=FloodLimits(global_rate=rate, per_chat_burst=1))
        api.user(WARM_UP_CHAT)
        for number in range(elders):
            api.user(FIRST_TELEGRAM_ID + number)
        stop = asyncio.Event()

        async def arrivals(_: web.Request) -> web.Response:
            first: dict[int, float] = {}
            for call in api.calls:
                if call.ok and call.method == "sendMessage":
                    first.setdefault(int(call.params["chat_id"]), call.at)
            return web.json_response({"delivered": len(api.state.delivered.entries),
                                      "first": first})  # fmt: skip

        async def count(_: web.Request) -> web.Response:
            return web.json_response({"delivered": len(api.state.delivered.entries)})

        async def stop_serving(_: web.Request) -> web.Response:
            stop.set()
            return web.json_response({})

        api.app.router.add_get("/_bench/arrivals", arrivals)
        api.app.router.add_get("/_bench/count", count)
        api.app.router.add_post("/_bench/stop", stop_serving)
        freeze_startup_objects()
        port_out.send(await api.start())
        await stop.wait()
        await api.stop()

    asyncio.run(serve())


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

    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=serve_telegram, args=(elders, rate, sending), daemon=True)
    child.start()
    base_url: str = await asyncio.to_thread(receiving.recv)
    control = aiohttp.ClientSession()
    bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    await bot.send_message(WARM_UP_CHAT, "warm-up")
    settings = load_settings(_env_file=None, default_locale="en", quiet_hours="off")
    i18n = create_i18n("en")
    sender = OutboxSender(bot, factory, clock, limits=SendLimits(per_second=rate), batch_size=100)
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
    while True:
        async with control.get(f"{base_url}/_bench/count") as response:
            if (await response.json())["delivered"] >= elders + 1:
                break
        await asyncio.sleep(0.1)
    await ticking
    waking.cancel()
    await sender.stop()
    async with control.get(f"{base_url}/_bench/arrivals") as response:
        first = {int(chat): at for chat, at in (await response.json())["first"].items()}
    async with control.post(f"{base_url}/_bench/stop"):
        pass
    await control.close()
    await bot.session.close()
    await asyncio.to_thread(child.join, 10)
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
