"""The outbox sender against the fake Telegram: order, limits, refusals, crashes, two senders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.emulator import FloodLimits
from bot.emulator.server import FakeBotAPI
from bot.outbox import ABANDONED_AFTER, OutboxSender
from bot.ratelimit import SendLimits
from bot.services.outbox import Priority, enqueue_message
from bot.services.users import TelegramProfile, sync_user
from storage.models import OutboxMessage, User
from storage.repositories import outbox as outbox_queries


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def bot(telegram: FakeBotAPI) -> AsyncIterator[Bot]:
    assert telegram.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    bot = Bot(telegram.token, session=session)
    yield bot
    await session.close()


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
        rows = await outbox_queries.claim_due(session, now=clock.now(), worker="dead", limit=2)
        await outbox_queries.mark_sending(session, rows[0].id, worker="dead", now=clock.now())
        await session.commit()
    clock.advance(ABANDONED_AFTER + timedelta(seconds=1))
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
