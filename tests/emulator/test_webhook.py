"""The fake Telegram's webhook: set, pushed with the secret, kept until a 2xx, in order per chat."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from bot.emulator import FakeBotAPI
from bot.emulator.webhook import SECRET_HEADER


class Receiver:
    """A bot's webhook endpoint that records each POST and answers what the test says."""

    def __init__(self) -> None:
        self.received: list[tuple[int, str | None]] = []  # (update_id, secret header)
        self.status: dict[int, int] = {}  # update_id -> status to answer (once), 200 otherwise
        self.hold: dict[int, asyncio.Event] = {}  # update_id -> answered once set
        self._arrived: dict[int, asyncio.Event] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        update: dict[str, Any] = await request.json()
        update_id = int(update["update_id"])
        self.received.append((update_id, request.headers.get(SECRET_HEADER)))
        self._arrival(update_id).set()
        if update_id in self.hold:
            await self.hold[update_id].wait()
        return web.json_response({}, status=self.status.pop(update_id, 200))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"

    async def stop(self) -> None:
        for event in self.hold.values():
            event.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _arrival(self, update_id: int) -> asyncio.Event:
        return self._arrived.setdefault(update_id, asyncio.Event())

    async def arrived(self, update_id: int) -> None:
        await asyncio.wait_for(self._arrival(update_id).wait(), timeout=10)

    def ids(self) -> list[int]:
        return [update_id for update_id, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.start()
    yield found
    await found.stop()


async def test_updates_are_pushed_with_the_secret_and_polling_is_refused(
    api: FakeBotAPI, bot: Bot, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="s3cret_-X")
    mei = api.user(42)

    sent = await mei.send_text("hello")  # waits until the bot accepted it

    assert receiver.received == [(sent["update_id"], "s3cret_-X")]
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_message) == (
        receiver.url,
        0,
        None,
    )
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    late = await mei.send_text("by polling now", wait=False)
    assert [u.update_id for u in await bot.get_updates()] == [late["update_id"]]
    assert receiver.ids() == [sent["update_id"]]


async def test_a_failed_answer_keeps_the_update_and_holds_back_that_chat_only(
    api: FakeBotAPI, bot: Bot, receiver: Receiver
) -> None:
    mei, li = api.user(42), api.user(43, first_name="Li")
    await bot.set_webhook(receiver.url, secret_token="t")
    first = await mei.send_text("one", wait=False)
    receiver.status[first["update_id"]] = 500
    receiver.hold[first["update_id"]] = gate = asyncio.Event()
    second = await mei.send_text("two", wait=False)
    await receiver.arrived(first["update_id"])

    other = await li.send_text("meanwhile")  # another chat is not held back
    assert second["update_id"] not in receiver.ids()
    gate.set()
    await api.wait_processed(second["update_id"])

    # the first was answered 500, sent again, accepted; only then the second
    assert receiver.ids() == [
        first["update_id"],
        other["update_id"],
        first["update_id"],
        second["update_id"],
    ]
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_an_unreachable_bot_keeps_its_updates_pending(
    api: FakeBotAPI, bot: Bot, receiver: Receiver
) -> None:
    url = receiver.url
    await receiver.stop()  # nobody listens
    await bot.set_webhook(url)
    sent = await api.user(42).send_text("anyone there?", wait=False)

    await api.wait_until(lambda: api.webhook.last_error_message == "Connection refused")
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert not api.state.is_processed(sent["update_id"])


async def test_webhook_settings_are_checked_like_telegram(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS url must be provided"):
        await bot.set_webhook("http://bot.example.org/hook")
    with pytest.raises(TelegramBadRequest, match="only on ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://bot.example.org:9443/hook")
    with pytest.raises(TelegramBadRequest, match="unallowed characters"):
        await bot.set_webhook("https://bot.example.org/hook", secret_token="no spaces")
    assert (await bot.get_webhook_info()).url == ""
