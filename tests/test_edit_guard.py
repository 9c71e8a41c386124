"""Edits handled together (a double tap, two people pressing one button) reach Telegram once:
the second identical edit is answered by the bot's own session, never refused by Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramServerError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.edit_guard import IdenticalEditGuard
from bot.emulator import FakeBotAPI
from tests.emulator.conftest import make_bot


def keyboard(label: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=label, callback_data=label)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(api: FakeBotAPI, clock: Clock) -> AsyncIterator[Bot]:
    client = make_bot(api)
    client.session.middleware(IdenticalEditGuard(remember_seconds=60, time_source=clock))
    yield client
    await client.session.close()


async def test_concurrent_identical_edits_reach_telegram_once(api: FakeBotAPI, bot: Bot) -> None:
    group = api.group(-100700, "Volunteers")
    post = await bot.send_message(-100700, "Rice and eggs", reply_markup=keyboard("Claim"))

    results = await asyncio.gather(
        *(
            bot.edit_message_text(
                "Rice and eggs\n\nTaken", chat_id=-100700, message_id=post.message_id
            )
            for _ in range(5)
        ),
        return_exceptions=True,
    )

    refused_here = [r for r in results if isinstance(r, TelegramBadRequest)]
    assert len(refused_here) == 4 and all("not modified" in r.message for r in refused_here)
    assert len(api.calls_to("editMessageText")) == 1
    assert api.refused_calls() == []
    assert group.message(post.message_id).text == "Rice and eggs\n\nTaken"
    with pytest.raises(TelegramBadRequest, match="not modified"):  # the buttons are gone already
        await bot.edit_message_reply_markup(chat_id=-100700, message_id=post.message_id)
    assert api.refused_calls() == []


async def test_different_edits_pass_and_the_memory_is_short(
    api: FakeBotAPI, bot: Bot, clock: Clock
) -> None:
    api.user(42)
    sent = await bot.send_message(42, "Hello", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(
        chat_id=42, message_id=sent.message_id, reply_markup=keyboard("b")
    )
    await bot.edit_message_text(
        "Hello", chat_id=42, message_id=sent.message_id, reply_markup=keyboard("c")
    )
    await bot.edit_message_text(
        "Bye", chat_id=42, message_id=sent.message_id, reply_markup=keyboard("c")
    )
    assert len(api.calls_to("editMessageText")) == 2 and api.refused_calls() == []

    clock.now += 61  # another process may have edited it since: ask Telegram again
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_text(
            "Bye", chat_id=42, message_id=sent.message_id, reply_markup=keyboard("c")
        )
    assert len(api.refused_calls("editMessageText", containing="not modified")) == 1


async def test_an_edit_that_failed_is_not_remembered(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    sent = await bot.send_message(42, "Hello")
    api.inject("editMessageText", error=500)

    with pytest.raises(TelegramServerError):
        await bot.edit_message_text("Hello again", chat_id=42, message_id=sent.message_id)
    await bot.edit_message_text("Hello again", chat_id=42, message_id=sent.message_id)

    assert api.users[42].messages[-1].text == "Hello again"
