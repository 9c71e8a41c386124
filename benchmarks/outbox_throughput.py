"""Outbox throughput against the fake Telegram with flood control on (run by hand).

    .venv/bin/python -m benchmarks.outbox_throughput --recipients 10000 --rate 1000

Queues one broadcast message per recipient (plus, with --urgent N, N urgent alerts that arrive
while the broadcast is sending), drains them with one sender whose limit is --rate messages a
second against a fake Telegram whose global flood limit is the same, and prints the achieved
rate as a fraction of the limit, the 429s Telegram had to answer, the duplicates, and the worst
wait of an urgent alert (from its commit to its arrival at Telegram). A fresh SQLite file by
default; --database takes a PostgreSQL URL of a scratch database (it is migrated and filled with
outbox rows).

The fake Telegram runs in its own process by default, as Telegram would: an HTTP request costs
the emulator about as much CPU as it costs the sender, and sharing one event loop (one core)
with it caps any sender far below 1000 messages a second. `--telegram inline` runs it in the
benchmark's own event loop, as before."""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bot.clock import SystemClock
from bot.delivery.outbox import Priority, enqueue_message
from bot.delivery.ratelimit import SendLimits
from bot.delivery.sender import OutboxSender
from bot.emulator import FloodLimits
from bot.emulator.server import DEFAULT_TOKEN, FakeBotAPI
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.repositories import outbox as outbox_queries

URGENT_CHAT = 1
FIRST_RECIPIENT = 100_000


@dataclass(frozen=True)
class TelegramFigures:
    delivered: int
    last_delivery_at: float  # time.time() of the last request that delivered
    refusals: int
    duplicates: int
    alerts_at: dict[str, float]  # alert text -> time.time() of the request that delivered it


def new_telegram(recipients: int, rate: float) -> FakeBotAPI:
    api = FakeBotAPI(flood_limits=FloodLimits(global_rate=rate, per_chat_burst=1))
    api.user(URGENT_CHAT)
    for chat in range(FIRST_RECIPIENT, FIRST_RECIPIENT + recipients):
        api.user(chat)
    return api


def figures(api: FakeBotAPI, full: bool) -> TelegramFigures:
    delivered = len(api.state.delivered.entries)  # api.delivered() copies: too slow to poll
    last = 0.0
    alerts: dict[str, float] = {}
    if full:
        for call in api.calls:
            if call.ok and call.method == "sendMessage":
                last = max(last, call.at)
                if call.params.get("chat_id") == URGENT_CHAT:
                    alerts[str(call.params.get("text"))] = call.at
    return TelegramFigures(
        delivered, last, len(api.flood_refusals), len(api.duplicate_texts()), alerts
    )


def serve_telegram(recipients: int, rate: float, port_out: Any) -> None:
    """The child process: a fake Telegram that also answers GET /_bench/figures[?full=1]."""

    async def serve() -> None:
        api = new_telegram(recipients, rate)
        stop = asyncio.Event()

        async def read_figures(request: web.Request) -> web.Response:
            found = figures(api, full="full" in request.query)
            return web.json_response(found.__dict__)

        async def stop_serving(_: web.Request) -> web.Response:
            stop.set()
            return web.json_response({})

        api.app.router.add_get("/_bench/figures", read_figures)
        api.app.router.add_post("/_bench/stop", stop_serving)
        freeze_startup_objects()
        port_out.send(await api.start())
        await stop.wait()
        await api.stop()

    asyncio.run(serve())


def freeze_startup_objects() -> None:
    """What a long-running asyncio service does once started: move the ~250,000 objects of the
    loaded libraries out of the garbage collector's sight, so a full collection does not stop
    the event loop for a third of a second (several times in a ten-second run otherwise)."""
    gc.collect()
    gc.freeze()


async def run(
    recipients: int,
    rate: float,
    urgent: int,
    database: str | None,
    telegram: str,
    gc_freeze: bool = True,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    url = database or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(url)
    await upgrade_database(engine)
    factory = create_session_factory(engine)
    clock = SystemClock()

    child: multiprocessing.process.BaseProcess | None = None
    api: FakeBotAPI | None = None
    control = aiohttp.ClientSession()
    if telegram == "process":
        context = multiprocessing.get_context("spawn")
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(
            target=serve_telegram, args=(recipients, rate, sending), daemon=True
        )
        child.start()
        base_url: str = await asyncio.to_thread(receiving.recv)

        async def read_figures(full: bool = False) -> TelegramFigures:
            query = "?full=1" if full else ""
            async with control.get(f"{base_url}/_bench/figures{query}") as response:
                return TelegramFigures(**await response.json())
    else:
        api = new_telegram(recipients, rate)
        base_url = await api.start()

        async def read_figures(full: bool = False) -> TelegramFigures:
            assert api is not None
            return figures(api, full)

    bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    chats = range(FIRST_RECIPIENT, FIRST_RECIPIENT + recipients)
    async with factory() as session:  # the rows `enqueue_message` writes, in one flush
        for chat in chats:
            outbox_queries.add(
                session,
                chat_id=chat,
                kind="broadcast",
                priority=int(Priority.BROADCAST),
                payload={"text": f"notice {chat}", "parse_mode": "HTML"},
                now=clock.now(),
            )
        await session.commit()

    # Warm up as a running bot would be (pydantic builds aiogram's response models on first
    # use, which takes a good part of a second), then let the flood window empty again.
    await bot.send_message(URGENT_CHAT, "warm-up")
    await asyncio.sleep(1.0)
    if gc_freeze:
        freeze_startup_objects()

    sender = OutboxSender(bot, factory, clock, limits=SendLimits(per_second=rate), batch_size=100)
    queued_at: dict[str, float] = {}

    async def alerts() -> None:
        for index in range(urgent):
            await asyncio.sleep(recipients / rate / (urgent + 1))
            text = f"ALERT {index}"
            async with factory() as session:
                await enqueue_message(
                    session,
                    chat_id=URGENT_CHAT,
                    text=text,
                    kind="alert",
                    priority=Priority.URGENT,
                    clock=clock,
                )
                await session.commit()
            queued_at[text] = time.time()
            sender.wake()

    total = 1 + recipients + urgent
    started = time.time()
    sender.start()
    alert_task = asyncio.create_task(alerts())
    await wait_for(lambda: read_figures(), lambda found: found.delivered >= total)
    await alert_task
    await sender.stop()
    found = await read_figures(full=True)
    elapsed = found.last_delivery_at - started

    achieved = recipients / elapsed
    print(f"database            {engine.url.get_backend_name()}")
    print(f"telegram            {telegram}")
    print(f"recipients          {recipients} (+{urgent} urgent alerts)")
    print(f"limit               {rate:.0f} msg/s")
    print(f"elapsed             {elapsed:.2f} s")
    print(f"achieved            {achieved:.0f} msg/s = {achieved / rate:.3f} of the limit")
    print(f"429s caused         {found.refusals}")
    print(f"duplicates          {found.duplicates}")
    waits = [found.alerts_at[text] - at for text, at in queued_at.items()]
    if waits:
        print(
            f"urgent wait         worst {max(waits) * 1000:.0f} ms, "
            f"median {statistics.median(waits) * 1000:.0f} ms"
        )
    await bot.session.close()
    if child is not None:
        async with control.post(f"{base_url}/_bench/stop"):
            pass
        await asyncio.to_thread(child.join, 10)
    if api is not None:
        await api.stop()
    await control.close()
    await engine.dispose()


async def wait_for(
    read: Callable[[], Awaitable[TelegramFigures]],
    done: Callable[[TelegramFigures], bool],
    every: float = 0.05,
) -> None:
    while True:
        if done(await read()):
            return
        await asyncio.sleep(every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--urgent", type=int, default=0)
    parser.add_argument("--database", default=None)
    parser.add_argument(
        "--telegram",
        choices=("process", "inline"),
        default="process",
        help="run the fake Telegram in its own process (default) or in this event loop",
    )
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the startup objects to the garbage collector (see freeze_startup_objects)",
    )
    args = parser.parse_args()
    asyncio.run(
        run(
            args.recipients,
            args.rate,
            args.urgent,
            args.database,
            args.telegram,
            gc_freeze=not args.no_gc_freeze,
        )
    )


if __name__ == "__main__":
    main()
