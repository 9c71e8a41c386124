"""The outbox carries media: a row holds a voice note or photo by the file id a person sent, the
sender sends it as that voice note or photo (after a crash too, for a message sent at least
once), and words too long for a caption go first on their own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.delivery.outbox import Priority, enqueue_message
from bot.delivery.ratelimit import SendLimits
from bot.delivery.sender import OutboxSender
from bot.emulator.server import FakeBotAPI
from bot.services.media import Media
from storage.models import OutboxMessage, OutboxStatus
from storage.repositories import outbox as outbox_queries

pytestmark = pytest.mark.postgresql

RESIDENT, VOLUNTEER = 71, 72
HER_VOICE = b"OggS\x00\x02her-voice" + bytes(range(40))


async def rows(factory: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with factory() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_voice_note_in_the_outbox_is_sent_again_after_a_crash(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    resident = telegram.user(RESIDENT, first_name="Mei")
    volunteer = telegram.user(VOLUNTEER, first_name="Tao")
    sent = await resident.send_voice(7, data=HER_VOICE, wait=False)  # nobody polls: only stored
    voice = sent["message"]["voice"]
    async with session_factory() as session:
        await enqueue_message(
            session,
            chat_id=VOLUNTEER,
            text="🎤 The resident's voice message, request no. 3",
            kind="task_media",
            priority=Priority.ALERT,
            clock=clock,
            media=Media("voice", voice["file_id"]),
        )
        await session.commit()
    (row,) = await rows(session_factory)
    assert (row.method, row.at_least_once) == ("sendVoice", True)
    assert row.payload["voice"] == voice["file_id"] and "text" not in row.payload

    async with session_factory() as session:  # a sender died while the request was under way
        lapsed = datetime.now(UTC) - timedelta(seconds=1)
        (claimed,) = await outbox_queries.claim_due(
            session, now=clock.now(), worker="dead", limit=5, lease_until=lapsed
        )
        await outbox_queries.mark_sending(
            session, claimed.id, worker="dead", now=clock.now(), lease_until=lapsed
        )
        await session.commit()
    sender = OutboxSender(bot, session_factory, clock, limits=SendLimits(per_second=500))
    await sender.recover()
    while await sender.drain_once():
        pass

    (row,) = await rows(session_factory)
    assert row.status is OutboxStatus.SENT and row.attempts == 2
    (heard,) = [m for m in volunteer.messages if m.voice]
    assert heard.voice is not None
    assert heard.voice["file_unique_id"] == voice["file_unique_id"]
    assert heard.voice["duration"] == 7  # Telegram keeps the file as she recorded it
    assert heard.file_bytes == HER_VOICE
    assert heard.text == "🎤 The resident's voice message, request no. 3"


async def test_words_too_long_for_a_caption_go_first_then_the_photo(
    telegram: FakeBotAPI,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    resident = telegram.user(RESIDENT, first_name="Mei")
    coordinator = telegram.user(VOLUNTEER, first_name="Lin")
    sent = await resident.send_photo(size=(800, 600), wait=False)
    photo = sent["message"]["photo"][-1]
    words = "她说：" + "水龙头一直漏水，" * 200  # far more than a caption holds
    async with session_factory() as session:
        await enqueue_message(
            session,
            chat_id=VOLUNTEER,
            text=words,
            kind="request.answer",
            priority=Priority.ALERT,
            clock=clock,
            reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "x"}]]},
            media=Media("photo", photo["file_id"]),
        )
        await session.commit()
    text_row, photo_row = await rows(session_factory)
    assert (text_row.method, photo_row.method) == ("sendMessage", "sendPhoto")
    assert "reply_markup" in text_row.payload and "reply_markup" not in photo_row.payload
    limits = SendLimits(per_second=500, private_chat_interval=0.01)
    sender = OutboxSender(bot, session_factory, clock, limits=limits)
    for _ in range(200):  # one message per chat at a time: the photo leaves after the words
        if len(coordinator.messages) == 2:
            break
        await sender.drain_once()
        await asyncio.sleep(0.01)

    words_seen, picture = coordinator.messages
    assert words_seen.text == words and words_seen.buttons == [["OK"]]
    assert picture.photo is not None and picture.text == ""
    assert picture.photo[-1]["file_unique_id"] == photo["file_unique_id"]
    assert (picture.photo[-1]["width"], picture.photo[-1]["height"]) == (800, 600)
