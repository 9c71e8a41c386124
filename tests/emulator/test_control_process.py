"""The emulator as its own process, driven through the /_emulator/ control API."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator.client import EmulatorClient, EmulatorError
from tests.emulator.conftest import QuickCloseSession
from tests.emulator.echo_bot import build_router

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "777:PROCESS-TOKEN"


@pytest.fixture
async def emulator_url() -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.emulator",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line.startswith(b"emulator listening on "), line
        yield line.decode().rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), timeout=10) == 0


async def test_control_api_drives_a_polling_bot(emulator_url: str) -> None:
    bot = Bot(TOKEN, session=QuickCloseSession(api=TelegramAPIServer.from_base(emulator_url)))
    events: list[str] = []
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(events))
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_as_tasks=False, handle_signals=False, close_bot_session=False
        )
    )
    async with EmulatorClient(emulator_url) as emulator:
        try:
            await emulator.create_user(7, first_name="Wei", language_code="en")
            result = await emulator.act(7, "send_text", text="hello")
            assert [m["text"] for m in result["replies"]] == ["You said: hello"]

            await emulator.act(7, "tap", label="Like")
            assert [a["text"] for a in await emulator.callback_answers(7)] == ["Liked!"]

            messages = await emulator.messages(7)
            assert [(m["from_bot"], m["text"]) for m in messages] == [
                (False, "hello"),
                (True, "You said: hello"),
            ]
            sends = await emulator.calls("sendMessage")
            assert sends[0]["params"] == {
                "chat_id": 7,
                "text": "You said: <b>hello</b>",
                "parse_mode": "HTML",
                "reply_markup": sends[0]["params"]["reply_markup"],
            }
            with pytest.raises(EmulatorError, match="no inline button"):
                await emulator.act(7, "tap", label="Nope")
        finally:
            await dispatcher.stop_polling()
            await polling
            await bot.session.close()
