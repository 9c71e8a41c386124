"""One send budget shared through Redis by several processes (run by hand).

    .venv/bin/python -m benchmarks.shared_budget --users 4 --notices 10000 --rate 500

Starts --users processes, each with its own `SharedSendLimiter` (its own Redis connection, as
a bot process has) and as many request slots as the outbox sender would have at --rate; they
send --notices notices between them, each to a person of its own (a request takes --latency
seconds), while --alerts urgent alerts go out from one process or another. Prints the achieved
rate as a fraction of the budget, the most sends in any one-second window (it must not go over
the budget), the worst wait of an alert, and how long the backlog would have kept it, then the
same for processes that each keep only their own budget (`--compare`), which go over.

Needs Redis (--redis, default redis://127.0.0.1:6379/0); keys under a fresh prefix, removed
afterwards."""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.delivery.ratelimit import BULK, URGENT, SendLimits, SendRateLimiter
from bot.delivery.shared_budget import SharedSendLimiter


@dataclass(frozen=True)
class Job:
    user: int
    users: int
    notices: int
    rate: float
    latency: float
    alerts: int
    redis_url: str
    prefix: str
    shared: bool
    start_at: float  # time.monotonic() (system-wide on Linux) when every process begins


async def _send(limiter: SendRateLimiter, chat: int, level: int, latency: float) -> float:
    """What the outbox sender does for one row; when it was admitted."""
    while (wait := max(limiter.outbox_wait(), limiter.chat_wait(chat))) > 0:  # noqa: ASYNC110
        await asyncio.sleep(min(wait, 0.05))
    limiter.begin(chat)
    try:
        await limiter.admit(chat, level=level)
        admitted = time.monotonic()
        await asyncio.sleep(latency)
    finally:
        limiter.end(chat)
    return admitted


async def _user(job: Job) -> tuple[list[float], list[tuple[float, float]]]:
    limits = SendLimits(per_second=job.rate)
    limiter: SendRateLimiter = (
        SharedSendLimiter.from_url(job.redis_url, limits, prefix=job.prefix)
        if job.shared
        else SendRateLimiter(limits)
    )
    slots = max(1, min(256, max(4, math.ceil(job.rate / 4))))  # as OutboxSender's concurrency
    chats = [1_000_000 * (job.user + 1) + i for i in range(job.notices)]
    sent: list[float] = []
    alerts: list[tuple[float, float]] = []  # (asked, admitted)
    alert_turn = asyncio.Event()  # an alert waiting: this process's bulk leaves it the slot

    async def worker() -> None:
        while chats:
            if alert_turn.is_set():  # as the sender's queue, which would take the alert first
                await asyncio.sleep(0.002)
                continue
            sent.append(await _send(limiter, chats.pop(), BULK, job.latency))

    async def alerting() -> None:
        backlog_seconds = job.notices * job.users / job.rate
        for n in range(job.alerts):  # spread over the middle of the backlog
            at = job.start_at + backlog_seconds * (0.2 + 0.6 * (n + 0.5) / job.alerts)
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            if n % job.users != job.user:
                continue
            alert_turn.set()
            asked = time.monotonic()
            try:
                admitted = await _send(limiter, 10 * (job.user + 1) + n, URGENT, job.latency)
            finally:
                alert_turn.clear()
            alerts.append((asked, admitted))

    await asyncio.sleep(max(0.0, job.start_at - time.monotonic()))
    await asyncio.gather(alerting(), *(worker() for _ in range(slots)))
    await limiter.close()
    return sent, alerts


def _run_user(job: Job) -> tuple[list[float], list[tuple[float, float]]]:
    return asyncio.run(_user(job))


def busiest(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    most = first = 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def run(args: argparse.Namespace, *, shared: bool) -> None:
    prefix = f"linli:bench-budget:{{{uuid.uuid4().hex}}}:"
    share = args.notices // args.users
    start_at = time.monotonic() + 2.0  # every process started and connected by then
    jobs = [
        Job(u, args.users, share, args.rate, args.latency, args.alerts, args.redis, prefix,
            shared, start_at)
        for u in range(args.users)
    ]  # fmt: skip
    with multiprocessing.get_context("spawn").Pool(args.users) as pool:
        results = pool.map(_run_user, jobs)
    asyncio.run(_forget(args.redis, prefix))
    sent = sorted(t for times, _ in results for t in times)
    alerts = sorted(a for _, found in results for a in found)
    everything = sorted([*sent, *(admitted for _, admitted in alerts)])
    took = sent[-1] - start_at  # the notices' time (an alert may come after them)
    achieved = len(sent) / took
    worst = max((admitted - asked for asked, admitted in alerts), default=0.0)
    kind = "shared through Redis" if shared else "each process its own (no Redis)"
    print(f"\n{args.users} processes, budget {args.rate:g}/s, {kind}")
    print(f"  sent {len(sent)} notices in {took:.1f} s: {achieved:.1f}/s = "
          f"{achieved / args.rate:.2f} of the budget")  # fmt: skip
    most = busiest(everything)
    print(f"  most in any one-second window (alerts too): {most} of {math.floor(args.rate)} = "
          f"{most / args.rate:.2f} of the budget")  # fmt: skip
    if alerts:  # the notices still to go when an alert asked: what it would have waited for
        behind = min(len([t for t in sent if t > asked]) for asked, _ in alerts) / args.rate
        print(f"  {len(alerts)} urgent alerts: worst wait {worst * 1000:.0f} ms, while at "
              f"least {behind:.1f} s of notices were still waiting")  # fmt: skip


async def _forget(url: str, prefix: str) -> None:
    client = Redis.from_url(url)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=4, help="processes sharing the budget")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500.0, help="the budget, messages/s")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--alerts", type=int, default=8)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--compare", action="store_true", help="also without a shared budget")
    args = parser.parse_args()
    run(args, shared=True)
    if args.compare:
        run(args, shared=False)


if __name__ == "__main__":
    main()
