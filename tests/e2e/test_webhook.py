"""Webhook mode: Telegram POSTs each update to the bot, which answers only once the update was
handled and committed; a request without the secret is refused; polling again deletes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from storage.models import User
from tests.e2e.harness import RunningBot
from tests.e2e.webhook_harness import SECRET, WebhookBot

GREETING = "Do you need some help, or would you like to volunteer?"


@pytest.fixture
async def webhook_bot(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[WebhookBot]:
    running = WebhookBot(telegram, clock, database_url=database_url, default_locale="en")
    await running.start()
    yield running
    await running.stop()


async def people_with_id(bot: WebhookBot, telegram_id: int) -> int:
    async with bot.app.session_factory() as session:
        query = select(func.count()).select_from(User).where(User.telegram_id == telegram_id)
        return int(await session.scalar(query) or 0)


async def test_a_resident_gets_her_greeting_by_webhook(
    telegram: FakeBotAPI, webhook_bot: WebhookBot
) -> None:
    mei = telegram.user(1001, first_name="Mei", language_code="en")

    await mei.send_command("/start")  # returns once the bot answered Telegram's POST with 200

    assert GREETING in mei.last.text
    assert (telegram.webhook.url, telegram.webhook.secret) == (webhook_bot.url, SECRET)
    registered = telegram.calls_to("setWebhook")[-1].params
    assert {"message", "callback_query", "my_chat_member"} <= set(registered["allowed_updates"])
    assert telegram.calls_to("getUpdates") == []
    assert telegram.calls_to("deleteWebhook") == []  # starting by webhook keeps it set
    await mei.tap("🙋 I need help")
    assert "🔒" in mei.last.text
    assert telegram.webhook.deliveries == 2 and telegram.webhook.last_error_message is None


async def test_a_request_without_the_right_secret_is_refused_and_changes_nothing(
    telegram: FakeBotAPI, webhook_bot: WebhookBot
) -> None:
    stranger = {"id": 6066, "is_bot": False, "first_name": "Eve", "language_code": "en"}
    update = {
        "update_id": 777,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": {"id": 6066, "type": "private", "first_name": "Eve"},
            "from": stranger,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    calls_before = len(telegram.calls)
    async with aiohttp.ClientSession() as client:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}):
            async with client.post(webhook_bot.url, json=update, headers=headers) as response:
                assert response.status == 401

    assert await people_with_id(webhook_bot, 6066) == 0
    assert telegram.calls[calls_before:] == []  # nothing sent, nothing answered


async def test_a_failed_handling_is_answered_with_an_error_and_telegram_sends_it_again(
    telegram: FakeBotAPI, webhook_bot: WebhookBot
) -> None:
    mei = telegram.user(1001, first_name="Mei", language_code="en")
    telegram.inject("sendMessage", error=500, description="Internal Server Error", times=1)

    await mei.send_command("/start")  # returns once the bot accepted it: on the second try

    assert telegram.webhook.deliveries == 2
    assert telegram.webhook.last_error_message == (
        "Wrong response from the webhook: 500 Internal Server Error"
    )
    greetings = [m for m in mei.messages if GREETING in m.text]
    assert len(greetings) == 1
    assert await people_with_id(webhook_bot, 1001) == 1


async def test_an_update_that_keeps_failing_is_accepted_after_three_tries_with_an_apology(
    telegram: FakeBotAPI, webhook_bot: WebhookBot
) -> None:
    """A bug must not hold back the person's later messages for ever."""
    mei = telegram.user(1001, first_name="Mei", language_code="en")
    telegram.inject("sendMessage", error=500, description="Internal Server Error", times=3)

    await mei.send_command("/start")

    assert telegram.webhook.deliveries == 3
    assert [m.text for m in mei.messages if "Sorry, something went wrong" in m.text] != []
    assert len([m for m in mei.messages if "Sorry" in m.text]) == 1  # told once, at the end
    await mei.tap("🙋 I need help")  # her next press is heard
    assert "🔒" in mei.last.text


async def test_starting_by_polling_deletes_the_webhook(
    telegram: FakeBotAPI, webhook_bot: WebhookBot, database_url: str, clock: ManualClock
) -> None:
    mei = telegram.user(1001, first_name="Mei", language_code="en")
    await mei.send_command("/start")
    await webhook_bot.stop()
    assert telegram.webhook.url == webhook_bot.url  # stopping keeps it: Telegram holds updates

    polling = RunningBot(
        telegram, telegram.base_url, clock, database_url=database_url, default_locale="en"
    )
    await polling.start()
    try:
        assert telegram.webhook.url == ""
        await mei.tap("🙋 I need help")  # now fetched by getUpdates
        assert "🔒" in mei.last.text
        assert telegram.webhook.deliveries == 1
    finally:
        await polling.stop()
