"""One send budget for every process of the bot, through the real Redis: two limiters (as two
processes would hold) together never go over the overall rate, a chat's one a second or a
group's twenty a minute; an urgent message does not wait behind their backlog; and two real
bots on one emulator, outbox and direct replies together, stay within Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.delivery import shared_budget
from bot.delivery.outbox import Priority, enqueue_message
from bot.delivery.ratelimit import BULK, URGENT, SendLimits, SendRateLimiter
from bot.delivery.send_budget import budget_prefix
from bot.delivery.shared_budget import SharedSendLimiter
from bot.emulator.flood import FloodLimits
from bot.emulator.server import FakeBotAPI
from tests.e2e.harness import RunningBot
from tests.e2e.test_redis import ON_REDIS, REDIS_URL, _redis_or_skip

pytestmark = ON_REDIS  # with the other Redis tests, one after another (timing matters here)

Limiter = SendRateLimiter
MakeLimiter = Callable[[SendLimits], Limiter]


async def _forget(client: object, prefix: str) -> None:
    keys = [key async for key in client.scan_iter(match=prefix + "*")]  # type: ignore[attr-defined]
    if keys:
        await client.delete(*keys)  # type: ignore[attr-defined]


@pytest.fixture
async def make_limiter() -> AsyncIterator[MakeLimiter]:
    """Limiters sharing one budget in Redis, each with its own connection (as a process has),
    under a key prefix of this test's own, removed afterwards."""
    client = await _redis_or_skip()
    prefix = f"linli:test-budget:{{{uuid.uuid4().hex}}}:"
    made: list[Limiter] = []

    def make(limits: SendLimits) -> Limiter:
        limiter = SharedSendLimiter.from_url(REDIS_URL, limits, prefix=prefix)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.close()
    await _forget(client, prefix)
    await client.aclose()  # type: ignore[attr-defined]


@dataclass
class Sends:
    """When each send was admitted (this process's clock), by chat."""

    at: list[tuple[float, int]] = field(default_factory=list)

    def times(self, chat: int | None = None) -> list[float]:
        return sorted(t for t, c in self.at if chat is None or c == chat)


_urgent_waiting: Counter[int] = Counter()  # limiter -> urgent sends waiting for a local slot


async def send_one(limiter: Limiter, chat: int, sends: Sends, level: int = BULK) -> float:
    """What the outbox sender does for one message (its local waits, with the most urgent
    taking the next local slot as the sender's queue has it, `begin`, `admit`, the request,
    `end`); seconds it waited."""
    started = time.monotonic()
    _urgent_waiting[id(limiter)] += level > BULK
    try:
        while (  # noqa: ASYNC110 - times, not events
            (wait := max(limiter.outbox_wait(), limiter.chat_wait(chat))) > 0
            or (level == BULK and _urgent_waiting[id(limiter)])
        ):
            await asyncio.sleep(min(wait, 0.05) or 0.005)
    finally:
        _urgent_waiting[id(limiter)] -= level > BULK
    limiter.begin(chat)
    try:
        await limiter.admit(chat, level=level)
        sends.at.append((time.monotonic(), chat))
        await asyncio.sleep(0.002)  # the request on its way
    finally:
        limiter.end(chat)
    return sends.at[-1][0] - started


async def send_all(limiter: Limiter, chats: list[int], sends: Sends, *, workers: int) -> None:
    """`chats` sent by `workers` requests at a time, as the outbox sender's slots would."""
    left = list(reversed(chats))

    async def worker() -> None:
        while left:
            await send_one(limiter, left.pop(), sends)

    await asyncio.gather(*(worker() for _ in range(workers)))


def busiest(times: list[float], window: float) -> int:
    """The most sends in any half-open window of `window` seconds."""
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_two_processes_together_keep_the_overall_rate(make_limiter: MakeLimiter) -> None:
    rate = 30
    a, b = make_limiter(SendLimits(per_second=rate)), make_limiter(SendLimits(per_second=rate))
    sends = Sends()
    started = time.monotonic()
    await asyncio.gather(
        send_all(a, list(range(1000, 1060)), sends, workers=6),
        send_all(b, list(range(2000, 2060)), sends, workers=6),
    )
    took = time.monotonic() - started
    assert len(sends.at) == 120
    assert busiest(sends.times(), 1.0) <= rate  # each alone would have sent 30 a second
    assert took >= (120 - rate) / rate - 0.1  # so the whole took three seconds at least


async def test_a_private_chat_gets_one_message_a_second(make_limiter: MakeLimiter) -> None:
    a, b = make_limiter(SendLimits()), make_limiter(SendLimits())
    sends = Sends()
    await asyncio.gather(
        send_all(a, [777, 777], sends, workers=2),
        send_all(b, [777, 777], sends, workers=2),
    )
    times = sends.times(777)
    assert len(times) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.999, gaps  # Redis' clock and this one's may differ by a hair


async def test_a_message_waits_for_one_under_way_to_the_same_chat_only_until_a_second_after(
    make_limiter: MakeLimiter,
) -> None:
    """A reply to a person while another process's message to them is still on its way (a
    slow Telegram): it goes a second after that one's answer, not when its place would
    expire unanswered."""
    a, b = make_limiter(SendLimits()), make_limiter(SendLimits())
    a.begin(777)
    await a.admit(777)
    replied = asyncio.create_task(b.admit(777))
    await asyncio.sleep(0.3)  # the first request takes this long to be answered
    answered = time.monotonic()
    a.end(777)
    await asyncio.wait_for(replied, 5)
    assert 0.95 <= time.monotonic() - answered < 1.3


async def test_a_group_gets_twenty_messages_a_minute(make_limiter: MakeLimiter) -> None:
    """Thirty messages for one group from two processes: twenty go, the others are told to
    wait for the minute to pass (the test does not wait for it)."""
    group = -100_555
    a, b = make_limiter(SendLimits()), make_limiter(SendLimits())
    sends = Sends()
    tasks = [asyncio.create_task(send_one(limiter, group, sends)) for limiter in (a, b) * 15]
    started = time.monotonic()
    while len(sends.at) < 20 and time.monotonic() - started < 10:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await asyncio.sleep(1.5)  # what would go too many has the time to
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert len(sends.at) == 20
    assert busiest(sends.times(group), 60.0) == 20


async def test_an_urgent_message_does_not_wait_behind_the_backlog(
    make_limiter: MakeLimiter,
) -> None:
    """Four processes with seconds of backlog at the full shared rate, each sending five at a
    time (as the outbox sender's slots do at this rate): each of five alerts, from one process
    or another, takes one of the next places instead of its turn among the twenty requests
    waiting."""
    rate = 25
    limiters = [make_limiter(SendLimits(per_second=rate)) for _ in range(4)]
    sends = Sends()
    backlog = [
        asyncio.create_task(send_all(limiter, [n * 1000 + i for i in range(40)], sends, workers=5))
        for n, limiter in enumerate(limiters, start=1)
    ]
    while len(sends.at) < rate:  # noqa: ASYNC110 - the budget is full and will stay so
        await asyncio.sleep(0.01)
    waits: list[float] = []
    overtaken: list[int] = []
    for alert in range(9000, 9005):
        asked = time.monotonic()
        waits.append(await send_one(limiters[alert % 4], alert, sends, level=URGENT))
        overtaken.append(len([c for t, c in sends.at if asked < t < sends.times(alert)[0]]))
        await asyncio.sleep(0.2)
    left = 160 - len(sends.at)
    await asyncio.gather(*backlog)
    assert left / rate > 1  # the backlog was still there after the last alert
    assert max(waits) < 0.5, f"the alerts waited {waits} s"
    # Requests already being admitted may still go first (4 once on a loaded machine), but
    # never the twenty waiting: an alert in its turn would see them all go before it.
    assert max(overtaken) < 10, f"so many went before each alert: {overtaken}"
    assert busiest(sends.times(), 1.0) <= rate


class RedisLine:
    """A TCP line to the real Redis that the test can cut (and mend): Redis going away."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 6379)
        self.writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        self.writers.clear()
        await self.server.wait_closed()


async def test_redis_going_away_mid_run_leaves_each_process_its_own_budget(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis away mid-run: sending goes on, within this process's own budget, with a warning;
    once Redis answers again the places are counted there again."""
    client = await _redis_or_skip()
    monkeypatch.setattr(shared_budget, "OFFLINE_RETRY", 0.3)
    line = RedisLine()
    await line.open()
    prefix = f"linli:test-budget:{{{uuid.uuid4().hex}}}:"
    limiter = SharedSendLimiter.from_url(
        f"redis://127.0.0.1:{line.port}/0", SendLimits(per_second=50), prefix=prefix
    )
    sends = Sends()
    try:
        with caplog.at_level(logging.WARNING, logger="linli.send_budget"):
            await send_all(limiter, list(range(1000, 1010)), sends, workers=2)
            assert await client.zcard(prefix + "sent") == 10  # type: ignore[attr-defined]
            await line.cut()
            await send_all(limiter, list(range(2000, 2020)), sends, workers=4)
            limiter.pause(0.01)  # nor does a 429 fail for want of Redis
            await asyncio.sleep(0.4)
            seconds, micros = await client.time()  # type: ignore[attr-defined]
            await line.open()
            deadline = time.monotonic() + 5
            while not back(caplog) and time.monotonic() < deadline:
                await send_one(limiter, 3000 + len(sends.at), sends)
                await asyncio.sleep(0.05)
            await send_one(limiter, 4000, sends)
            counted_again = await client.zcount(  # type: ignore[attr-defined]
                prefix + "sent", seconds * 1000 + micros / 1000, "+inf"
            )
    finally:
        await limiter.close()
        await line.cut()
        await _forget(client, prefix)
        await client.aclose()  # type: ignore[attr-defined]
    assert len(sends.at) >= 31
    assert busiest(sends.times(), 1.0) <= 50
    logged = [r.message for r in caplog.records]
    assert len([m for m in logged if "send_budget_redis_unreachable" in m]) == 1
    assert back(caplog) == 1
    assert counted_again >= 1  # the last ones took their places in Redis again


def back(caplog: pytest.LogCaptureFixture) -> int:
    return len([r for r in caplog.records if "send_budget_redis_back" in r.message])


# Two real bots: one emulator, one database, one Redis.


async def test_two_bots_send_within_one_budget(tmp_path: Path, clock: ManualClock) -> None:
    """Both bots' outbox senders drain one outbox (notices to people and to a group) while
    each also answers people directly: Telegram never sees more than the rate in any second,
    two messages to one person less than a second apart, or more than twenty a minute in the
    group, and never has to say 429."""
    client = await _redis_or_skip()
    rate = 12
    bot_id = random.randrange(10**9, 2 * 10**9)
    telegram = FakeBotAPI(
        f"{bot_id}:budget-test",
        flood_limits=FloodLimits(global_rate=rate, per_group_rate=20),
    )
    await telegram.start()
    people, repliers, group = list(range(5000, 5036)), list(range(6000, 6012)), -100_777
    for chat in [*people, *repliers]:
        telegram.user(chat)
    telegram.group(group, "Volunteers")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'linli.sqlite3'}"
    bots = [
        RunningBot(
            telegram,
            telegram.base_url,
            clock,
            database_url=database_url,
            redis_url=REDIS_URL,
            outbox_rate=rate,
            default_locale="en",
        )
        for _ in range(2)
    ]
    try:
        for running in bots:
            await running.start()
        async with bots[0].app.session_factory() as session:
            for chat in [*people, *[group] * 24]:
                await enqueue_message(
                    session, chat_id=chat, text=f"notice {chat}", kind="test",
                    priority=Priority.NOTICE, clock=clock,
                )  # fmt: skip
            await session.commit()
        for running in bots:
            running.app.dispatcher["outbox"].wake()

        async def answer(running: RunningBot, chats: list[int]) -> None:
            for chat in chats:
                await running.app.bot.send_message(chat, f"your answer {chat}")

        # direct replies from both, some to people the outbox also writes to
        await asyncio.gather(
            answer(bots[0], repliers[:6] + people[:3]), answer(bots[1], repliers[6:] + people[3:6])
        )
        want = len(people) + len(repliers) + 6 + 20

        def sent() -> list[float]:
            return [c.at for c in telegram.calls_to("sendMessage") if c.ok]

        await telegram.wait_until(lambda: len(sent()) >= want, timeout=30)
        await asyncio.sleep(1.0)  # a twenty-first to the group would go now
    finally:
        for running in bots:
            await running.stop()
        await telegram.stop()
        await _forget(client, budget_prefix(bot_id))
        await client.aclose()  # type: ignore[attr-defined]
    calls = [c for c in telegram.calls_to("sendMessage") if c.ok]
    assert telegram.flood_refusals == []
    assert len(calls) == want
    assert busiest([c.at for c in calls], 1.0) <= rate
    for chat in [*people, *repliers]:
        times = sorted(c.at for c in calls if c.params["chat_id"] == chat)
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times)), chat
    assert len([c for c in calls if c.params["chat_id"] == group]) == 20
