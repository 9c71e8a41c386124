"""Fixtures: a fake Bot API server, a real aiogram Bot pointed at it, a polling runner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.emulator import FakeBotAPI
from tests.emulator.echo_bot import build_router


class QuickCloseSession(AiohttpSession):
    """The real aiohttp session; only close() skips aiogram's 250 ms wait meant for TLS."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(api: FakeBotAPI, token: str | None = None) -> Bot:
    assert api.base_url is not None
    server = TelegramAPIServer.from_base(api.base_url)
    return Bot(token or api.token, session=QuickCloseSession(api=server))


class RunningBot:
    """A dispatcher polling the fake server in a background task (the echo bot by default)."""

    def __init__(
        self,
        api: FakeBotAPI,
        bot: Bot,
        *,
        handle_as_tasks: bool = False,
        router: Callable[[list[str]], Router] = build_router,
    ) -> None:
        self.api = api
        self.bot = bot
        self.events: list[str] = []
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(router(self.events))
        self.handle_as_tasks = handle_as_tasks
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> RunningBot:
        """Start polling and return once the bot's first getUpdates reached the server."""
        polls_before = self.api.state.poll_generation
        self._task = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_as_tasks=self.handle_as_tasks,
                handle_signals=False,
                close_bot_session=False,
                polling_timeout=5,
            )
        )
        await self.api.wait_until(lambda: self.api.state.poll_generation > polls_before)
        return self

    async def stop(self) -> None:
        """Stop like aiogram does on SIGTERM (cancelling the task would orphan its poller)."""
        if self._task is None:
            return
        await self.dispatcher.stop_polling()
        await self._task
        self._task = None


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    client = make_bot(api)
    yield client
    await client.session.close()


@pytest.fixture
async def run_bot(api: FakeBotAPI, bot: Bot) -> AsyncIterator[Callable[..., Awaitable[RunningBot]]]:
    """Start a bot polling (the echo bot unless `router` builds another); stopped at teardown."""
    started: list[RunningBot] = []

    async def start(
        *,
        handle_as_tasks: bool = False,
        router: Callable[[list[str]], Router] = build_router,
    ) -> RunningBot:
        running = await RunningBot(api, bot, handle_as_tasks=handle_as_tasks, router=router).start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()
