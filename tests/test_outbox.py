"""The outbox sender against the fake Telegram: order, limits, refusals, crashes, two senders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.delivery.outbox import Priority, enqueue_message
from bot.delivery.ratelimit import SendLimits, SendRateLimiter
from bot.delivery.sender import OutboxSender
from bot.emulator import FloodLimits
from bot.emulator.server import FakeBotAPI
from bot.services.users import TelegramProfile, sync_user
from storage.models import OutboxMessage, OutboxStatus, User
from storage.repositories import outbox as outbox_queries

# On PostgreSQL too: the outbox's claims, leases and order are queries.
pytestmark = pytest.mark.postgresql


def sender_for(
    bot: Bot, factory: async_sessionmaker[AsyncSession], clock: ManualClock, **kw: object
) -> OutboxSender:
    return OutboxSender(bot, factory, clock, **{"limits": SendLimits(per_second=500), **kw})  # type: ignore[arg-type]


async def queue(
    factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    messages: list[tuple[int, str, Priority]],
) -> None:
    async with factory() as session:
        for chat_id, text, priority in messages:
            await enqueue_message(
                session, chat_id=chat_id, text=text, kind="test", priority=priority, clock=clock
            )
        await session.commit()


async def statuses(factory: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with factory() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        return {row.payload["text"]: str(row.status) for row in rows}


def after_the_leases() -> ManualClock:
    """A clock for a sender that comes along once every lease taken now has run out."""
    return ManualClock(datetime.now(UTC) + timedelta(minutes=5))


async def drain(sender: OutboxSender, rounds: int = 20) -> None:
    for _ in range(rounds):
        if await sender.drain_once() == 0:
            return


async def test_urgent_goes_first_and_each_message_once(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    for chat in (11, 12, 13):
        telegram.user(chat)
    await queue(
        session_factory,
        clock,
        [
            (11, "notice", Priority.BROADCAST),
            (12, "reminder", Priority.REMINDER),
            (13, "ALERT", Priority.URGENT),
        ],
    )
    await drain(sender_for(bot, session_factory, clock))
    assert [d.text for d in telegram.delivered()] == ["ALERT", "reminder", "notice"]
    assert set((await statuses(session_factory)).values()) == {"sent"}
    await drain(sender_for(bot, session_factory, clock))  # another sender finds nothing to do
    assert len(telegram.delivered()) == 3


async def test_flood_wait_pauses_and_resends_once(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    telegram.user(21)
    telegram.inject("sendMessage", error=429, retry_after=1, times=1)
    await queue(session_factory, clock, [(21, "after the wait", Priority.NOTICE)])
    await drain(sender_for(bot, session_factory, clock))
    assert [d.text for d in telegram.delivered(21)] == ["after the wait"]
    assert (await statuses(session_factory))["after the wait"] == "sent"


async def test_server_errors_are_retried_then_given_up(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    telegram.user(31)
    telegram.user(32)
    telegram.inject("sendMessage", error=502, times=2, chat_id=31)
    telegram.inject("sendMessage", error=500, times=None, chat_id=32)
    await queue(
        session_factory, clock, [(31, "flaky", Priority.NOTICE), (32, "down", Priority.NOTICE)]
    )
    sender = sender_for(bot, session_factory, clock, max_attempts=3)
    for _ in range(4):
        await drain(sender)
        clock.advance(timedelta(minutes=5))  # past the backoff
    assert [d.text for d in telegram.delivered(31)] == ["flaky"]
    assert await statuses(session_factory) == {"flaky": "sent", "down": "failed"}


async def test_blocked_person_is_marked_and_spared(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    telegram.user(41)
    async with session_factory() as session:
        await sync_user(
            session, TelegramProfile(41, None, "en"), clock=clock, default_timezone="UTC"
        )
        await session.commit()
    telegram.block(41)
    await queue(session_factory, clock, [(41, "first", Priority.NOTICE)])
    await drain(sender_for(bot, session_factory, clock))
    await queue(
        session_factory,
        clock,
        [(41, "later notice", Priority.BROADCAST), (41, "urgent", Priority.URGENT)],
    )
    async with session_factory() as session:
        person = await session.scalar(select(User).where(User.telegram_id == 41))
        assert person is not None and person.unreachable_at == clock.now()
    result = await statuses(session_factory)
    assert result["first"] == "blocked" and result["later notice"] == "skipped"
    assert result["urgent"] == "pending"  # urgent messages are still tried


async def test_a_crash_mid_send_never_resends_and_loses_nothing_else(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    for chat in (51, 52, 53):
        telegram.user(chat)
    await queue(session_factory, clock, [(51 + i, f"m{i}", Priority.NOTICE) for i in range(3)])
    async with session_factory() as session:  # a sender that died: one row mid-request, one claimed
        lapsed = datetime.now(UTC) - timedelta(seconds=1)  # its leases have run out
        rows = await outbox_queries.claim_due(
            session, now=clock.now(), worker="dead", limit=2, lease_until=lapsed
        )
        await outbox_queries.mark_sending(
            session, rows[0].id, worker="dead", now=clock.now(), lease_until=lapsed
        )
        await session.commit()
    sender = sender_for(bot, session_factory, clock)
    await sender.recover()
    await drain(sender)
    assert await statuses(session_factory) == {"m0": "interrupted", "m1": "sent", "m2": "sent"}
    assert sorted(d.text for d in telegram.delivered()) == ["m1", "m2"]


async def test_two_senders_deliver_every_message_exactly_once(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    people = range(1000, 1150)
    for chat in people:
        telegram.user(chat)
    await queue(
        session_factory, clock, [(chat, f"hello {chat}", Priority.BROADCAST) for chat in people]
    )
    first = sender_for(bot, session_factory, clock, batch_size=10)
    second = sender_for(bot, session_factory, clock, batch_size=10)
    await asyncio.gather(drain(first, 100), drain(second, 100))
    assert telegram.delivered_counts() == {chat: 1 for chat in people}
    assert not telegram.duplicate_texts()


async def test_paced_within_telegram_limits(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Three messages to one person and a burst to many: Telegram never has to say 429."""
    telegram.set_flood_limits(FloodLimits(global_rate=30))
    for chat in range(61, 101):
        telegram.user(chat)
    await queue(
        session_factory,
        clock,
        [(61, f"to one {i}", Priority.NOTICE) for i in range(3)]
        + [(chat, "to many", Priority.BROADCAST) for chat in range(62, 101)],
    )
    sender = sender_for(bot, session_factory, clock, limits=SendLimits(per_second=25))
    for _ in range(50):
        await drain(sender)
        if len(telegram.delivered()) == 42:
            break
        await asyncio.sleep(0.2)
    assert len(telegram.delivered()) == 42
    assert telegram.flood_refusals == []
    assert [d.text for d in telegram.delivered(61)] == ["to one 0", "to one 1", "to one 2"]


class InFlight:
    """Wraps the bot to count requests under way (and, with `hold`, keep them there)."""

    def __init__(self, bot: Bot, hold: asyncio.Event | None = None) -> None:
        self.bot = bot
        self.hold = hold
        self.now = 0
        self.most = 0
        self.chats: list[int] = []  # the chats of the requests under way
        self.overlapping_same_chat = False

    async def __call__(self, method: Any) -> Any:
        if method.chat_id in self.chats:
            self.overlapping_same_chat = True
        self.chats.append(method.chat_id)
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            if self.hold is not None:
                await self.hold.wait()
            return await self.bot(method)
        finally:
            self.now -= 1
            self.chats.remove(method.chat_id)


async def test_several_in_flight_keep_every_limit_and_order(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Slow answers, so requests overlap: still one request per chat at a time, a second apart,
    each message once, in order per chat, and never a 429."""
    telegram.set_flood_limits(FloodLimits(global_rate=100))
    telegram.delay("sendMessage", 0.05, times=None)
    people = range(200, 240)
    for chat in people:
        telegram.user(chat)
    await queue(
        session_factory,
        clock,
        [(200 + i % 4, f"to few {i}", Priority.NOTICE) for i in range(8)]
        + [(chat, f"to many {chat}", Priority.BROADCAST) for chat in people],
    )
    sender = sender_for(bot, session_factory, clock, limits=SendLimits(per_second=80))
    counting = InFlight(bot)
    sender.bot = counting  # type: ignore[assignment]
    sender.start()
    try:
        await telegram.wait_until(lambda: len(telegram.delivered()) == 48, timeout=30)
    finally:
        await sender.stop()
    assert counting.most > 1 and not counting.overlapping_same_chat
    assert telegram.flood_refusals == []
    assert not telegram.duplicate_texts()
    for chat in range(200, 204):
        texts = [d.text for d in telegram.delivered(chat) if d.text.startswith("to few")]
        assert texts == [f"to few {i}" for i in range(chat - 200, 8, 4)]
    assert set((await statuses(session_factory)).values()) == {"sent"}


async def test_urgent_row_overtakes_a_running_broadcast(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Queued mid-broadcast, without `wake()`: found by the sender's regular look for rows
    more urgent than those it holds, and sent before most of the broadcast."""
    people = range(1000, 1300)
    for chat in [*people, 7]:
        telegram.user(chat)
    await queue(session_factory, clock, [(c, f"notice {c}", Priority.BROADCAST) for c in people])
    sender = sender_for(bot, session_factory, clock, limits=SendLimits(per_second=200))
    sender.start()
    try:
        await telegram.wait_until(lambda: len(telegram.delivered()) >= 40, timeout=30)
        queued_after = len(telegram.delivered())
        await queue(session_factory, clock, [(7, "ALERT", Priority.URGENT)])
        await telegram.wait_until(lambda: telegram.delivered(7), timeout=30)
        position = [d.text for d in telegram.delivered()].index("ALERT")
        await telegram.wait_until(lambda: len(telegram.delivered()) == 301, timeout=30)
    finally:
        await sender.stop()
    assert position - queued_after < 100  # about 0.1 s of look-ahead plus what was marked
    assert not telegram.duplicate_texts()


async def test_a_crash_with_several_requests_in_flight(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """The sender dies with three requests under way and more rows marked `sending`: all of
    those become interrupted and are never sent again; the rows it had not marked are sent by
    the next sender, once."""
    people = range(300, 320)
    for chat in people:
        telegram.user(chat)
    await queue(session_factory, clock, [(c, f"m{c}", Priority.NOTICE) for c in people])
    hold = asyncio.Event()
    dying = sender_for(bot, session_factory, clock, batch_size=6, concurrency=3)
    counting = InFlight(bot, hold)
    dying.bot = counting  # type: ignore[assignment]
    round_task = asyncio.create_task(dying.drain_once())
    for _ in range(200):
        if counting.now == 3:
            break
        await asyncio.sleep(0.01)
    assert counting.now == 3
    async with session_factory() as session:  # committed before the requests left
        rows = (await session.scalars(select(OutboxMessage))).all()
        sending = {row.payload["text"] for row in rows if row.status == OutboxStatus.SENDING}
    assert len(sending) == 6
    for task in [round_task, *dying._requests]:  # the process dies: nothing more is written
        task.cancel()
    await asyncio.gather(round_task, *dying._requests, return_exceptions=True)

    successor = sender_for(bot, session_factory, clock, lease_clock=after_the_leases())
    await successor.recover()
    await drain(successor)
    result = await statuses(session_factory)
    assert {text for text, status in result.items() if status == "interrupted"} == sending
    assert {text for text, status in result.items() if status == "sent"} == {
        f"m{c}" for c in people
    } - sending
    assert sorted(d.text for d in telegram.delivered()) == sorted(
        text for text, status in result.items() if status == "sent"
    )


async def test_stopping_hands_back_what_never_left(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """A sender that stops finishes the requests under way and hands back every row it held
    or had marked `sending` without a request: nothing is lost, nothing sent twice."""
    telegram.delay("sendMessage", 0.05, times=None)
    people = range(400, 500)
    for chat in people:
        telegram.user(chat)
    await queue(session_factory, clock, [(c, f"m{c}", Priority.NOTICE) for c in people])
    sender = sender_for(bot, session_factory, clock, limits=SendLimits(per_second=100))
    sender.start()
    await telegram.wait_until(lambda: len(telegram.delivered()) >= 10, timeout=30)
    await sender.stop()
    delivered = {d.text for d in telegram.delivered()}
    result = await statuses(session_factory)
    assert {text for text, status in result.items() if status == "sent"} == delivered
    assert set(result.values()) == {"sent", "pending"}
    async with session_factory() as session:
        pending = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        ).all()
        assert {row.attempts for row in pending} == {0}  # never tried: the attempt given back
        assert {row.claimed_by for row in pending} == {None}
    await drain(sender_for(bot, session_factory, clock), rounds=50)
    assert telegram.delivered_counts() == {chat: 1 for chat in people}


async def test_flood_wait_with_several_in_flight_resends_each_once(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    telegram.delay("sendMessage", 0.02, times=None)
    telegram.inject("sendMessage", error=429, retry_after=1, times=2)
    people = range(600, 630)
    for chat in people:
        telegram.user(chat)
    await queue(session_factory, clock, [(c, f"m{c}", Priority.NOTICE) for c in people])
    sender = sender_for(bot, session_factory, clock, limits=SendLimits(per_second=100))
    sender.start()
    try:
        await telegram.wait_until(lambda: len(telegram.delivered()) == 30, timeout=30)
    finally:
        await sender.stop()
    assert telegram.delivered_counts() == {chat: 1 for chat in people}
    assert set((await statuses(session_factory)).values()) == {"sent"}


def test_rate_limiter_counts_a_request_until_a_window_after_its_answer() -> None:
    """However late a request reaches Telegram, it is counted from when it left until a
    second after its answer: Telegram cannot see more than the rate in any second."""
    now = [100.0]
    limiter = SendRateLimiter(SendLimits(per_second=2), lambda: now[0])
    assert limiter.global_wait() == 0
    limiter.begin(11)
    assert limiter.chat_wait(11) > 0 and 11 in limiter.busy_chats()  # one request per chat
    now[0] += 0.5
    limiter.begin(12)
    now[0] += 1.0  # both still under way: the window is full however old they are
    assert limiter.global_wait() > 0
    limiter.end(11)
    limiter.end(12)
    assert limiter.global_wait() == pytest.approx(1.0)  # a second after the answers
    assert limiter.chat_wait(11) == pytest.approx(1.0)  # and a second per private chat
    now[0] += 1.0
    assert limiter.global_wait() == 0 and limiter.busy_chats() == []
    limiter.begin(13)
    limiter.end(13, counted=False, chat_counted=False)  # a 429: Telegram counted nothing
    assert limiter.chat_wait(13) == 0


async def test_rows_held_for_a_person_who_blocked_the_bot_are_withdrawn(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """The sender holds rows claimed ahead; when the person turns out to have blocked the bot,
    those are withdrawn with the rest (skipped), not tried one by one."""
    for chat in (41, 42):
        telegram.user(chat)
    telegram.block(41)
    await queue(
        session_factory,
        clock,
        [(41, "ALERT", Priority.URGENT)]
        + [(41, f"notice {i}", Priority.NOTICE) for i in range(3)]
        + [(42, "other", Priority.NOTICE)],
    )
    sender = sender_for(bot, session_factory, clock)
    sender.start()
    try:
        await telegram.wait_until(lambda: telegram.delivered(42), timeout=30)
        for _ in range(100):  # until every answer is written (they are written in batches)
            result = await statuses(session_factory)
            if not {"claimed", "sending"} & set(result.values()):
                break
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()
    assert result == {
        "ALERT": "blocked",
        "notice 0": "skipped",
        "notice 1": "skipped",
        "notice 2": "skipped",
        "other": "sent",
    }
    assert len([c for c in telegram.calls_to("sendMessage") if c.params["chat_id"] == 41]) == 1


async def test_a_hanging_urgent_request_holds_the_others_back_briefly(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Less urgent messages wait for a more urgent one's answer (so they do not overtake it),
    but not for long when that answer hangs."""
    for chat in (7, *range(800, 820)):
        telegram.user(chat)
    telegram.delay("sendMessage", 3.0, chat_id=7)
    await queue(
        session_factory,
        clock,
        [(7, "ALERT", Priority.URGENT)]
        + [(chat, f"notice {chat}", Priority.NOTICE) for chat in range(800, 820)],
    )
    sender = sender_for(bot, session_factory, clock)
    sender.start()
    try:
        await telegram.wait_until(lambda: len(telegram.delivered()) >= 20, timeout=2.5)
        assert not telegram.delivered(7)  # still under way: the others did not wait for it
        await telegram.wait_until(lambda: telegram.delivered(7), timeout=10)
    finally:
        await sender.stop()
    assert set((await statuses(session_factory)).values()) == {"sent"}


async def test_rows_for_a_busy_chat_wait_without_looping(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Several messages to one person go a second apart; meanwhile the sender holds the rest
    and waits for the chat, instead of asking the database again and again."""
    telegram.user(71)
    await queue(session_factory, clock, [(71, f"m{i}", Priority.NOTICE) for i in range(3)])
    sender = sender_for(bot, session_factory, clock)
    exchanges = 0
    exchange = sender._exchange

    async def counted(**options: Any) -> int:
        nonlocal exchanges
        exchanges += 1
        return await exchange(**options)

    sender._exchange = counted  # type: ignore[method-assign]
    sender.start()
    try:
        await telegram.wait_until(lambda: len(telegram.delivered(71)) == 3, timeout=10)
    finally:
        await sender.stop()
    assert [d.text for d in telegram.delivered(71)] == ["m0", "m1", "m2"]
    assert exchanges < 100  # about two seconds of waiting: a few looks a second, not thousands
