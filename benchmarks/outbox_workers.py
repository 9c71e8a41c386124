"""10,000 notices sent by several bot processes at once, within one send budget (run by hand).

    .venv/bin/python -m benchmarks.outbox_workers --workers 4 --notices 10000 --rate 100

A scratch PostgreSQL database at 127.0.0.1:5432 holds --notices broadcast rows, one per person;
--workers processes each run the real `OutboxSender`, as each worker of `linli run --workers`
does, sharing the send budget of --rate messages a second through Redis at 127.0.0.1:6379
(`SharedSendLimiter`); the fake Telegram runs in its own process with flood control at the
same rate. While the notices go out, --alerts urgent alerts are queued at even intervals.

Printed: the achieved rate as a fraction of the budget; the most messages Telegram received in
any one-second window (the budget must never be exceeded); the 429s and duplicates; the worst
wait of an urgent alert from its commit to Telegram. `--compare` runs the same with each process
keeping only its own budget, as without Redis: they go over it together."""

from __future__ import annotations

import argparse
import asyncio
import bisect
import multiprocessing
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from benchmarks.capacity import scratch_database
from benchmarks.outbox_throughput import freeze_startup_objects
from benchmarks.telegram_process import TelegramProcess
from bot.clock import SystemClock
from bot.delivery.outbox import Priority, enqueue_message
from bot.delivery.ratelimit import SendLimits
from bot.delivery.sender import OutboxSender
from bot.delivery.shared_budget import SharedSendLimiter
from bot.emulator.server import DEFAULT_TOKEN
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.repositories import outbox as outbox_queries

REDIS = "redis://127.0.0.1:6379/0"
URGENT_CHAT = 1
FIRST_RECIPIENT = 100_000


@dataclass(frozen=True)
class Worker:
    number: int
    database: str
    telegram: str
    rate: float
    shared: bool
    prefix: str


def run_worker(worker: Worker, stop: Any) -> None:
    """One process: a real OutboxSender until told to stop."""

    async def send() -> None:
        engine = create_engine(worker.database)
        factory = create_session_factory(engine)
        api = TelegramAPIServer.from_base(worker.telegram)
        bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=api))
        limits = SendLimits(per_second=worker.rate)
        limiter = (
            SharedSendLimiter.from_url(REDIS, limits, prefix=worker.prefix)
            if worker.shared
            else None
        )
        sender = OutboxSender(
            bot, factory, SystemClock(), limits=limits, limiter=limiter, batch_size=100
        )
        freeze_startup_objects()
        sender.start()
        await asyncio.to_thread(stop.wait)
        await sender.stop()
        await bot.session.close()
        await engine.dispose()

    asyncio.run(send())


async def fill(database: str, notices: int) -> None:
    engine = create_engine(database)
    await upgrade_database(engine)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    async with factory() as session:
        for chat in range(FIRST_RECIPIENT, FIRST_RECIPIENT + notices):
            outbox_queries.add(
                session, chat_id=chat, kind="broadcast", priority=int(Priority.BROADCAST),
                payload={"text": f"notice {chat}", "parse_mode": "HTML"}, now=now,
            )  # fmt: skip
        await session.commit()
    await engine.dispose()


def busiest_second(times: list[float]) -> int:
    """The most sends within any window of one second."""
    times = sorted(times)
    return max((bisect.bisect_left(times, at + 1.0) - i for i, at in enumerate(times)), default=0)


async def one_run(workers: int, notices: int, rate: float, alerts: int, shared: bool) -> None:
    async with scratch_database("postgresql") as database:
        await fill(database, notices)
        users = [URGENT_CHAT, *range(FIRST_RECIPIENT, FIRST_RECIPIENT + notices)]
        async with TelegramProcess(users, rate) as telegram:
            context = multiprocessing.get_context("spawn")
            stop = context.Event()
            prefix = f"bench:{uuid.uuid4().hex[:8]}"
            processes = [
                context.Process(
                    target=run_worker,
                    args=(Worker(n, database, telegram.url, rate, shared, prefix), stop),
                    daemon=True,
                )
                for n in range(workers)
            ]
            started = time.time()
            for process in processes:
                process.start()
            engine = create_engine(database)
            factory = create_session_factory(engine)
            queued_at: dict[str, float] = {}
            await telegram.wait_delivered(1, every=0.02)  # the workers are up and sending
            for index in range(alerts):
                await asyncio.sleep(notices / rate / (alerts + 1))
                text = f"ALERT {index}"
                async with factory() as session:
                    await enqueue_message(
                        session, chat_id=URGENT_CHAT, text=text, kind="alert",
                        priority=Priority.URGENT, clock=SystemClock(),
                    )  # fmt: skip
                    await session.commit()
                queued_at[text] = time.time()
            await telegram.wait_delivered(notices + alerts)
            found = await telegram.sends()
            stop.set()
            for process in processes:
                await asyncio.to_thread(process.join, 30)
            await engine.dispose()
    sends = found["sends"]
    times = [at for _chat, at, _text in sends]
    first_at = min(times)
    elapsed = max(times) - first_at
    alert_at = {text: at for chat, at, text in sends if chat == URGENT_CHAT}
    waits = [alert_at[text] - at for text, at in queued_at.items() if text in alert_at]
    print(f"{'one budget in Redis' if shared else 'a budget per process'}, {workers} processes:")
    print(f"  sent                {len(sends)} in {elapsed:.1f} s")
    print(f"  processes started   {first_at - started:.1f} s before the first send")
    achieved = len(sends) / elapsed
    print(f"  achieved            {achieved:.0f} msg/s = {achieved / rate:.2f} of {rate:.0f}/s")
    busiest = busiest_second(times)
    print(f"  busiest second      {busiest} messages = {busiest / rate:.2f} of the budget")
    print(f"  429s, duplicates    {found['refusals']}, {found['duplicates']}")
    if waits:
        print(
            f"  urgent alert wait   worst {max(waits) * 1000:.0f} ms, "
            f"median {statistics.median(waits) * 1000:.0f} ms ({len(waits)} alerts)"
        )


async def run(workers: int, notices: int, rate: float, alerts: int, compare: bool) -> None:
    await one_run(workers, notices, rate, alerts, shared=True)
    if compare:
        await one_run(workers, notices, rate, alerts, shared=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--alerts", type=int, default=10)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.workers, args.notices, args.rate, args.alerts, args.compare))


if __name__ == "__main__":
    main()
