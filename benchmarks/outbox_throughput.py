"""Outbox throughput against the fake Telegram with flood control on (run by hand).

    .venv/bin/python -m benchmarks.outbox_throughput --recipients 10000 --rate 1000

Queues one broadcast message per recipient (plus, with --urgent N, N urgent alerts that arrive
while the broadcast is sending), drains them with one sender whose limit is --rate messages a
second against a fake Telegram whose global flood limit is the same, and prints the achieved
rate as a fraction of the limit, the 429s Telegram had to answer, the duplicates, and the worst
wait of an urgent alert. A fresh SQLite file by default; --database takes a PostgreSQL URL
of a scratch database (it is migrated and filled with outbox rows)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.clock import SystemClock
from bot.emulator import FloodLimits
from bot.emulator.server import FakeBotAPI
from bot.outbox import OutboxSender
from bot.ratelimit import SendLimits
from bot.services.outbox import Priority, enqueue_message
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database

URGENT_CHAT = 1


async def run(recipients: int, rate: float, urgent: int, database: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    url = database or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(url)
    await upgrade_database(engine)
    factory = create_session_factory(engine)
    clock = SystemClock()
    api = FakeBotAPI(flood_limits=FloodLimits(global_rate=rate, per_chat_burst=1))
    await api.start()
    assert api.base_url
    bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    api.user(URGENT_CHAT)
    chats = range(100_000, 100_000 + recipients)
    for chat in chats:
        api.user(chat)
    async with factory() as session:
        for chat in chats:
            await enqueue_message(
                session,
                chat_id=chat,
                text=f"notice {chat}",
                kind="broadcast",
                priority=Priority.BROADCAST,
                clock=clock,
            )
        await session.commit()

    sender = OutboxSender(bot, factory, clock, limits=SendLimits(per_second=rate), batch_size=100)
    waits: list[float] = []

    async def alerts() -> None:
        for index in range(urgent):
            await asyncio.sleep(recipients / rate / (urgent + 1))
            queued = time.perf_counter()
            async with factory() as session:
                await enqueue_message(
                    session,
                    chat_id=URGENT_CHAT,
                    text=f"ALERT {index}",
                    kind="alert",
                    priority=Priority.URGENT,
                    clock=clock,
                )
                await session.commit()
            sender.wake()
            await api.users[URGENT_CHAT].wait_for_message(
                lambda m, i=index: m.text == f"ALERT {i}", timeout=60
            )
            waits.append(time.perf_counter() - queued)

    started = time.perf_counter()
    sender.start()
    alert_task = asyncio.create_task(alerts())
    total = recipients + urgent
    await api.wait_until(lambda: len(api.delivered()) >= total, timeout=3600)
    elapsed = time.perf_counter() - started
    await alert_task
    await sender.stop()

    achieved = recipients / elapsed
    print(f"database            {engine.url.get_backend_name()}")
    print(f"recipients          {recipients} (+{urgent} urgent alerts)")
    print(f"limit               {rate:.0f} msg/s")
    print(f"elapsed             {elapsed:.2f} s")
    print(f"achieved            {achieved:.0f} msg/s = {achieved / rate:.3f} of the limit")
    print(f"429s caused         {len(api.flood_refusals)}")
    print(f"duplicates          {len(api.duplicate_texts())}")
    if waits:
        print(
            f"urgent wait         worst {max(waits) * 1000:.0f} ms, "
            f"median {statistics.median(waits) * 1000:.0f} ms"
        )
    await bot.session.close()
    await api.stop()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--urgent", type=int, default=0)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.recipients, args.rate, args.urgent, args.database))


if __name__ == "__main__":
    main()
