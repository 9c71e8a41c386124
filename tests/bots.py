"""A real aiogram Bot talking to our fake Telegram, for tests below the dispatcher (the outbox,
its sender and leases)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator.server import FakeBotAPI


def new_bot(telegram: FakeBotAPI, *, timeout: float = 60.0) -> Bot:
    assert telegram.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url), timeout=timeout)
    return Bot(telegram.token, session=session)
