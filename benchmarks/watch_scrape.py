"""What watching costs (run by hand): a scrape of /metrics and a /healthz with a big outbox,
and the counting each update pays.

    .venv/bin/python -m benchmarks.watch_scrape --finished 200000 --waiting 5000

Fills a fresh database (SQLite by default; --database takes a scratch PostgreSQL URL) with
`--finished` sent rows and `--waiting` pending ones, serves /metrics and /healthz as the bot
does (bot.watch.server) and prints the median and p99 time of each over `--requests`
requests; then the time the update middleware's counting takes per update."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import insert

from bot.clock import ManualClock
from bot.config import load_settings
from bot.watch.metrics import Metrics
from bot.watch.server import WatchServer
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import OutboxMessage, OutboxStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def fill(url: str, finished: int, waiting: int) -> None:
    engine = create_engine(url)
    await upgrade_database(engine)
    rows = [
        {
            "chat_id": 1000 + n % 5000,
            "kind": "bench.notice",
            "priority": 30,
            "method": "sendMessage",
            "payload": {"text": "x"},
            "status": OutboxStatus.SENT if n < finished else OutboxStatus.PENDING,
            "attempts": 1 if n < finished else 0,
            "not_before": NOW - timedelta(seconds=(finished + waiting - n) % 600),
            "created_at": NOW - timedelta(seconds=(finished + waiting - n) % 600),
        }
        for n in range(finished + waiting)
    ]
    async with create_session_factory(engine)() as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(OutboxMessage), rows[start : start + 5000])
        await session.commit()
    await engine.dispose()


async def timed(url: str, requests: int) -> tuple[float, float]:
    times = []
    async with aiohttp.ClientSession() as http:
        for _ in range(requests):
            started = time.perf_counter()
            async with http.get(url) as response:
                await response.read()
            times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000


def counting_cost(updates: int = 200_000) -> float:
    """Microseconds of the middleware's counting per update (a counter and a histogram)."""
    metrics = Metrics()
    started = time.perf_counter()
    for n in range(updates):
        kind = "message" if n % 2 else "callback_query"
        metrics.update_seconds.labels(type=kind).observe(0.004)
        metrics.updates.labels(type=kind, outcome="handled").inc()
    return (time.perf_counter() - started) / updates * 1e6


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
        await fill(url, args.finished, args.waiting)
        settings = load_settings(_env_file=None, database_url=url, watch_listen="127.0.0.1:0")
        engine = create_engine(url)
        server = WatchServer(
            settings, create_session_factory(engine), ManualClock(NOW), Metrics(), lambda: 0.0
        )
        await server.start()
        try:
            print(f"{engine.url.get_backend_name()}: {args.finished} finished rows, "
                  f"{args.waiting} waiting, {args.requests} requests each")  # fmt: skip
            for page in ("/metrics", "/healthz"):
                median, p99 = await timed(server.url + page, args.requests)
                print(f"  {page:9} median {median:6.2f} ms   p99 {p99:6.2f} ms")
        finally:
            await server.stop()
            await engine.dispose()
    print(f"  counting one update: {counting_cost():.2f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--finished", type=int, default=200_000)
    parser.add_argument("--waiting", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database", help="a scratch PostgreSQL URL (its outbox is filled)")
    asyncio.run(main(parser.parse_args()))
