"""The outbox under failure, against the fake Telegram: leases taken over by a live sender,
delivery by kind (alerts at least once, bulk at most once), one send budget with direct
replies, a bad row set aside, logs without the text, old payloads purged."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import load_settings
from bot.delivery.outbox import Priority, enqueue_message, enqueue_payload
from bot.delivery.ratelimit import SendLimits
from bot.delivery.send_budget import send_budget
from bot.delivery.sender import OutboxSender
from bot.delivery.undeliverable import undeliverable_flagger
from bot.emulator import FloodLimits
from bot.emulator.server import FakeBotAPI
from bot.i18n import create_i18n
from storage.models import OutboxMessage, OutboxStatus, UserRole
from storage.repositories import outbox as outbox_queries
from tests.bots import new_bot
from tests.people import make_person
from tests.test_outbox import drain, statuses

# On PostgreSQL too: the outbox's claims, leases and order are queries.
pytestmark = pytest.mark.postgresql

PHONE = "+86 138 1234 5678"
ADDRESS = "幸福小区 3栋 502"


def sender_for(
    bot: Bot, factory: async_sessionmaker[AsyncSession], clock: ManualClock, **kw: Any
) -> OutboxSender:
    return OutboxSender(bot, factory, clock, **{"limits": SendLimits(per_second=500), **kw})


async def queue(
    factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    messages: list[tuple[int, str, Priority]],
    kind: str = "broadcast",
) -> None:
    async with factory() as session:
        for chat_id, text, priority in messages:
            await enqueue_message(
                session, chat_id=chat_id, text=text, kind=kind, priority=priority, clock=clock
            )
        await session.commit()


async def until(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def settled(factory: async_sessionmaker[AsyncSession], seconds: float = 30) -> dict[str, str]:
    """The rows' statuses once none is waiting or under way any more."""
    deadline = time.monotonic() + seconds
    while True:
        found = await statuses(factory)
        if not {"pending", "claimed", "sending"} & set(found.values()):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting: {found}")
        await asyncio.sleep(0.05)


async def test_a_live_sender_takes_over_the_rows_of_one_that_died(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """A sender dies with an alert and two notices mid-request and more rows claimed. Another
    sender, already running (it found nothing to take over when it started), takes them over
    as soon as the dead one's lease runs out: the alert is sent again, the notices become
    "unknown", the claimed rows are sent, each once."""
    people = range(300, 312)
    for chat in [7, *people]:
        telegram.user(chat)
    await queue(session_factory, clock, [(7, "ALERT", Priority.URGENT)], kind="checkin.alert")
    await queue(session_factory, clock, [(c, f"m{c}", Priority.BROADCAST) for c in people])
    async with session_factory() as session:  # what a sender that was killed left behind
        lease = datetime.now(UTC) + timedelta(seconds=1.5)  # still valid for a moment
        rows = await outbox_queries.claim_due(
            session, now=clock.now(), worker="killed", limit=100, lease_until=lease
        )
        for row in rows[:3]:
            await outbox_queries.mark_sending(
                session, row.id, worker="killed", now=clock.now(), lease_until=lease
            )
        await session.commit()
    before = await statuses(session_factory)
    in_flight = {text for text, s in before.items() if s == "sending"} - {"ALERT"}
    assert before["ALERT"] == "sending" and len(in_flight) == 2
    assert list(before.values()).count("claimed") == 10  # held by the dead sender, never tried

    survivor = sender_for(bot, session_factory, clock, lease_seconds=1)
    survivor.start()
    try:
        await asyncio.sleep(0.2)  # its start-up look found every lease of the dead one valid
        assert set((await statuses(session_factory)).values()) == {"claimed", "sending"}
        found = await settled(session_factory)
    finally:
        await survivor.stop()
    assert {text for text, s in found.items() if s == "interrupted"} == in_flight
    assert found["ALERT"] == "sent"
    assert [d.text for d in telegram.delivered(7)] == ["ALERT"]
    assert not telegram.duplicate_texts()
    sent = {text for text, s in found.items() if s == "sent"}
    assert sent == {f"m{c}" for c in people} - in_flight | {"ALERT"}
    async with session_factory() as session:
        alert = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 7))
        assert alert is not None and alert.at_least_once and alert.attempts == 2


async def test_a_live_senders_slow_requests_are_never_taken_over(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Answers that take longer than a lease: the sender renews its leases while it waits, so
    the other sender running beside it neither resends the alert nor gives up the notice."""
    telegram.user(7)
    telegram.user(8)
    telegram.delay("sendMessage", 2.5, chat_id=7)
    telegram.delay("sendMessage", 2.5, chat_id=8)
    await queue(session_factory, clock, [(7, "ALERT", Priority.URGENT)], kind="checkin.alert")
    await queue(session_factory, clock, [(8, "notice", Priority.BROADCAST)])
    first = sender_for(bot, session_factory, clock, lease_seconds=1)
    first.start()
    deadline = time.monotonic() + 10
    while set((await statuses(session_factory)).values()) != {"sending"}:  # both under way
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    second = sender_for(bot, session_factory, clock, lease_seconds=1)
    second.start()
    try:
        found = await settled(session_factory)
    finally:
        await first.stop()
        await second.stop()
    assert found == {"ALERT": "sent", "notice": "sent"}
    assert len(telegram.calls_to("sendMessage")) == 2
    assert [d.text for d in telegram.delivered(7)] == ["ALERT"]


async def test_a_timed_out_alert_is_sent_again_a_timed_out_notice_is_unknown(
    telegram: FakeBotAPI,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """Telegram does not answer in time (it may still deliver): the alert is tried again (a
    possible repeat beats a lost alert), the broadcast notice never (it counts as unknown)."""
    telegram.user(7)
    telegram.user(8)
    telegram.delay("sendMessage", 1.5, chat_id=7)
    telegram.delay("sendMessage", 1.5, chat_id=8)
    await queue(session_factory, clock, [(7, "ALERT", Priority.URGENT)], kind="checkin.alert")
    await queue(session_factory, clock, [(8, "notice", Priority.BROADCAST)])
    bot = new_bot(telegram, timeout=0.5)
    try:
        sender = sender_for(bot, session_factory, clock)
        await drain(sender)
        assert await statuses(session_factory) == {"ALERT": "pending", "notice": "interrupted"}
        clock.advance(timedelta(minutes=1))  # past the backoff
        await drain(sender)
    finally:
        await bot.session.close()
    assert await statuses(session_factory) == {"ALERT": "sent", "notice": "interrupted"}
    # (the fake Telegram drops a request whose client gave up; the real one may deliver it)
    assert [d.text for d in telegram.delivered(7)] == ["ALERT"]
    assert telegram.delivered(8) == []
    async with session_factory() as session:
        alert = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 7))
        notice = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 8))
        assert alert is not None and alert.attempts == 2
        assert notice is not None and notice.attempts == 1  # never tried again
        assert "delivery unknown" in (notice.error or "")


async def test_direct_replies_and_the_outbox_share_one_budget(
    telegram: FakeBotAPI,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """A broadcast at the full rate and people's own replies at the same time: Telegram never
    sees more than the limit in any second (it never has to say 429), and each reply goes out
    before the broadcast's next message instead of waiting for the broadcast to end."""
    rate = 20
    telegram.set_flood_limits(FloodLimits(global_rate=rate))
    people = range(1000, 1060)
    repliers = range(2000, 2012)
    for chat in [*people, *repliers]:
        telegram.user(chat)
    await queue(session_factory, clock, [(c, f"notice {c}", Priority.BROADCAST) for c in people])
    bot = new_bot(telegram)
    budget = send_budget(bot, SendLimits(per_second=rate))
    assert send_budget(bot, SendLimits(per_second=rate)) is budget  # installed once
    sender = sender_for(bot, session_factory, clock, limiter=budget)
    waits: list[float] = []

    async def reply(chat: int) -> None:
        started = time.monotonic()
        await bot.send_message(chat, f"your answer {chat}")
        waits.append(time.monotonic() - started)

    sender.start()
    try:
        await telegram.wait_until(lambda: len(telegram.delivered()) >= 10, timeout=10)
        replies = []
        for chat in repliers:
            replies.append(asyncio.create_task(reply(chat)))
            await asyncio.sleep(0.2)
        await asyncio.gather(*replies)
        broadcast_left = len(people) - len([d for d in telegram.delivered() if d.chat_id in people])
        await telegram.wait_until(lambda: len(telegram.delivered()) == 72, timeout=30)
    finally:
        await sender.stop()
        await bot.session.close()
    assert telegram.flood_refusals == []
    sends = sorted(c.at for c in telegram.calls_to("sendMessage") if c.ok)
    busiest = max(sum(1 for t in sends[i:] if t < start + 1.0) for i, start in enumerate(sends))
    assert busiest <= rate
    assert broadcast_left > 10  # the replies went out while the broadcast was still sending
    assert max(waits) < 1.5  # none waited for the broadcast's end (about 3 s of it was left)
    assert telegram.delivered_counts() == {chat: 1 for chat in [*people, *repliers]}


async def test_one_bad_row_is_set_aside_then_failed_and_flagged_and_logs_keep_no_text(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A row whose payload does not make a request (here: a text message without its text)
    is set aside with its reason and tried again later; everything else goes out at once.
    After a few tries it is failed and the coordinators hear of it. No log line holds the
    phone number or address it carried, nor does one about a message Telegram refused."""
    caplog.set_level(logging.DEBUG, logger="linli")
    for chat in (11, 12, 13, 90):
        telegram.user(chat)
    async with session_factory() as session:
        await make_person(session, clock, 90, UserRole.COORDINATOR, name="Lin")
        await enqueue_payload(
            session,
            chat_id=11,
            method="sendMessage",
            payload={"parse_mode": "HTML", "caption": f"{ADDRESS}, {PHONE}"},
            kind="checkin.alert",
            priority=Priority.URGENT,
            clock=clock,
        )
        await session.commit()
    await queue(session_factory, clock, [(12, "fine", Priority.NOTICE)], kind="notice")
    await queue(session_factory, clock, [(13, f"call {PHONE} at {ADDRESS}", Priority.NOTICE)])
    telegram.inject("sendMessage", error=400, description="Bad Request: chat is busy", chat_id=13)
    settings = load_settings(_env_file=None, default_locale="en")
    flagger = undeliverable_flagger(settings, clock, create_i18n("en"))
    sender = sender_for(bot, session_factory, clock, on_undeliverable=flagger)

    await drain(sender)
    assert [d.text for d in telegram.delivered(12)] == ["fine"]  # nothing waited for the bad row
    async with session_factory() as session:
        bad = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 11))
        assert bad is not None and bad.status == OutboxStatus.PENDING
        assert bad.error == "could not be sent: ValidationError" and bad.not_before > clock.now()
    for _ in range(3):
        clock.advance(timedelta(minutes=5))  # past each backoff
        await drain(sender)
    async with session_factory() as session:
        bad = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 11))
        assert bad is not None and bad.status == OutboxStatus.FAILED and bad.attempts == 3
    flag = await telegram.wait_until(lambda: telegram.delivered(90), timeout=10)
    assert flag
    (notice,) = telegram.delivered(90)
    assert "could not be sent" in notice.text and "checkin.alert" in notice.text
    logs = caplog.text
    assert "outbox_row_set_aside" in logs and "outbox_not_sent" in logs
    assert PHONE not in logs and PHONE.replace(" ", "") not in logs.replace(" ", "")
    assert ADDRESS not in logs and "幸福小区" not in logs


async def test_payloads_of_old_finished_rows_are_purged(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    for chat in (21, 22, 23):
        telegram.user(chat)
    await queue(session_factory, clock, [(21, f"old {ADDRESS}", Priority.NOTICE)])
    await queue(session_factory, clock, [(22, "old, still waiting", Priority.NOTICE)])
    async with session_factory() as session:
        waiting = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 22))
        assert waiting is not None
        waiting.not_before = clock.now() + timedelta(days=60)  # e.g. an event's reminder
        await session.commit()
    sender = sender_for(bot, session_factory, clock, purge_after_days=30)
    await drain(sender)
    clock.advance(timedelta(days=29))
    await queue(session_factory, clock, [(23, "recent", Priority.NOTICE)])
    await drain(sender)
    assert await sender.purge() == 0  # 29 days: kept
    clock.advance(timedelta(days=2))
    assert await sender.purge() == 1
    assert await sender.purge() == 0  # once
    async with session_factory() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(row.status, row.payload.get("text")) for row in rows] == [
        (OutboxStatus.SENT, None),
        (OutboxStatus.PENDING, "old, still waiting"),
        (OutboxStatus.SENT, "recent"),
    ]
    assert rows[0].purged_at == clock.now() and rows[1].purged_at is None
