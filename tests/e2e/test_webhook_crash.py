"""A real `linli run --webhook` process is killed (`kill -9`) while it handles an update and is
started again at once: Telegram, never told the update was accepted, sends it again, and it is
handled exactly once: the resident gets one greeting, and one row of her exists."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.emulator.server import FakeBotAPI
from storage.db import create_engine, create_session_factory
from storage.models import User
from tests.e2e import processes
from tests.e2e.webhook_harness import PATH, SECRET, free_listener

# On SQLite only: the same kill on PostgreSQL, with several workers, is
# tests/e2e/test_webhook_workers.py (one deployment is slow enough to start).

GREETING = "Do you need some help, or would you like to volunteer?"


async def start_linli(
    telegram: FakeBotAPI, database_url: str, workdir: Path, port: int
) -> asyncio.subprocess.Process:
    return await processes.start_linli(
        telegram,
        workdir,
        "--webhook",
        DATABASE_URL=database_url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}",
        WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        WEBHOOK_SECRET=SECRET,
    )


async def wait_until(condition: Callable[[], Any], seconds: float, what: str) -> None:
    """For conditions outside the emulator's state (which `telegram.wait_until` watches)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not in {seconds}s: {what}"
        await asyncio.sleep(0.05)


async def rows_of(database_url: str, telegram_id: int) -> int:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(func.count()).select_from(User).where(User.telegram_id == telegram_id)
            return int(await session.scalar(query) or 0)
    finally:
        await engine.dispose()


async def test_kill_9_while_an_update_is_handled_and_it_is_handled_once_after_restart(
    telegram: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    listener = free_listener()
    port = listener.getsockname()[1]
    listener.close()  # the process binds it itself
    mei = telegram.user(1001, first_name="Mei", language_code="en")
    first = await start_linli(telegram, database_url, tmp_path, port)
    second: asyncio.subprocess.Process | None = None
    try:
        await telegram.wait_until(lambda: telegram.webhook.url, timeout=90)
        # The bot's reply is held at Telegram's door: the update is in the middle of its handling.
        hold = telegram.delay("sendMessage", 120, chat_id=mei.id)
        start = await mei.send_command("/start", wait=False)
        await wait_until(lambda: hold not in telegram.faults.delays, 30, "the reply held")
        assert not telegram.state.is_processed(start["update_id"])

        first.kill()
        await first.wait()
        second = await start_linli(telegram, database_url, tmp_path, port)

        await telegram.wait_processed(start["update_id"], timeout=90)  # sent again, accepted
        assert [m.text for m in mei.messages if GREETING in m.text] != []
        assert len([m for m in mei.messages if GREETING in m.text]) == 1
        assert telegram.webhook.deliveries >= 2
        assert await rows_of(database_url, mei.id) == 1
        await mei.tap("🙋 I need help", wait=False)
        await mei.wait_for_message(lambda m: "🔒" in m.text, timeout=30)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
        if second is not None:
            _, err = await asyncio.wait_for(second.communicate(), timeout=30)
            assert second.returncode == 0, err.decode()[-2000:]
            assert "webhook_listening" in err.decode()
