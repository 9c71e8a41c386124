"""How many updates a second `linli run --webhook --workers N` keeps up with (run by hand).

    .venv/bin/python -m benchmarks.workers --workers 1,4 --people 300 --seconds 10

For each N: a scratch PostgreSQL database at 127.0.0.1:5432, Redis at 127.0.0.1:6379 (the
workers share conversations, event isolation and the send budget there), and the real `linli
run --webhook --workers N` as its own process tree; the fake Telegram in this process POSTs
each update to the workers as Telegram does (at most 40 at once, one chat's in order) and
plays --people distinct people. Updates are offered open-loop at a rate (each at its time,
whether or not earlier ones were answered), alternating /start (a new person: rows written) and
/help (a read), from a person chosen in turn; the time of an update is from its offer to the
workers' 2xx, which comes only after its transaction committed.

The rate rises by half each step from --start until p99 passes 200 ms or the workers fall
behind; the highest rate held is printed per N, and the ratio of the largest N to 1. The
machine's cores bound the ratio: print them beside it."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from benchmarks.capacity import scratch_database
from bot.emulator.server import FakeBotAPI

SECRET = "benchmark-secret_0123456789"
PATH = "/telegram/updates"
REDIS = "redis://127.0.0.1:6379/0"
P99_HELD_MS = 200.0
FIRST_PERSON = 5_000_000


@dataclass
class Step:
    rate: float
    handled_per_s: float
    p50_ms: float
    p99_ms: float
    behind: int  # offered but not answered within a few seconds of the end


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_workers(
    telegram: FakeBotAPI, workers: int, url: str, workdir: Path
) -> asyncio.subprocess.Process:
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        "DATA_DIR": str(workdir / "data"),
        "DATABASE_URL": url,
        "REDIS_URL": REDIS,
        "DEFAULT_LOCALE": "en",
        "LOG_LEVEL": "WARNING",
        "OUTBOX_RATE": "1000",  # handling is measured, not Telegram's 30 a second
        "QUIET_HOURS": "off",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}{PATH}",
        "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        "WEBHOOK_SECRET": SECRET,
    }
    linli = Path(sys.executable).with_name("linli")
    command = [str(linli)] if linli.exists() else [sys.executable, "-m", "bot"]
    process = await asyncio.create_subprocess_exec(
        *command, "run", "--webhook", "--workers", str(workers), env=env, cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    await telegram.wait_until(lambda: len(telegram.calls_to("setWebhook")) >= workers, 120)
    return process


async def offer(telegram: FakeBotAPI, people: int, rate: float, seconds: float, first: int) -> Step:
    """Offer rate * seconds updates, open-loop; wait a little for the last answers."""
    offered: dict[int, float] = {}
    done: dict[int, float] = {}
    total = int(rate * seconds)
    started = time.perf_counter()

    async def watch() -> None:
        while True:
            now = time.perf_counter()
            for update_id in [u for u in offered if u not in done]:
                if telegram.state.is_processed(update_id):
                    done[update_id] = now
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    for index in range(total):
        due = started + index / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        number = first + index
        person = telegram.users.get(FIRST_PERSON + number % people) or telegram.user(
            FIRST_PERSON + number % people, first_name=f"P{number % people}", language_code="en"
        )
        command = "/start" if (number // people) % 2 == 0 else "/help"
        update = await person.send_command(command, wait=False)
        offered[update["update_id"]] = time.perf_counter()
    deadline = time.perf_counter() + 5
    while len(done) < len(offered) and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    watcher.cancel()
    took = [(done[u] - at) * 1000 for u, at in offered.items() if u in done]
    window = max(done.values(), default=started) - started
    quantiles = statistics.quantiles(took, n=100) if len(took) > 1 else [0.0] * 99
    return Step(
        rate=rate,
        handled_per_s=len(done) / max(window, 1e-9),
        p50_ms=statistics.median(took) if took else 0.0,
        p99_ms=quantiles[98],
        behind=len(offered) - len(done),
    )


async def forget_keys(bot_id: int) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS)
    for pattern in (f"fsm:{bot_id}:*", f"linli:budget:{{{bot_id}}}*"):
        async for key in client.scan_iter(match=pattern):
            await client.delete(key)
    await client.aclose()


def held(step: Step) -> bool:
    return step.behind == 0 and step.p99_ms <= P99_HELD_MS


async def highest_held(workers: int, people: int, seconds: float, start: float) -> float:
    # A bot id of its own: the conversations and the send budget it keeps in Redis start empty.
    bot_id = secrets.randbelow(10**9) + 10**9
    async with (
        scratch_database("postgresql") as url,
        FakeBotAPI(f"{bot_id}:{uuid.uuid4().hex}") as telegram,
    ):
        with TemporaryDirectory(prefix="linli-workers-") as directory:
            process = await start_workers(telegram, workers, url, Path(directory))
            try:
                best, rate, first = 0.0, start, 0
                while True:
                    step = await offer(telegram, people, rate, seconds, first)
                    first += int(rate * seconds)
                    print(
                        f"  {workers} worker(s) at {rate:6.1f}/s: "
                        f"handled {step.handled_per_s:6.1f}/s"
                        f"  p50 {step.p50_ms:6.0f} ms  p99 {step.p99_ms:6.0f} ms"
                        f"  behind {step.behind}",
                        flush=True,
                    )
                    if not held(step):
                        return best
                    best, rate = rate, rate * 1.5
                    await asyncio.sleep(2)  # let the backlog of sends drain
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
                await forget_keys(bot_id)


async def run(counts: list[int], people: int, seconds: float, start: float) -> None:
    best = {}
    for workers in counts:
        best[workers] = await highest_held(workers, people, seconds, start)
    print(f"cores               {os.cpu_count()}")
    for workers, rate in best.items():
        print(f"{workers} worker(s)         held {rate:.1f} updates/s, p99 <= {P99_HELD_MS:.0f} ms")
    most = max(counts)
    if 1 in best and best[1] > 0 and most != 1:
        print(f"{most} workers / 1      {best[most] / best[1]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,4", help="comma-separated worker counts")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--start", type=float, default=10.0, help="the first rate offered")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    asyncio.run(run(counts, args.people, args.seconds, args.start))


if __name__ == "__main__":
    main()
